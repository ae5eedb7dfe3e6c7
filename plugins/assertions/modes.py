"""``assert_mode_max MASK``: a file's permissions give nothing beyond MASK.

The common check on files that hold secrets or configuration: "no more than
0644", "no more than 0600". A mode passes when every bit it has is in MASK
(``mode & ~MASK == 0``), the setuid, setgid and sticky bits included, so
``4755`` fails ``0755``: a mask says what is allowed, and a bit it leaves out is
not. The value is one token of 1 to 4 octal digits, as the ``stat`` source
and ``stat -c %a`` write it; an undefined value, or one that is not a mode,
fails with the reason (a missing file has no mode).
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from tstconfig_core.api import Assertion, PluginError, Value

_MASK = re.compile(r"[0-7]{3,4}")
_MODE = re.compile(r"[0-7]{1,4}")

#: Each permission bit's name, for saying which bits are too many.
_BITS = ((0o4000, "setuid"), (0o2000, "setgid"), (0o1000, "sticky"),
         (0o400, "owner read"), (0o200, "owner write"), (0o100, "owner execute"),
         (0o040, "group read"), (0o020, "group write"), (0o010, "group execute"),
         (0o004, "others read"), (0o002, "others write"), (0o001, "others execute"))


def _mode(value: Value) -> int | None:
    """The mode a value holds, or None when it holds none."""
    if value is None or len(value) != 1 or not _MODE.fullmatch(value[0]):
        return None
    return int(value[0], 8)


def _names(bits: int) -> str:
    return ", ".join(name for bit, name in _BITS if bits & bit)


class AssertModeMax(Assertion):
    """The value is an octal mode with no bit beyond MASK: ``assert_mode_max 0644``
    passes 0644, 0640 and 0400, and fails 0664, 0755 and 4644. Undefined, or not an
    octal mode: fails."""

    summary = "the octal mode has no permission bit beyond MASK (assert_mode_max 0644)"

    def validate(self, args: Sequence[str]) -> None:
        if len(args) != 1 or not _MASK.fullmatch(args[0]):
            given = " ".join(args)
            raise PluginError(f"assert_mode_max needs one octal mask of 3 or 4 digits, "
                              f"like 0644 or 600, not {given!r}")

    def check(self, value: Value, args: Sequence[str]) -> bool:
        self.validate(args)
        mode = _mode(value)
        return mode is not None and not mode & ~int(args[0], 8)

    def explain(self, value: Value, args: Sequence[str]) -> str:
        if value is None:
            return "the property is undefined: there is no mode to compare"
        mode = _mode(value)
        if mode is None:
            text = " ".join(value)
            if not text.strip():
                return "the value is empty, not an octal mode (a missing path has no mode)"
            hint = "; select the mode column alone: columns path mode" if len(value) > 1 else ""
            return f"{text!r} is not an octal mode (1 to 4 digits 0-7, like 0644){hint}"
        extra = mode & ~int(args[0], 8)
        return (f"mode {mode:04o} has {extra:04o} beyond {args[0]}: "
                f"{_names(extra)}")
