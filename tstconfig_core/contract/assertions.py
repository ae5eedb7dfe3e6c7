"""The contract of ``tstconfig.assertions``: a check on the current value."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar

from tstconfig_core.contract.base import Value


class Assertion(ABC):
    """A check on the current value. Registered in ``tstconfig.assertions``."""

    summary: ClassVar[str] = ""

    @abstractmethod
    def check(self, value: Value, args: Sequence[str]) -> bool:
        """True when the value passes; raise PluginError for bad arguments."""

    def validate(self, args: Sequence[str]) -> None:
        """Optional (API 1.2): raise PluginError when ``args`` can never be checked.

        ``tstconfig --check`` calls it, with no value to check; the default
        accepts any arguments. ``check`` must still raise for bad arguments.
        """

    def explain(self, value: Value, args: Sequence[str]) -> str:
        """A one-line reason for a failure, for reports that show one."""
        shown = "undefined" if value is None else repr(" ".join(value))
        return f"value {shown} does not satisfy {' '.join(args) or 'the assertion'}"
