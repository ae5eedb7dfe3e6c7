"""``parse_mode keyvalue``: ``KEY<sep>VALUES``, the values tokenized."""
from __future__ import annotations

from tstconfig_core.api import LineParser, ParseOptions, Row, tokenize
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

    def _most_tokens(self, line: str, options: ParseOptions) -> int:
        """At most how many tokens ``line`` makes: its key and its values' (before a very
        long line's row is made)."""
        return 1 + most_tokens(line, options.separator, options.quote_char,
                               not options.ignore_empty_tokens)
