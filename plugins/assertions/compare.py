"""Assertions on the value as text: not equal, one of, pattern, token count.

An undefined value fails each of them, except ``assert_not_eq`` (an
undefined value is not equal to anything), as ``assert_not_contains`` in 0.3.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from tstconfig_core.api import Assertion, OptionError, PluginError, Value, compile_regex
from tstconfig_plugins.assertions.values import joined, shown


class AssertNotEq(Assertion):
    """The value's tokens differ from the arguments (an undefined value passes)."""

    summary = "the value's tokens are not the arguments (assert_not_eq A...)"
    untimed = True  # (the core's own: no timer, see engine/checks.py)

    def check(self, value: Value, args: Sequence[str]) -> bool:
        return value is None or list(value) != list(args)

    def explain(self, value: Value, args: Sequence[str]) -> str:
        return f"the value is {list(args)!r}"


class AssertIn(Assertion):
    """The value, joined with spaces, is one of the arguments."""

    summary = "the space-joined value is one of the arguments (assert_in A...)"
    untimed = True  # (the core's own: no timer, see engine/checks.py)

    def validate(self, args: Sequence[str]) -> None:
        if not args:
            raise PluginError("assert_in needs the allowed values as arguments")

    def check(self, value: Value, args: Sequence[str]) -> bool:
        self.validate(args)
        return value is not None and joined(value) in args

    def explain(self, value: Value, args: Sequence[str]) -> str:
        return f"{shown(value)} is not one of {list(args)!r}"


@lru_cache(maxsize=256)
def _compiled(text: str) -> re.Pattern[str]:
    try:
        return compile_regex((text,))  # (every way re.compile fails, said plainly)
    except OptionError as exc:
        raise PluginError(f"assert_matches: {exc}") from None


class AssertMatches(Assertion):
    """The whole value, joined with spaces, matches the regular expression."""

    summary = "the space-joined value matches a regular expression as a whole (assert_matches RE)"

    def validate(self, args: Sequence[str]) -> None:
        if not args:
            raise PluginError("assert_matches needs a regular expression")
        _compiled(" ".join(args))

    def check(self, value: Value, args: Sequence[str]) -> bool:
        self.validate(args)
        pattern = _compiled(" ".join(args))
        return value is not None and pattern.fullmatch(joined(value)) is not None

    def explain(self, value: Value, args: Sequence[str]) -> str:
        return f"{shown(value)} does not match {' '.join(args)!r}"


_COUNT = re.compile(r"[0-9]+")


class AssertCount(Assertion):
    """The value has exactly N tokens."""

    summary = "the value has N tokens (assert_count N)"

    def validate(self, args: Sequence[str]) -> None:
        text = " ".join(args)
        if not _COUNT.fullmatch(text):
            raise PluginError(f"assert_count needs a whole number (ASCII digits), not {text!r}")

    def check(self, value: Value, args: Sequence[str]) -> bool:
        self.validate(args)
        # Compared as digits: a count of 5,000 digits is no error (int() refuses it).
        return value is not None and str(len(value)) == (" ".join(args).lstrip("0") or "0")

    def explain(self, value: Value, args: Sequence[str]) -> str:
        if value is None:
            return "the property is undefined"
        return f"the value has {len(value)} token(s), not {' '.join(args)}"
