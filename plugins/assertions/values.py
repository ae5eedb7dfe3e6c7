"""How assertions show a value: joined with spaces, or ``undefined``."""
from __future__ import annotations

from tstconfig_core.api import Value


def joined(value: Value) -> str:
    """The value's tokens joined with single spaces ("" when undefined)."""
    return "" if value is None else " ".join(value)


def shown(value: Value) -> str:
    """The value for a message: quoted, or ``undefined``."""
    return "undefined" if value is None else repr(joined(value))
