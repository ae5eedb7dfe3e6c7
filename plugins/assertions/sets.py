"""Assertions on the value's tokens as a set: only these, exactly these, no repeats."""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from tstconfig_core.api import Assertion, PluginError, Value


def _needs_arguments(keyword: str, args: Sequence[str]) -> None:
    if not args:
        raise PluginError(f"{keyword} needs one or more values")


class AssertOnly(Assertion):
    """Every token of the value is one of the arguments (an allow-list). An undefined
    value fails: "only these" is not shown by nothing having been found."""

    summary = "every token of the value is one of the arguments (assert_only A...)"

    def validate(self, args: Sequence[str]) -> None:
        _needs_arguments("assert_only", args)

    def check(self, value: Value, args: Sequence[str]) -> bool:
        self.validate(args)
        return value is not None and set(value) <= set(args)

    def explain(self, value: Value, args: Sequence[str]) -> str:
        if value is None:
            return "the property is undefined"
        allowed = set(args)
        others = list(dict.fromkeys(t for t in value if t not in allowed))
        return f"{others!r} not among the allowed {list(args)!r}"


class AssertSetEq(Assertion):
    """The value's distinct tokens are exactly the arguments', in any order."""

    summary = "the value's distinct tokens are the arguments', in any order"

    def check(self, value: Value, args: Sequence[str]) -> bool:
        return value is not None and set(value) == set(args)

    def explain(self, value: Value, args: Sequence[str]) -> str:
        if value is None:
            return "the property is undefined"
        have, want = set(value), set(args)
        parts = []
        missing = [a for a in dict.fromkeys(args) if a not in have]
        extra = [t for t in dict.fromkeys(value) if t not in want]
        if missing:
            parts.append(f"missing {missing!r}")
        if extra:
            parts.append(f"unexpected {extra!r}")
        return "; ".join(parts)


class AssertUnique(Assertion):
    """No token of the value is there twice (uids, ports, ids)."""

    summary = "no token of the value occurs twice"

    def validate(self, args: Sequence[str]) -> None:
        if args:
            raise PluginError("assert_unique takes no arguments")

    def check(self, value: Value, args: Sequence[str]) -> bool:
        self.validate(args)
        return value is not None and len(set(value)) == len(value)

    def explain(self, value: Value, args: Sequence[str]) -> str:
        if value is None:
            return "the property is undefined"
        twice = [t for t, n in Counter(value).items() if n > 1]
        return f"repeated: {twice!r}"
