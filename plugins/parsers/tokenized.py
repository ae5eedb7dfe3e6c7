"""``parse_mode tokenized``: a row is the line's tokens."""
from __future__ import annotations

from tstconfig_core.api import LineParser, ParseOptions, Row
from tstconfig_core.tokens import tokenize


class TokenizedParser(LineParser):
    """Split on separators (default whitespace), honouring the quote character."""

    summary = "a row is the line's tokens (separator, quote_char, ignore_empty_tokens)"

    def parse_line(self, line: str, options: ParseOptions) -> Row:
        return tokenize(line, options.separator, options.quote_char,
                        keep_empty=not options.ignore_empty_tokens)
