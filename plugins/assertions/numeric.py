"""Numeric comparisons: ``assert_gt``, ``assert_ge``, ``assert_lt``, ``assert_le``.

The value must be one token that is a decimal number (``42``, ``-1``,
``0.5``, ``1e6``); anything else is an error, not a failure, since the
check could not be made. An undefined value fails.
"""
from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence

from tstconfig_core.api import Assertion, PluginError, Value

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def parse_number(text: str) -> int | float | None:
    """An int or a float from decimal text; None when it is not a number."""
    text = text.strip()
    if not _NUMBER.fullmatch(text):
        return None
    try:
        return int(text)
    except ValueError:
        return float(text)


class _Compare(Assertion):
    symbol: str = ""
    compare: Callable[[object, object], bool] = staticmethod(operator.eq)

    def _limit(self, args: Sequence[str], keyword: str) -> int | float:
        limit = parse_number(" ".join(args))
        if limit is None:
            raise PluginError(f"{keyword} needs one number, not {' '.join(args)!r}")
        return limit

    def validate(self, args: Sequence[str]) -> None:
        self._limit(args, type(self).keyword)

    def check(self, value: Value, args: Sequence[str]) -> bool:
        limit = self._limit(args, type(self).keyword)
        if value is None:
            return False
        number = parse_number(value[0]) if len(value) == 1 else None
        if number is None:
            shown = " ".join(value)
            hint = ("; select a single column (e.g. 'columns 0 1' drops a unit)"
                    if len(value) > 1 else "")
            raise PluginError(f"{type(self).keyword}: the value {shown!r} is not a number{hint}")
        return self.compare(number, limit)

    def explain(self, value: Value, args: Sequence[str]) -> str:
        if value is None:
            return "the property is undefined"
        return f"{' '.join(value)} is not {self.symbol} {' '.join(args)}"


class AssertGt(_Compare):
    """The value is a number greater than N."""

    summary = "the value is a number > N (assert_gt N)"
    keyword, symbol, compare = "assert_gt", ">", staticmethod(operator.gt)


class AssertGe(_Compare):
    """The value is a number greater than or equal to N."""

    summary = "the value is a number >= N (assert_ge N)"
    keyword, symbol, compare = "assert_ge", ">=", staticmethod(operator.ge)


class AssertLt(_Compare):
    """The value is a number less than N."""

    summary = "the value is a number < N (assert_lt N)"
    keyword, symbol, compare = "assert_lt", "<", staticmethod(operator.lt)


class AssertLe(_Compare):
    """The value is a number less than or equal to N."""

    summary = "the value is a number <= N (assert_le N)"
    keyword, symbol, compare = "assert_le", "<=", staticmethod(operator.le)
