"""``tstconfig --inspect``: what each block reads and how it is cut into rows.

No assertion runs. For each block this prints the source, the parse
settings in force (and where each came from), a ruler of the ``positions``
cuts over the first lines, and each section's rows as a table whose headings
give the raw column number, the number after ``columns``, and the name.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import TextIO

from tstconfig_core.api import FileStarted, Row, RunFinished, printable
from tstconfig_core.checking import ProblemLines
from tstconfig_core.engine.block import Block
from tstconfig_core.engine.columns import column_names
from tstconfig_core.engine.parsing import candidate_lines
from tstconfig_core.options import ParseOptions

RULER_LINES = 3


def _shown(value: object) -> str:
    if hasattr(value, "pattern"):
        return value.pattern  # a compiled regular expression
    if isinstance(value, tuple):
        return " ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def settings(block: Block) -> list[str]:
    """The options that differ from the defaults, each with where it came from."""
    used = block.parsed.options if block.parsed and block.parsed.options else block.options
    defaults = ParseOptions()
    lines = [f"parse_mode {block.parse_mode}" + _origin("parse_mode", block)]
    for f in fields(ParseOptions):
        if f.name in ("parse_mode", "extra"):
            continue
        value = getattr(used, f.name)
        if value == getattr(defaults, f.name):
            continue
        origin = _origin(f.name, block)
        if not origin and value != getattr(block.options, f.name):
            origin = f"  (found by parse_mode {block.parse_mode})"
        lines.append(f"{f.name} {_shown(value)}" + origin)
    lines += [f"{k} {_shown(v)}" + _origin(k, block) for k, v in sorted(used.extra.items())
              if not k.startswith("_")]
    if block.duplicates_policy != "append":
        lines.append(f"duplicates_policy {block.duplicates_policy}"
                     + _origin("duplicates_policy", block))
    if block.columns is not None:
        lines.append("columns " + " ".join(map(str, block.columns)))
    return lines


def _origin(name: str, block: Block) -> str:
    if name in block.origins:
        return f"  ({block.origins[name]})"
    if name == "parse_mode" and name not in block.explicit:
        return "  (default)"
    return ""


def ruler(lines: Sequence[str], positions: Sequence[int]) -> list[str]:
    """The offsets, a ``|`` at each cut, and the first lines under them. Cuts past the
    longest line are named, not drawn (``positions 0 300000000`` must not draw 300 MB)."""
    longest = max([len(ln) for ln in lines] + [0])
    drawn = [p for p in positions if p <= longest]
    beyond = [p for p in positions if p > longest]
    width = max([longest] + [p + 1 for p in drawn])
    numbers = [" "] * (width + 8)
    for p in drawn:
        label = str(p)
        if all(c == " " for c in numbers[p:p + len(label) + 1]):
            numbers[p:p + len(label)] = label
    marks = [" "] * width
    for p in drawn:
        marks[p] = "|"
    note = [f"(past the longest line, {longest} characters: cuts at "
            f"{', '.join(str(p) for p in beyond[:5])}{' ...' if len(beyond) > 5 else ''})"]
    return ["".join(numbers).rstrip(), "".join(marks).rstrip(), *lines,
            *(note if beyond else [])]


def table(rows: Sequence[Row], names: Sequence[str], columns: tuple[int, ...] | None,
          limit: int) -> str:
    from tabulate import tabulate
    shown = rows[:limit]
    width = max([len(r) for r in shown] + [len(names), max(columns or (-1,)) + 1])
    mapped = {raw: i for i, raw in reversed(list(enumerate(columns or ())))}
    headers = []
    for raw in range(width):
        number = f"{raw}" if columns is None else (
            f"{raw}→{mapped[raw]}" if raw in mapped else f"{raw}→-")
        name = names[raw] if raw < len(names) else ""
        headers.append(f"{number}\n{printable(name)}" if names else number)
    body = [[printable(r[i]) if i < len(r) else "" for i in range(width)] for r in shown]
    text = tabulate(body, headers=headers, tablefmt="simple", disable_numparse=True)
    if len(rows) > limit:
        text += f"\n... {len(rows) - limit} more row(s) (--inspect-rows N shows more)"
    return text


def render(block: Block, limit: int) -> str:
    out = [printable(f"Block at {block.directive.file}:{block.directive.line}: "
                     f"{block.directive.keyword} {block.source_ref.target}")]
    parsed = block.parse_all()
    out += ["  " + printable(line) for line in settings(block)]
    if parsed is None:
        out.append("  (no rows: the block has an error)")
        return "\n".join(out) + "\n"
    if block.sensitive:
        count = len(parsed.rows) + sum(len(rows) for rows in parsed.sections.values())
        out += ["", f"  {count} row(s), not shown: the block is sensitive"]
        return "\n".join(out) + "\n"
    options = parsed.options or block.options
    if options.positions:
        first = candidate_lines(block.head, options)[:RULER_LINES]
        out += ["", "  Cuts (positions):"] + ["    " + printable(ln)
                                              for ln in ruler(first, options.positions)]
    groups = [("Top level", parsed.rows)] + [(f"Section {name!r}", rows)
                                            for name, rows in parsed.sections.items()]
    for title, rows in groups:
        if not rows and title == "Top level" and parsed.sections:
            continue
        out += ["", f"  {title}: {len(rows)} row(s)"]
        if rows:
            out += ["    " + ln for ln in
                    table(rows, column_names(block), block.columns, limit).splitlines()]
    if block.columns is not None:
        out += ["", "  Headings: raw column → column after 'columns' (- : not selected)"]
    return "\n".join(out) + "\n"


class InspectPrinter(ProblemLines):
    """Prints each block as it ends (parsed whole), and the run's errors and warnings;
    no assertion is checked."""

    def __init__(self, stream: TextIO, limit: int) -> None:
        super().__init__(stream)
        self.limit = limit

    def block(self, block: Block) -> None:
        self.stream.write("\n" + render(block, self.limit))

    def on_file_started(self, event: FileStarted) -> None:
        self.stream.write(f"Definition file: {printable(event.path)}\n")

    def on_run_finished(self, event: RunFinished) -> None:
        self.stream.write(f"\nInspected; no assertion was run. Errors: "
                          f"{event.summary.errors}\n")
        self.stream.flush()
