"""What every contract shares: the error a person can fix, rows and values."""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

EMPTY: Mapping = MappingProxyType({})  # a shared default nobody can change

#: A parsed row: its columns, in order.
Row = Sequence[str]
#: The current value: its tokens, or ``None`` when the property is undefined.
Value = Sequence[str] | None
#: Turns a directive's arguments into an option value; raises PluginError.
OptionConverter = Callable[[Sequence[str]], object]


class PluginError(Exception):
    """A problem a person can fix; reported as ``FILE:LINE: message``."""
