"""From a block's text to its rows: the lines a parser sees, then the parser."""
from __future__ import annotations

from collections.abc import Sequence

from tstconfig_core.api import Parsed, Parser, ParseOptions, Wanted


def selected_lines(lines: Sequence[str], options: ParseOptions) -> Sequence[str]:
    """The lines after ``skip_header_lines``, and only ``read_lines`` of them."""
    stop = None if options.read_lines is None else options.skip_header_lines + options.read_lines
    return lines[options.skip_header_lines:stop]


def without_blanks(lines: Sequence[str], options: ParseOptions) -> list[str]:
    """The lines that are neither blank nor comments."""
    comments = options.comment_prefixes()
    if comments:
        return [ln for ln in lines
                if ln and not ln.isspace() and not ln.lstrip().startswith(comments)]
    return [ln for ln in lines if ln and not ln.isspace()]


def candidate_lines(lines: Sequence[str], options: ParseOptions) -> list[str]:
    """The lines that may become rows: after skip/read, without blanks and comments."""
    return without_blanks(selected_lines(lines, options), options)


def parse_rows(lines: Sequence[str], options: ParseOptions, parser: Parser) -> Parsed:
    """Apply skip/read, blank and comment lines; the parser makes the rows."""
    return _checked(parser.parse(candidate_lines(lines, options), options))


def parse_narrowed(lines: Sequence[str], options: ParseOptions, parser: Parser,
                      wanted: Wanted) -> Parsed | None:
    """Only the rows that may hold a wanted key, when the parser can narrow its lines
    to them (:meth:`Parser.narrow`); None when it cannot."""
    narrowed = parser.narrow(selected_lines(lines, options), options, wanted)
    if narrowed is None:
        return None
    return _checked(parser.parse(without_blanks(narrowed, options), options))


def _checked(parsed: object) -> Parsed:
    if not isinstance(parsed, Parsed):
        raise TypeError(f"parse() returned {type(parsed).__name__}, not tstconfig_core.api.Parsed")
    return parsed
