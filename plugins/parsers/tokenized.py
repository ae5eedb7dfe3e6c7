"""``parse_mode tokenized``: a row is the line's tokens."""
from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter

from tstconfig_core.api import (LineParser, ParseOptions, Parsed, Row, Wanted, splitter,
                                tokenize)


class TokenizedParser(LineParser):
    """Split on separators (default whitespace), honouring the quote character."""

    summary = "a row is the line's tokens (separator, quote_char, ignore_empty_tokens)"
    takes = frozenset({"separator", "quote_char", "ignore_empty_tokens"})

    def parse_line(self, line: str, options: ParseOptions) -> Row:
        return tokenize(line, options.separator, options.quote_char,
                        keep_empty=not options.ignore_empty_tokens)

    def parse(self, lines: Sequence[str], options: ParseOptions) -> Parsed:
        """All lines at once when there are no sections: one splitter for the block."""
        if options.has_sections():
            return super().parse(lines, options)
        keep_empty = not options.ignore_empty_tokens
        split = splitter(options.separator, keep_empty)
        quote = options.quote_char
        if not quote:
            return Parsed([split(line) for line in lines], options=options)
        return Parsed([split(line) if quote not in line else
                       tokenize(line, options.separator, quote, keep_empty) for line in lines],
                      options=options)

    def narrow(self, lines: Sequence[str], options: ParseOptions,
               wanted: Wanted) -> Sequence[str] | None:
        """The lines whose tokens hold a wanted key, and every line with a quote.

        For a first key column and one separator character (``:`` files) the
        key is what comes before the first separator, found without splitting
        the line.
        """
        if options.has_sections():
            return None
        keys, quote, separator = wanted.keys, options.quote_char, options.separator
        keep_empty = not options.ignore_empty_tokens
        if wanted.columns == (0,) and keep_empty and len(separator) == 1:
            if quote:
                return [ln for ln in lines if ln.partition(separator)[0] in keys or quote in ln]
            return [ln for ln in lines if ln.partition(separator)[0] in keys]
        split, key_of = splitter(separator, keep_empty), itemgetter(*wanted.columns)
        last = max(wanted.columns)

        def may_hold(line: str) -> bool:
            if quote and quote in line:
                return True  # quotes may join or hide separators: parse it to know
            row = split(line)
            return len(row) > last and key_of(row) in keys

        return [ln for ln in lines if may_hold(ln)]
