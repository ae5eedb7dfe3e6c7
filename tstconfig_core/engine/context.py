"""What the files of one run share: settings, plugins, where events go."""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from tstconfig_core.limits import DEFAULT_MAX_SIZE
from tstconfig_core.model import Event

if TYPE_CHECKING:
    from tstconfig_core.engine.block import Block
    from tstconfig_core.loading.registry import PluginRegistry

Emit = Callable[[Event], None]


@dataclass(frozen=True)
class RunSettings:
    """The command line's settings for every block of a run."""

    timeout: float = 60.0        # seconds a block's command, parse or assertion may take
    max_size: int = DEFAULT_MAX_SIZE  # bytes a source may give
    no_commands: bool = False    # refuse every source that runs a program
    proc_root: str | None = None  # where the proc source reads /proc from

    def for_sources(self) -> Mapping[str, object]:
        """What ``SourceRequest.settings`` tells sources (``proc_root``)."""
        return MappingProxyType({"proc_root": self.proc_root} if self.proc_root else {})


@dataclass
class Context:
    registry: PluginRegistry
    emit: Emit
    settings: RunSettings = field(default_factory=RunSettings)
    debug: bool = False
    #: Let parsers parse only the rows a block looks up (False: every row of every block,
    #: the oracle the tests and the fuzzer check narrowed parses against).
    narrow: bool = True
    #: --check and --list-ids: directives are validated and ids made, but no source is
    #: read, no command run and no assertion checked (each is reported not run).
    check_only: bool = False
    #: Called with each block when it ends (``--inspect`` prints it).
    observers: Sequence[Callable[[Block], None]] = ()
