"""``parse_mode fixed``: columns at fixed character offsets."""
from __future__ import annotations

from collections.abc import Sequence

from tstconfig_core.api import LineParser, ParseOptions, Parsed, PluginError, Row


def cut(line: str, positions: Sequence[int]) -> list[str]:
    """Column i from positions[i] to positions[i+1] (the last to the end), trimmed."""
    ends = (*positions[1:], None)
    return [line[start:end].strip() for start, end in zip(positions, ends)]


class FixedParser(LineParser):
    """Column i runs from positions[i] to positions[i+1]; the last to the line's end.

    Each column is trimmed; a short line reads as far as it goes and its
    missing columns are empty.
    """

    summary = "columns at fixed character offsets (positions P...)"

    def parse_line(self, line: str, options: ParseOptions) -> Row:
        if not options.positions:
            raise PluginError("parse_mode fixed needs 'positions P...' (the column start offsets)")
        return cut(line, options.positions)

    def parse(self, lines: Sequence[str], options: ParseOptions) -> Parsed:
        """All lines at once when there are no sections: the cuts computed once."""
        if options.section_header_pattern or options.section_footer_pattern or not options.positions:
            return super().parse(lines, options)
        spans = list(zip(options.positions, (*options.positions[1:], None)))
        return Parsed([[line[a:b].strip() for a, b in spans] for line in lines], options=options)
