"""The nine assertions of Tstconfig 0.3.

A value is a sequence of tokens, or None when the property is undefined.
"""
from __future__ import annotations

from collections.abc import Sequence

from tstconfig_core.api import Assertion, Value
from tstconfig_plugins.assertions.values import joined, shown


class AssertEq(Assertion):
    """The value's tokens equal the arguments: same count, same order."""

    summary = "the value's tokens equal the arguments (assert_eq A...)"
    untimed = True  # (the core's own: no timer, see engine/checks.py)

    def check(self, value: Value, args: Sequence[str]) -> bool:
        return value is not None and list(value) == list(args)

    def explain(self, value: Value, args: Sequence[str]) -> str:
        got = "undefined" if value is None else repr(list(value))
        return f"expected {list(args)!r}, got {got}"


class AssertDefined(Assertion):
    """The property was found."""

    summary = "the property was found"
    untimed = True  # (the core's own: no timer, see engine/checks.py)

    def check(self, value: Value, args: Sequence[str]) -> bool:
        return value is not None

    def explain(self, value: Value, args: Sequence[str]) -> str:
        return "the property is undefined"


class AssertUndefined(Assertion):
    """The property was not found."""

    summary = "the property was not found"
    untimed = True  # (the core's own: no timer, see engine/checks.py)

    def check(self, value: Value, args: Sequence[str]) -> bool:
        return value is None

    def explain(self, value: Value, args: Sequence[str]) -> str:
        return f"the property is defined: {shown(value)}"


def is_empty(value: Value) -> bool:
    """No tokens, or only empty ones (``["", ""]``: an ``etc_group`` line without members,
    or ``columns`` past a short row); an undefined value counts as empty."""
    return value is None or not any(value)


class AssertEmpty(Assertion):
    """The value is empty: no tokens or only empty ones; undefined counts as empty."""

    summary = "the value is empty (no tokens, or only empty ones) or undefined"
    untimed = True  # (the core's own: no timer, see engine/checks.py)

    def check(self, value: Value, args: Sequence[str]) -> bool:
        return is_empty(value)

    def explain(self, value: Value, args: Sequence[str]) -> str:
        return f"the value is not empty: {shown(value)}"


class AssertNotEmpty(Assertion):
    """The value has a token that is not empty (undefined fails)."""

    summary = "the value is defined and has a token that is not empty"
    untimed = True  # (the core's own: no timer, see engine/checks.py)

    def check(self, value: Value, args: Sequence[str]) -> bool:
        return not is_empty(value)

    def explain(self, value: Value, args: Sequence[str]) -> str:
        return f"the value is {'undefined' if value is None else 'empty'}"


class AssertContains(Assertion):
    """Every argument is one of the value's tokens (undefined fails)."""

    summary = "every argument is one of the value's tokens"

    def check(self, value: Value, args: Sequence[str]) -> bool:
        return value is not None and set(args) <= set(value)

    def explain(self, value: Value, args: Sequence[str]) -> str:
        if value is None:
            return "the property is undefined"
        missing = [a for a in args if a not in set(value)]
        return f"missing {missing!r} in {list(value)!r}"


class AssertNotContains(Assertion):
    """No argument is one of the value's tokens (undefined passes)."""

    summary = "no argument is one of the value's tokens"

    def check(self, value: Value, args: Sequence[str]) -> bool:
        return value is None or not set(args) & set(value)

    def explain(self, value: Value, args: Sequence[str]) -> str:
        found = [a for a in args if a in set(value or ())]
        return f"found {found!r} in {list(value or ())!r}"


class AssertStartsWith(Assertion):
    """The value joined with spaces starts with the arguments joined likewise."""

    summary = "the space-joined value starts with the space-joined arguments"
    untimed = True  # (the core's own: no timer, see engine/checks.py)

    def check(self, value: Value, args: Sequence[str]) -> bool:
        return value is not None and joined(value).startswith(" ".join(args))

    def explain(self, value: Value, args: Sequence[str]) -> str:
        return f"{shown(value)} does not start with {' '.join(args)!r}"


class AssertEndsWith(Assertion):
    """The value joined with spaces ends with the arguments joined likewise."""

    summary = "the space-joined value ends with the space-joined arguments"
    untimed = True  # (the core's own: no timer, see engine/checks.py)

    def check(self, value: Value, args: Sequence[str]) -> bool:
        return value is not None and joined(value).endswith(" ".join(args))

    def explain(self, value: Value, args: Sequence[str]) -> str:
        return f"{shown(value)} does not end with {' '.join(args)!r}"
