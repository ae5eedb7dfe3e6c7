"""The corpus: real command outputs and files, and the rows tstconfig must read from them.

Each case in tests/fixtures/corpus/ is three files:

- ``NAME.txt``: the input, exactly as the tool printed it (README.md there says where
  each one came from);
- ``NAME.tstconfig``: the parse a user would write for it, reading
  ``file ${corpus}/NAME.txt`` (``${corpus}`` is that folder, given as ``--var`` is);
- ``NAME.json``: the rows a careful reader sees, ``{"columns": [...], "rows": [[...]]}``,
  each row the list of its raw columns (before any ``columns`` mapping), and the
  column names the parse gives them (``[]`` when it gives none).

The definition runs through the engine as ``tstconfig --inspect`` runs it (a Run that
checks no assertion), and a block observer takes each block's rows and column names as
--inspect shows them. Adding a case is adding the three files. The expected rows are
written by hand: never regenerate them from what tstconfig reads.
"""
from __future__ import annotations

import difflib
import json
from typing import NamedTuple

import pytest

from conftest import FIXTURES, third_party_plugins
from tstconfig_core.engine.block import Block
from tstconfig_core.engine.columns import column_names
from tstconfig_core.engine.context import RunSettings
from tstconfig_core.loading.registry import PluginRegistry
from tstconfig_core.model import ErrorEvent, Event, WarningEvent
from tstconfig_core.run import Run

CORPUS = FIXTURES / "corpus"
CASES = sorted(p.stem for p in CORPUS.glob("*.tstconfig"))
#: The engine's warning for a file without assertions: a corpus case has none on purpose.
NO_ASSERTION = "no assertion in this file"


class Read(NamedTuple):
    """What one block of a case gave: its column names and rows, as plain lists."""

    columns: list[str]
    rows: list[list[str]]
    sections: dict[str, list[list[str]]]


def read_case(case: str) -> tuple[list[Read | None], list[str]]:
    """Run NAME.tstconfig: each block's rows (None for a block without data), and the
    run's errors and warnings as ``LINE: message``."""
    blocks: list[Read | None] = []
    problems: list[str] = []

    def on_block(block: Block) -> None:
        parsed = block.parse_all()  # every row, as --inspect takes them
        if parsed is None:
            blocks.append(None)
            return
        blocks.append(Read(list(column_names(block)), [list(row) for row in parsed.rows],
                           {name: [list(row) for row in rows]
                            for name, rows in parsed.sections.items()}))

    def on_event(event: Event) -> None:
        if isinstance(event, ErrorEvent) or (
                isinstance(event, WarningEvent) and NO_ASSERTION not in event.message):
            kind = "error" if isinstance(event, ErrorEvent) else "warning"
            problems.append(f"{kind} at line {event.line}: {event.message}")

    registry = PluginRegistry([d for d in third_party_plugins().split(",") if d])
    settings = RunSettings(timeout=30.0, no_commands=True,
                           variables=(("corpus", str(CORPUS)),))
    Run([], registry, settings, run_assertions=False, observers=[on_event],
        block_observers=[on_block]).execute([str(CORPUS / f"{case}.tstconfig")])
    return blocks, problems


def expected(case: str) -> Read:
    found = json.loads((CORPUS / f"{case}.json").read_text(encoding="utf-8"))
    unknown = set(found) - {"columns", "rows", "sections"}
    assert not unknown, f"{case}.json: unknown keys {sorted(unknown)}"
    return Read(found.get("columns", []), found["rows"], found.get("sections", {}))


def shown(read: Read) -> list[str]:
    """One line per column name, row and section row, numbered, for a readable diff."""
    lines = [f"columns: {json.dumps(read.columns, ensure_ascii=False)}"]
    lines += [f"row {i}: {json.dumps(row, ensure_ascii=False)}"
              for i, row in enumerate(read.rows, 1)]
    for name, rows in read.sections.items():
        lines += [f"section {name!r} row {i}: {json.dumps(row, ensure_ascii=False)}"
                  for i, row in enumerate(rows, 1)]
    return lines


@pytest.mark.parametrize("case", CASES)
def test_rows(case: str) -> None:
    blocks, problems = read_case(case)
    assert not problems, f"{case}.tstconfig:\n" + "\n".join(problems)
    assert len(blocks) == 1, f"{case}.tstconfig has {len(blocks)} blocks; a case has one"
    got, want = blocks[0], expected(case)
    assert got is not None, f"{case}: the block has no rows"
    if got != want:
        diff = difflib.unified_diff(shown(want), shown(got), f"{case}.json (expected)",
                                    f"{case}.txt as tstconfig reads it", lineterm="")
        pytest.fail("\n".join(diff), pytrace=False)


def names(suffix: str) -> set[str]:
    return {p.name[:-len(suffix)] for p in CORPUS.glob(f"*{suffix}")}


def test_every_input_has_its_definition_and_rows() -> None:
    inputs, definitions, rows = names(".txt"), names(".tstconfig"), names(".json")
    assert inputs, "no corpus"
    assert inputs - definitions == set(), "inputs without NAME.tstconfig"
    assert inputs - rows == set(), "inputs without NAME.json"
    assert (definitions | rows) - inputs == set(), "definitions or rows without NAME.txt"
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    assert [n for n in sorted(inputs) if f"`{n}.txt`" not in readme] == [], \
        "inputs README.md does not say the source of"
    wrong = [n for n in sorted(definitions)
             if [ln for ln in (CORPUS / f"{n}.tstconfig").read_text(encoding="utf-8")
                 .splitlines() if ln.startswith("file ")] != [f"file ${{corpus}}/{n}.txt"]]
    assert wrong == [], "definitions that do not read just their own NAME.txt"
