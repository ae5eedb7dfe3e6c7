"""``parse_mode tokenized``: a row is the line's tokens."""
from __future__ import annotations

import re
from collections.abc import Sequence
from operator import itemgetter

from tstconfig_core.api import (GROWN_ROWS, SPLIT_ROWS, LineParser, ParseOptions, Parsed,
                                Prepared, Row, Wanted, rows_in_chunks, splitter, tokenize)


class TokenizedParser(LineParser):
    """Split on separators (default whitespace), honouring the quote character."""

    summary = "a row is the line's tokens (separator, quote_char, ignore_empty_tokens)"
    takes = frozenset({"separator", "quote_char", "ignore_empty_tokens"})

    def parse_line(self, line: str, options: ParseOptions) -> Row:
        return tokenize(line, options.separator, options.quote_char,
                        keep_empty=not options.ignore_empty_tokens)

    def prepare(self, lines: Sequence[str], options: ParseOptions) -> Prepared:
        """(Lines in sections, read one at a time) the splitter chosen once, for a line
        without a quote."""
        keep_empty, quote, separator = (not options.ignore_empty_tokens, options.quote_char,
                                        options.separator)
        split = splitter(separator, keep_empty)
        if not quote:
            return Prepared(options, row_of=split)
        return Prepared(options, row_of=lambda line: split(line) if quote not in line else
                        tokenize(line, separator, quote, keep_empty))

    def parse(self, lines: Sequence[str], options: ParseOptions) -> Parsed:
        """Many lines at once when there are no sections: one splitter for the block."""
        if options.has_sections():
            return super().parse(lines, options)
        keep_empty = not options.ignore_empty_tokens
        quote, separator = options.quote_char, options.separator
        split = splitter(separator, keep_empty)

        def make(chunk: list[str]) -> list[Row]:
            if not quote:
                return [split(line) for line in chunk]
            return [split(line) if quote not in line else
                    tokenize(line, separator, quote, keep_empty) for line in chunk]

        sizes = SPLIT_ROWS if keep_empty and len(separator) == 1 else GROWN_ROWS  # (str.split)
        return Parsed(rows_in_chunks(lines, make, sizes=sizes,
                                     most=lambda line: self._most_tokens(line, options)),
                      options=options)

    def _most_tokens(self, line: str, options: ParseOptions) -> int:
        """At most how many tokens ``line`` makes, counted without making them (before
        the row of a very long line is made)."""
        return most_tokens(line, options.separator, options.quote_char,
                           not options.ignore_empty_tokens)

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


def most_tokens(text: str, separators: str, quote: str | None, keep_empty: bool) -> int:
    """At most how many tokens ``text`` splits into: with empty tokens kept, or with a
    quote (which only joins), one more than its separators; else its runs of others."""
    if not separators:
        return 1
    if keep_empty or (quote and quote in text):
        return sum(text.count(c) for c in set(separators)) + 1
    return re.subn(f"[^{re.escape(separators)}]+", "", text)[1]
