"""``parse_mode table``: a fixed-width table whose first row names the columns.

With ``positions`` the header and the rows are cut there. Without, the
column starts are guessed from the header and the data together (see
:func:`guess_positions`); ``tstconfig --inspect`` shows where they fell.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from tstconfig_core.api import LineParser, ParseOptions, Prepared, Row
from tstconfig_plugins.parsers.fixed import cut

_WORD = re.compile(r"\S+")


def _spans(line: str) -> list[tuple[int, int]]:
    return [m.span() for m in _WORD.finditer(line)]


#: An ASCII byte -> 1 where ``\S`` matches it, 0 where ``\s`` does (``\x1c`` to ``\x1f`` too).
_FILLED = bytes(0 if chr(b).isspace() else 1 for b in range(128)) + bytes(128)


def data_mask(rows: Sequence[str], width: int) -> bytearray:
    """For each of ``width`` positions, 1 where some row has a character that is not
    blank there, else 0. An ASCII row is marked in C: its bytes mapped to 0 or 1 and
    the rows or-ed together as integers; any other row a word at a time."""
    ascii_rows, other = 0, bytearray(width)
    for row in rows:
        if row.isascii():
            ascii_rows |= int.from_bytes(row.encode("ascii").translate(_FILLED), "little")
        else:
            for start, end in _spans(row):
                other[start:end] = b"\x01" * (end - start)
    marked = ascii_rows | int.from_bytes(other, "little")  # (bytes of 0 or 1: no carry)
    return bytearray(marked.to_bytes(width, "little"))


def guess_positions(header: str, rows: Sequence[str]) -> tuple[int, ...]:
    """Column starts of a fixed-width table, from its header and its rows.

    A column is a run of character positions that are non-blank in at least
    one line (header or row), so right-aligned numbers and values wider than
    their heading stay in their column. Two rules then join runs that are not
    columns of their own:

    - a run with no header text over it belongs to the column on its left
      (a value with a space in it, under one heading);
    - a run that only the header fills, whose heading is one blank after the
      heading before it, is the rest of a heading with a space in it (``Local
      Address`` when every address is short). The blank is counted between the
      headings, never from the previous column's data: lsblk's ``FSTYPE
      LABEL`` over an empty LABEL column, six blanks apart because a type is
      ``LVM2_member``, is two headings.

    A heading one blank after another over an empty column (lsblk's ``PARTLABEL
    PARTUUID`` on disks with neither) cannot be told from one heading with a
    space: it is read as one, and ``positions`` settles it.
    """
    width = max(len(header), max((len(r) for r in rows), default=0))
    in_data = data_mask(rows, width + 1)
    in_header = bytearray(width + 1)
    for start, end in _spans(header):
        in_header[start:end] = b"\x01" * (end - start)

    runs: list[list[int]] = []  # [start, end)
    start = None
    for i in range(width + 1):
        filled = in_data[i] or in_header[i]
        if filled and start is None:
            start = i
        elif not filled and start is not None:
            runs.append([start, i])
            start = None

    columns: list[list[int]] = []
    for run in runs:
        a, b = run
        header_text = any(in_header[a:b])
        data_text = any(in_data[a:b])
        heading_goes_on = a >= 2 and not in_header[a - 1] and in_header[a - 2]
        if columns and (not header_text or (not data_text and heading_goes_on)):
            columns[-1][1] = b
        else:
            columns.append(run)
    starts = [c[0] for c in columns] or [0]
    starts[0] = 0  # nothing left of the first column is lost
    return tuple(starts)


class TableParser(LineParser):
    """A fixed-width table with a header row: ``columns`` may name its columns.

    The first row (after skip_header_lines) is the header. ``positions`` cuts
    the columns where given; otherwise they are guessed from the header and
    the rows.
    """

    summary = "fixed-width table with a header row; columns by name (positions optional)"
    takes = frozenset({"positions"})

    def prepare(self, lines: Sequence[str], options: ParseOptions) -> Prepared | None:
        if not lines:
            return None
        header, rows = lines[0], lines[1:]
        patterns = [p for p in (options.section_header_pattern,
                                options.section_footer_pattern) if p is not None]
        if patterns:
            rows = [r for r in rows if not any(p.fullmatch(r) for p in patterns)]
        positions = options.positions or guess_positions(header, rows)
        spans = list(zip(positions, (*positions[1:], None)))
        return Prepared(options=replace(options, positions=positions),
                        column_names=tuple(cut(header, positions)), header_lines=1,
                        row_of=lambda line: [line[a:b].strip() for a, b in spans])

    def parse_line(self, line: str, options: ParseOptions) -> Row:
        return cut(line, options.positions or (0,))

    def _most_tokens(self, line: str, options: ParseOptions) -> int:
        """How many tokens ``line`` makes: one per column (before a very long line's row
        is made)."""
        return len(options.positions) or 1
