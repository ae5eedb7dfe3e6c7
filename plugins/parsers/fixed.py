"""``parse_mode fixed``: columns at fixed character offsets."""
from __future__ import annotations

from collections.abc import Sequence

from tstconfig_core.api import (LineParser, ParseOptions, Parsed, PluginError, Row, Wanted,
                                rows_in_chunks)


def cut(line: str, positions: Sequence[int]) -> list[str]:
    """Column i from positions[i] to positions[i+1] (the last to the end), trimmed."""
    return [line[start:end].strip() for start, end in _spans(positions)]


class FixedParser(LineParser):
    """Column i runs from positions[i] to positions[i+1]; the last to the line's end.

    Each column is trimmed; a short line reads as far as it goes and its
    missing columns are empty.
    """

    summary = "columns at fixed character offsets (positions P...)"
    takes = frozenset({"positions"})

    def parse_line(self, line: str, options: ParseOptions) -> Row:
        if not options.positions:
            raise PluginError("parse_mode fixed needs 'positions P...' (the column start offsets)")
        return cut(line, options.positions)

    def parse(self, lines: Sequence[str], options: ParseOptions) -> Parsed:
        """Many lines at once when there are no sections: the cuts computed once."""
        if options.has_sections() or not options.positions:
            return super().parse(lines, options)
        spans = _spans(options.positions)

        def make(chunk: list[str]) -> list[Row]:
            return [[line[a:b].strip() for a, b in spans] for line in chunk]

        return Parsed(rows_in_chunks(lines, make, most=lambda _line: len(spans)),
                      options=options)

    def _most_tokens(self, line: str, options: ParseOptions) -> int:
        """How many tokens ``line`` makes: one per position (before a very long line's
        row is made)."""
        return len(options.positions)

    def narrow(self, lines: Sequence[str], options: ParseOptions,
               wanted: Wanted) -> Sequence[str] | None:
        """The lines whose key columns, cut and trimmed, hold a wanted key."""
        if options.has_sections() or not options.positions:
            return None
        spans = _spans(options.positions)
        if max(wanted.columns) >= len(spans):
            return []  # rows have one column per position: no row has this key
        keys = wanted.keys
        if len(wanted.columns) == 1:
            a, b = spans[wanted.columns[0]]
            return [ln for ln in lines if ln[a:b].strip() in keys]
        cuts = [spans[c] for c in wanted.columns]
        return [ln for ln in lines if tuple(ln[a:b].strip() for a, b in cuts) in keys]


def _spans(positions: Sequence[int]) -> list[tuple[int, int | None]]:
    """(start, end) of each column; the last runs to the line's end."""
    return list(zip(positions, (*positions[1:], None)))
