"""Version comparisons: ``assert_version_ge V`` and ``assert_version_lt V``.

Versions are ordered as Debian orders them (Debian Policy 5.6.12), which
also orders plain dotted versions as people expect: ``[EPOCH:]UPSTREAM[-REVISION]``;
runs of digits compare as numbers, other characters by their code with
letters before punctuation, and ``~`` before anything, even the end
(``1.0~rc1`` < ``1.0`` < ``1.0a`` < ``1.0.1``; ``1.10`` > ``1.9``).

Digits are ASCII digits, and runs of them compare as numbers of any length
(without ``int()``, which refuses more than 4,300 digits); a version has at
most :data:`MAX_VERSION` characters, so a comparison's cost stays bounded.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from tstconfig_core.api import Assertion, PluginError, Value

#: The most characters a version may have (a longer token is an error: comparing costs
#: a step per run of digits).
MAX_VERSION = 10_000
_VERSION = re.compile(r"(?:([0-9]+):)?([0-9A-Za-z.+~:-]*?)(?:-([0-9A-Za-z.+~]+))?")
_PART = re.compile(r"([^0-9]*)([0-9]*)")
#: A version's characters re-coded so that comparing the texts compares as dpkg does:
#: ``~`` before the end of the text (END), the end before letters, letters before the
#: rest. (dpkg compares code by code, a text that has ended counting as 0.)
_TILDE, _END = "\x01", "\x02"
_DPKG_ORDER = str.maketrans({**{c: chr(ord(c) + 3) for c in map(chr, range(33, 127))
                                if c.isalpha()},
                             **{c: chr(ord(c) + 256 + 3) for c in map(chr, range(33, 127))
                                if not c.isalpha() and c != "~"},
                             "~": _TILDE})


def _compare_text(a: str, b: str) -> int:
    """dpkg's order of two runs of non-digits, in one comparison of re-coded texts."""
    if a == b:
        return 0
    ka, kb = a.translate(_DPKG_ORDER) + _END, b.translate(_DPKG_ORDER) + _END
    return -1 if ka < kb else 1


def _compare_digits(a: str, b: str) -> int:
    """Two runs of ASCII digits as the numbers they are, without ``int()`` (which
    refuses more than 4,300 digits): fewer significant digits is smaller."""
    a, b = a.lstrip("0"), b.lstrip("0")
    if a == b:
        return 0
    return -1 if (len(a), a) < (len(b), b) else 1


def _compare_part(a: str, b: str) -> int:
    """dpkg's comparison of an upstream version or a revision."""
    parts_a = _PART.findall(a)
    parts_b = _PART.findall(b)
    for i in range(max(len(parts_a), len(parts_b))):
        text_a, digits_a = parts_a[i] if i < len(parts_a) else ("", "")
        text_b, digits_b = parts_b[i] if i < len(parts_b) else ("", "")
        found = _compare_text(text_a, text_b) or _compare_digits(digits_a, digits_b)
        if found:
            return found
    return 0


def parse_version(text: str) -> tuple[str, str, str] | None:
    """(epoch, upstream, revision), or None when ``text`` is not a version. The epoch
    stays text (compared as a number of any length)."""
    match = _VERSION.fullmatch(text)
    if not match or not match.group(2) or not "0" <= match.group(2)[0] <= "9":
        return None
    return match.group(1) or "0", match.group(2), match.group(3) or ""


def compare_versions(a: str, b: str) -> int:
    """-1, 0 or 1 as ``a`` sorts before, with or after ``b``; ValueError if either is not one."""
    va, vb = parse_version(a), parse_version(b)
    if va is None or vb is None:
        raise ValueError(a if va is None else b)
    return (_compare_digits(va[0], vb[0]) or _compare_part(va[1], vb[1])
            or _compare_part(va[2], vb[2]))


class _VersionAssertion(Assertion):
    keyword = ""

    def _version(self, text: str, what: str, hint: str = "") -> None:
        """A PluginError unless ``text`` is a version (``what`` is the value or the limit)."""
        if len(text) > MAX_VERSION:
            raise PluginError(f"{self.keyword}: the {what} is too long to be a version: it has "
                              f"{len(text):,} characters; a version has at most "
                              f"{MAX_VERSION:,}")
        if parse_version(text) is None:
            raise PluginError(f"{self.keyword}: the {what} {text!r} is not a version{hint}")

    def validate(self, args: Sequence[str]) -> None:
        if len(args) != 1:
            raise PluginError(f"{self.keyword} needs one version, like 1.2.3 or 1:2.3-4")
        self._version(args[0], "limit", " (like 1.2.3 or 1:2.3-4)")

    def _compare(self, value: Value, args: Sequence[str]) -> int | None:
        self.validate(args)
        if value is None:
            return None
        hint = " (one token starting with a digit)"
        if len(value) != 1:
            raise PluginError(f"{self.keyword}: the value {' '.join(value)!r} is not a version"
                              f"{hint}")
        self._version(value[0], "value", hint)
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
