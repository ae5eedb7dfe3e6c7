"""What the files of one run share: settings, plugins, the host, where events go.

(A NamedTuple and a plain class: a dataclass costs its module a few milliseconds
of start-up, which every run pays.)
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple

from tstconfig_core.limits import DEFAULT_MAX_SIZE
from tstconfig_core.model import Event

if TYPE_CHECKING:
    from tstconfig_core.api import Host
    from tstconfig_core.engine.block import Block
    from tstconfig_core.engine.namespace import Namespace
    from tstconfig_core.loading.registry import PluginRegistry

Emit = Callable[[Event], None]


class RunSettings(NamedTuple):
    """The command line's settings for every block of a run."""

    timeout: float = 60.0        # seconds a block's command, parse or assertion may take
    max_size: int = DEFAULT_MAX_SIZE  # bytes a source may give
    no_commands: bool = False    # refuse every source that runs a program
    proc_root: str | None = None  # where /proc is read from (--proc-root)
    root: str | None = None      # a folder tree checked as if it were the host (--root)
    #: ``--var NAME=VALUE``: variables every file starts with (``${NAME}``).
    variables: tuple[tuple[str, str], ...] = ()
    #: The fleet host these settings are for (its variables are among ``variables``).
    host_name: str | None = None

    def for_sources(self) -> Mapping[str, object]:
        """What ``SourceRequest.settings`` tells sources that read by themselves (API 1.0):
        ``max_size``, ``no_commands``, and ``proc_root``, the directory /proc is read from."""
        found: dict[str, object] = {"max_size": self.max_size, "no_commands": self.no_commands}
        proc = self.proc_root or (f"{self.root}/proc" if self.root else None)
        if proc:
            found["proc_root"] = proc
        return MappingProxyType(found)

    def local_host(self) -> Host:
        """The host these settings describe: this machine, or a folder tree."""
        from tstconfig_core.hosts.local import LocalHost
        return LocalHost(self.root, self.proc_root)


class Context:
    """The run's registry, event sink, settings and host, and how it runs blocks."""

    __slots__ = ("registry", "emit", "settings", "host", "debug", "narrow", "check_only",
                 "run_assertions", "observers", "unreachable", "observe_values", "_namespace")

    def __init__(self, registry: PluginRegistry, emit: Emit,
                 settings: RunSettings = RunSettings(), *, host: Host | None = None,
                 debug: bool = False, narrow: bool = True, check_only: bool = False,
                 run_assertions: bool = True,
                 observers: Sequence[Callable[[Block], None]] = ()) -> None:
        self.registry = registry
        self.emit = emit
        self.settings = settings
        #: What sources read through (default: the local host the settings describe).
        self.host: Host = host if host is not None else settings.local_host()
        self.debug = debug
        #: Let parsers parse only the rows a block looks up (False: every row of every
        #: block, the oracle the tests and the fuzzer check narrowed parses against).
        self.narrow = narrow
        #: --check and --list-ids: directives are validated and ids made, but no source
        #: is read, no command run and no assertion checked (each is reported not run).
        self.check_only = check_only
        #: False for --inspect: every block is read and parsed, no assertion checked.
        self.run_assertions = run_assertions
        #: Called with each block when it ends (``--inspect`` prints it).
        self.observers = observers
        #: Why the host cannot be checked (a fleet host that could not be reached): no
        #: source is read, and every assertion is reported not run with this reason.
        self.unreachable: str | None = None
        #: ``-r drift``: a selector that no assertion follows gives a ValueObserved.
        self.observe_values = False
        self._namespace: Namespace | None = None

    @property
    def namespace(self) -> Namespace:
        """Who claims each keyword (made on first use, once per run)."""
        if self._namespace is None:
            from tstconfig_core.engine.namespace import Namespace
            self._namespace = Namespace(self.registry)
        return self._namespace
