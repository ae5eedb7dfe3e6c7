"""Numeric comparisons: ``assert_gt``, ``assert_ge``, ``assert_lt``, ``assert_le``.

The value must be one token that is a decimal number (``42``, ``-1``,
``0.5``, ``1e6``); anything else is an error, not a failure, since the
check could not be made. An undefined value fails.

Numbers are compared exactly, as the decimals they are written as: never as
floats (``12345678901234567890.5 > 12345678901234567890``; ``1e309 < 1e400``,
where both would be ``inf``) and never through ``int()`` (which refuses more
than 4,300 digits). Only ASCII digits make a number (``٣`` and ``３`` do not),
and a number has at most :data:`MAX_NUMBER` characters, so the cost of a
comparison stays bounded whatever the data holds.
"""
from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence
from functools import total_ordering

from tstconfig_core.api import Assertion, PluginError, Value

#: The most characters a number may have (a longer token is an error, not a number).
MAX_NUMBER = 10_000
_NUMBER = re.compile(r"([+-]?)(?:([0-9]+)(?:\.([0-9]*))?|\.([0-9]+))(?:[eE]([+-]?[0-9]+))?")
_CHUNK = 500  # digits int() converts at once (below any int_max_str_digits setting)


class NumberTooLong(ValueError):
    """A token longer than MAX_NUMBER characters: not compared as a number."""

    def __init__(self, length: int) -> None:
        super().__init__(f"it has {length:,} characters; a number has at most "
                         f"{MAX_NUMBER:,}")


def _whole(digits: str) -> int:
    """The int of a run of ASCII digits of any length (``int()`` refuses past 4,300)."""
    value = 0
    for i in range(0, len(digits), _CHUNK):
        chunk = digits[i:i + _CHUNK]
        value = value * 10 ** len(chunk) + int(chunk)
    return value


@total_ordering
class Number:
    """A decimal number as written, kept exactly: ``sign × 0.DIGITS × 10**point``.

    DIGITS has no leading and no trailing zeros, so two numbers of one sign
    compare by ``point`` first, then by DIGITS as text: no power of ten is ever
    made, and ``1e999999999`` costs what ``1e9`` does.
    """

    __slots__ = ("sign", "digits", "point")

    def __init__(self, sign: int, digits: str, point: int) -> None:
        self.sign, self.digits, self.point = sign, digits, point

    @classmethod
    def parse(cls, text: str) -> Number | None:
        """The number ``text`` is, or None; NumberTooLong past MAX_NUMBER characters."""
        text = text.strip()
        if len(text) > MAX_NUMBER:
            raise NumberTooLong(len(text))
        match = _NUMBER.fullmatch(text)
        if not match:
            return None
        sign, whole, fraction, only_fraction, exponent = match.groups()
        fraction = fraction or only_fraction or ""
        mantissa = ((whole or "") + fraction).lstrip("0")
        digits = mantissa.rstrip("0")
        if not digits:
            return cls(0, "", 0)
        shift = 0
        if exponent:
            negative = exponent[0] == "-"
            shift = _whole(exponent.lstrip("+-").lstrip("0") or "0")
            shift = -shift if negative else shift
        # value = int(mantissa) × 10**(shift - len(fraction)), and int(mantissa) is
        # 0.digits × 10**len(mantissa)
        point = len(mantissa) + shift - len(fraction)
        return cls(-1 if sign == "-" else 1, digits, point)

    def _compare(self, other: Number) -> int:
        if self.sign != other.sign:
            return -1 if self.sign < other.sign else 1
        if self.point != other.point:
            magnitude = -1 if self.point < other.point else 1
        elif self.digits != other.digits:  # ("12" < "123": 0.12 < 0.123, and so on)
            magnitude = -1 if self.digits < other.digits else 1
        else:
            return 0
        return magnitude * self.sign

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Number):
            return NotImplemented
        return self._compare(other) == 0

    def __lt__(self, other: Number) -> bool:
        if not isinstance(other, Number):
            return NotImplemented
        return self._compare(other) < 0

    def __hash__(self) -> int:
        return hash((self.sign, self.digits, self.point))

    def __repr__(self) -> str:
        sign = "-" if self.sign < 0 else ""
        return f"Number('{sign}0.{self.digits or 0}e{self.point}')"


class _Compare(Assertion):
    symbol: str = ""
    compare: Callable[[object, object], bool] = staticmethod(operator.eq)

    def _limit(self, args: Sequence[str], keyword: str) -> Number:
        text = " ".join(args)
        try:
            limit = Number.parse(text)
        except NumberTooLong as exc:
            raise PluginError(f"{keyword}: the limit is too long to be a number: "
                              f"{exc}") from None
        if limit is None:
            raise PluginError(f"{keyword} needs one number (ASCII digits, like 42, -1, 0.5 "
                              f"or 1e6), not {text!r}")
        return limit

    def validate(self, args: Sequence[str]) -> None:
        self._limit(args, type(self).keyword)

    def check(self, value: Value, args: Sequence[str]) -> bool:
        keyword = type(self).keyword
        limit = self._limit(args, keyword)
        if value is None:
            return False
        try:
            number = Number.parse(value[0]) if len(value) == 1 else None
        except NumberTooLong as exc:
            raise PluginError(f"{keyword}: the value is too long to be a number: "
                              f"{exc}") from None
        if number is None:
            shown = " ".join(value)
            hint = ("; select a single column (e.g. 'columns 0 1' drops a unit)"
                    if len(value) > 1 else "")
            raise PluginError(f"{keyword}: the value {shown!r} is not a number{hint}")
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
