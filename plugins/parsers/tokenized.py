"""``parse_mode tokenized``: a row is the line's tokens."""
from __future__ import annotations

from collections.abc import Sequence

from tstconfig_core.api import LineParser, ParseOptions, Parsed, Row, tokenize
from tstconfig_core.tokens import splitter


class TokenizedParser(LineParser):
    """Split on separators (default whitespace), honouring the quote character."""

    summary = "a row is the line's tokens (separator, quote_char, ignore_empty_tokens)"

    def parse_line(self, line: str, options: ParseOptions) -> Row:
        return tokenize(line, options.separator, options.quote_char,
                        keep_empty=not options.ignore_empty_tokens)

    def parse(self, lines: Sequence[str], options: ParseOptions) -> Parsed:
        """All lines at once when there are no sections: one splitter for the block."""
        if options.section_header_pattern or options.section_footer_pattern:
            return super().parse(lines, options)
        keep_empty = not options.ignore_empty_tokens
        split = splitter(options.separator, keep_empty)
        quote = options.quote_char
        if not quote:
            return Parsed([split(line) for line in lines], options=options)
        return Parsed([split(line) if quote not in line else
                       tokenize(line, options.separator, quote, keep_empty) for line in lines],
                      options=options)
