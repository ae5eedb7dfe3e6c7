"""The contract of ``tstconfig.sources``: what a block reads."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import ClassVar, NamedTuple

from tstconfig_core.contract.base import EMPTY as _EMPTY
from tstconfig_core.limits import DEFAULT_MAX_SIZE


class SourceRequest(NamedTuple):
    """What the core asks of a source: the directive's arguments and limits."""

    args: tuple[str, ...]
    timeout: float
    """Seconds the source may take (commands are killed past it)."""
    settings: Mapping[str, object] = _EMPTY
    max_size: int = DEFAULT_MAX_SIZE
    """Bytes the source may return at most; past it, raise PluginError
    (:func:`read_bounded` does this for files)."""
    """Run-wide settings from the command line that sources may use
    (``proc_root``: the directory the ``proc`` source reads, from ``--proc-root``)."""


class SourceData(NamedTuple):
    """What a source returns: its text as lines, without line ends."""

    lines: Sequence[str]
    exit_status: int | None = None
    """A command's exit code; ``None`` for sources that have none."""
    warnings: tuple[str, ...] = ()
    """Things worth showing that are not errors (a command's standard error)."""
    defaults: Mapping[str, object] = _EMPTY
    """A parse that suits this text: ParseOptions field names (and
    ``duplicates_policy``) to values. Each applies only when the block does
    not set that option itself."""


class Source(ABC):
    """Reads the text a block checks. Registered in ``tstconfig.sources``."""

    summary: ClassVar[str] = ""
    #: The label of the report's source line (``File``, ``Command``).
    label: ClassVar[str] = "Source"
    #: True for a source that runs programs: ``--no-commands`` refuses it.
    runs_programs: ClassVar[bool] = False

    @abstractmethod
    def read(self, request: SourceRequest) -> SourceData:
        """Return the lines; raise PluginError when there is nothing to read."""

    def validate(self, args: Sequence[str]) -> None:
        """Optional (API 1.2): raise PluginError when ``args`` can never be read.

        ``tstconfig --check`` calls it instead of ``read``: it must not read or
        run anything. The default accepts any arguments.
        """
