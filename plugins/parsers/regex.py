"""``parse_mode regex``: each line that matches ``pattern`` is a row of its groups."""
from __future__ import annotations

from collections.abc import Sequence

from tstconfig_core.api import (LineParser, OptionError, ParseOptions, PluginError, Prepared, Row,
                                charge_memory, compile_regex)


def _given(args: Sequence[str]) -> Sequence[str]:
    """A pattern's arguments: at least one (an empty pattern matches every line, which
    was never meant: a check of its rows could pass on any text)."""
    if not "".join(args):
        raise OptionError("needs a regular expression")
    return args


def _pattern(options: ParseOptions):
    pattern = options.extra.get("pattern")
    if pattern is None:
        raise PluginError("parse_mode regex needs 'pattern RE' (a regular expression "
                          "whose groups are the columns)")
    return pattern


class RegexParser(LineParser):
    """A line is a row when ``pattern`` matches in it (``re.search``).

    The row is the match's groups, in order (a group that did not take part is
    empty); without groups it is the whole match. Named groups name the
    columns, so ``columns`` may use them. Lines that do not match are dropped.
    """

    summary = "rows from a regular expression's groups (pattern RE); named groups name columns"
    options = {"pattern": lambda args: compile_regex(_given(args))}
    requires = frozenset({"pattern"})
    takes: frozenset[str] = frozenset()

    def prepare(self, lines: Sequence[str], options: ParseOptions) -> Prepared:
        pattern = _pattern(options)
        names = {number: name for name, number in pattern.groupindex.items()}
        return Prepared(options=options,
                        column_names=tuple(names.get(i, "") for i in range(1, pattern.groups + 1)))

    def parse_line(self, line: str, options: ParseOptions) -> Row | None:
        match = _pattern(options).search(line)
        if match is None:
            return None
        if not match.re.groups:
            return [match.group(0)]
        row = [g or "" for g in match.groups()]
        if len(row) > 1:  # groups inside groups repeat text: the rows' estimate has it once
            repeated = sum(map(len, row)) - len(line)
            if repeated > 0:
                charge_memory(4 * repeated)
        return row

    def _most_tokens(self, line: str, options: ParseOptions) -> int:
        """How many tokens a line makes: one per group, or the match (before a very long
        line's row is made)."""
        return max(1, _pattern(options).groups)
