"""``parse_mode keyvalue``: ``KEY<sep>VALUES``, the values tokenized."""
from __future__ import annotations

from collections.abc import Sequence

from tstconfig_core.api import LineParser, ParseOptions, Prepared, Row, splitter, tokenize
from tstconfig_plugins.parsers.tokenized import most_tokens


class KeyValueParser(LineParser):
    """The key is the trimmed text before the first key_separator; the rest is tokenized.

    A line without the separator is a key with no values when
    key_separator_optional is true, and is dropped otherwise.
    """

    summary = "KEY<key_separator>VALUES; the values split as in tokenized mode"
    takes = frozenset({"key_separator", "key_separator_optional", "separator", "quote_char",
                       "ignore_empty_tokens"})
    requires = frozenset({"key_separator"})  # without it, no line would be a row

    def parse_line(self, line: str, options: ParseOptions) -> Row | None:
        sep = options.key_separator
        if sep and sep in line:
            key, _, rest = line.partition(sep)
        elif options.key_separator_optional:
            key, rest = line, ""
        else:
            return None
        values = tokenize(rest.strip(), options.separator, options.quote_char,
                          keep_empty=not options.ignore_empty_tokens)
        return [key.strip(), *values]

    def prepare(self, lines: Sequence[str], options: ParseOptions) -> Prepared:
        """A line reader with the options looked up once (a block has many lines): the
        values of a line without a quote split at once, as tokenize would."""
        sep, quote = options.key_separator, options.quote_char
        keep_empty = not options.ignore_empty_tokens
        separators, optional = options.separator, options.key_separator_optional
        split = splitter(separators, keep_empty)

        def row_of(line: str) -> Row | None:
            key, found, rest = line.partition(sep) if sep else (line, "", "")
            if not found:
                if not optional:
                    return None
                key, rest = line, ""
            rest = rest.strip()
            if quote and quote in rest:
                return [key.strip(), *tokenize(rest, separators, quote, keep_empty)]
            return [key.strip(), *split(rest)]
        return Prepared(options, row_of=row_of)

    def _most_tokens(self, line: str, options: ParseOptions) -> int:
        """At most how many tokens ``line`` makes: its key and its values' (before a very
        long line's row is made)."""
        return 1 + most_tokens(line, options.separator, options.quote_char,
                               not options.ignore_empty_tokens)
