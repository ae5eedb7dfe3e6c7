"""Version comparisons: ``assert_version_ge V`` and ``assert_version_lt V``.

Versions are ordered as Debian orders them (Debian Policy 5.6.12), which
also orders plain dotted versions as people expect: ``[EPOCH:]UPSTREAM[-REVISION]``;
runs of digits compare as numbers, other characters by their code with
letters before punctuation, and ``~`` before anything, even the end
(``1.0~rc1`` < ``1.0`` < ``1.0a`` < ``1.0.1``; ``1.10`` > ``1.9``).
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from tstconfig_core.api import Assertion, PluginError, Value

_VERSION = re.compile(r"(?:(\d+):)?([0-9A-Za-z.+~:-]*?)(?:-([0-9A-Za-z.+~]+))?")
_PART = re.compile(r"(\D*)(\d*)")


def _order(char: str) -> int:
    if char == "~":
        return -1
    if char.isalpha():
        return ord(char)
    return ord(char) + 256


def _compare_part(a: str, b: str) -> int:
    """dpkg's comparison of an upstream version or a revision."""
    parts_a = _PART.findall(a)
    parts_b = _PART.findall(b)
    for i in range(max(len(parts_a), len(parts_b))):
        text_a, digits_a = parts_a[i] if i < len(parts_a) else ("", "")
        text_b, digits_b = parts_b[i] if i < len(parts_b) else ("", "")
        for j in range(max(len(text_a), len(text_b))):
            ca = _order(text_a[j]) if j < len(text_a) else 0
            cb = _order(text_b[j]) if j < len(text_b) else 0
            if ca != cb:
                return -1 if ca < cb else 1
        na, nb = int(digits_a or 0), int(digits_b or 0)
        if na != nb:
            return -1 if na < nb else 1
    return 0


def parse_version(text: str) -> tuple[int, str, str] | None:
    """(epoch, upstream, revision), or None when ``text`` is not a version."""
    match = _VERSION.fullmatch(text)
    if not match or not match.group(2) or not match.group(2)[0].isdigit():
        return None
    return int(match.group(1) or 0), match.group(2), match.group(3) or ""


def compare_versions(a: str, b: str) -> int:
    """-1, 0 or 1 as ``a`` sorts before, with or after ``b``; ValueError if either is not one."""
    va, vb = parse_version(a), parse_version(b)
    if va is None or vb is None:
        raise ValueError(a if va is None else b)
    if va[0] != vb[0]:
        return -1 if va[0] < vb[0] else 1
    return _compare_part(va[1], vb[1]) or _compare_part(va[2], vb[2])


class _VersionAssertion(Assertion):
    keyword = ""

    def validate(self, args: Sequence[str]) -> None:
        if len(args) != 1:
            raise PluginError(f"{self.keyword} needs one version, like 1.2.3 or 1:2.3-4")
        if parse_version(args[0]) is None:
            raise PluginError(f"{self.keyword}: {args[0]!r} is not a version")

    def _compare(self, value: Value, args: Sequence[str]) -> int | None:
        self.validate(args)
        if value is None:
            return None
        if len(value) != 1 or parse_version(value[0]) is None:
            raise PluginError(f"{self.keyword}: the value {' '.join(value)!r} is not a version "
                              "(one token starting with a digit)")
        return compare_versions(value[0], args[0])

    def explain(self, value: Value, args: Sequence[str]) -> str:
        if value is None:
            return "the property is undefined"
        relation = "older than" if self.keyword == "assert_version_ge" else "not older than"
        return f"version {value[0]} is {relation} {args[0]}"


class AssertVersionGe(_VersionAssertion):
    """The value is a version at least V."""

    summary = "the value is a version >= V (dotted or Debian-style)"
    keyword = "assert_version_ge"

    def check(self, value: Value, args: Sequence[str]) -> bool:
        result = self._compare(value, args)
        return result is not None and result >= 0


class AssertVersionLt(_VersionAssertion):
    """The value is a version older than V."""

    summary = "the value is a version < V (dotted or Debian-style)"
    keyword = "assert_version_lt"

    def check(self, value: Value, args: Sequence[str]) -> bool:
        result = self._compare(value, args)
        return result is not None and result < 0
