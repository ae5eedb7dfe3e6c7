"""``assert_sha256 HEX``: a value checked without being written down.

A baseline of a ``sensitive`` block (``tstconfig --snapshot --include-sensitive``)
pins each value by its digest: reports show an assertion's arguments, and a digest
shows nothing of a value that cannot be guessed.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from tstconfig_core.api import Assertion, PluginError, Value

_HEX = re.compile(r"[0-9a-f]{64}")


def sha256_of(value: Sequence[str]) -> str:
    """The digest of a value's tokens: each one's UTF-8 bytes and a NUL, so that
    ``["a b"]`` and ``["a", "b"]`` differ."""
    digest = hashlib.sha256()
    for token in value:
        digest.update(token.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()


class AssertSha256(Assertion):
    """The value's tokens have this SHA-256 digest (each token's UTF-8, then a NUL)."""

    summary = "the value's digest is HEX, so the value itself is never written (assert_sha256 HEX)"

    def validate(self, args: Sequence[str]) -> None:
        if len(args) != 1 or not _HEX.fullmatch(args[0]):
            raise PluginError("assert_sha256 takes one SHA-256 digest: 64 lowercase hex digits")

    def check(self, value: Value, args: Sequence[str]) -> bool:
        self.validate(args)
        return value is not None and sha256_of(value) == args[0]

    def explain(self, value: Value, args: Sequence[str]) -> str:
        return ("the property is undefined" if value is None else
                "the value's digest is not the one given (the value changed)")
