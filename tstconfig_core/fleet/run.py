"""A fleet run: the same definitions on many hosts, one report.

For each host, in two steps:

1. **Collect**: the definitions are run here against a host that only notes what
   every block asks of it (its variables may change paths and commands, so each host
   is collected with its own; hosts with the same variables share one collection).
2. **Fetch, then check**: the host answers all of it at once (one ``ssh`` round
   trip for a remote host), in a worker thread, up to ``jobs`` hosts at a time; then
   the definitions run here on those answers, exactly as on the local host, and the
   events, each stamped with the host's name, go to the reporters.

Hosts are checked in the order given, whatever ``jobs`` is, so reports are the same
with one job or many; the answers of at most ``2 * jobs`` hosts wait in memory.
"""
from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from tstconfig_core.contract.hosts import Host, HostError, HostRequest
from tstconfig_core.engine.context import Context
from tstconfig_core.engine.interpreter import Interpreter
from tstconfig_core.fleet.targets import Target
from tstconfig_core.model import (AssertionResult, ErrorEvent, Event, FileFinished,
                                  FileStarted, HostFinished, HostStarted, Summary,
                                  ValueObserved, WarningEvent)
from tstconfig_core.render import cut
from tstconfig_core.run import Run

if TYPE_CHECKING:
    from tstconfig_core.engine.context import RunSettings

Need = tuple[HostRequest, float, int]
_STAMPED = (FileStarted, AssertionResult, ErrorEvent, WarningEvent, FileFinished,
            ValueObserved)


class _Answerless(Host):
    """A host whose every answer is a HostError saying ``reason``."""

    def __init__(self, name: str, reason: str) -> None:
        self.name, self.reason = name, reason

    def _refused(self, *args: object, **kwargs: object) -> object:
        raise HostError(self.reason)

    read = run = list = stat = matches = _refused  # type: ignore[assignment]


class _Collector(_Answerless):
    """A host that answers nothing and notes every request (step 1)."""

    def __init__(self) -> None:
        super().__init__("(collecting)", "not read yet")
        self.needs: list[list[Need]] = []  # what each block asked, block by block

    def answer(self, requests: Sequence[HostRequest], timeout: float,
               max_size: int) -> list[object]:  # type: ignore[override]
        self.needs.append([(r, timeout, max_size) for r in requests])
        return [HostError(self.reason) for _ in requests]


class FleetRun(Run):
    """A Run over many hosts; ``make_host(target)`` gives each one's Host."""

    def __init__(self, *args: object, targets: Sequence[Target],
                 make_host: Callable[[Target], Host], jobs: int = 4,
                 observe_values: bool = False, prefetch: bool = True,
                 **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.targets = targets
        self.make_host = make_host
        self.jobs = max(1, jobs)
        self.observe_values = observe_values
        #: False: no prefetch, each block asks its host on its own (a round trip each).
        self.prefetch = prefetch
        self._host_summary: Summary | None = None
        #: What the definitions ask of a host whose variables that they use have these
        #: values: collected once for all such hosts (most fleets: once).
        self._collected: dict[tuple[tuple[str, str], ...], list[list[Need]]] = {}
        self._used: set[str] | None = None

    def count(self, event: Event) -> None:
        super().count(event)
        if self._host_summary is not None:
            self._host_summary.count(event)

    def _files(self, paths: Sequence[str]) -> None:
        definitions = list(self._definitions(paths))
        pending: dict[int, _Fetch] = {}
        slots = threading.BoundedSemaphore(self.jobs)  # fetches running at once
        current = None
        try:
            for index, target in enumerate(self.targets):
                for ahead in range(index, min(len(self.targets), index + 2 * self.jobs)):
                    if ahead not in pending:
                        pending[ahead] = self._fetch(slots, self.targets[ahead], definitions)
                current = pending.pop(index)
                current.wait()
                self._check(target, current.host, definitions, current.started)
                current = None
        finally:  # (stopped: every ssh still running is killed, so its thread ends)
            for fetch in [*pending.values(), *([current] if current else [])]:
                fetch.host.cancel()

    def _fetch(self, slots: threading.BoundedSemaphore, target: Target,
               definitions: list[tuple[str, str]]) -> _Fetch:
        """Step 1 here (plugin code runs in the main thread), step 2's fetch in a thread
        of its own once a slot is free."""
        started = time.time()
        try:
            host = self.make_host(target)
        except HostError as exc:
            host = _Unusable(target, str(exc))
        needs = self._needs(target, definitions)
        if self.prefetch:
            needs = [[need for block in needs for need in block]]
        return _Fetch(host, needs, slots, started)

    def _needs(self, target: Target, definitions: list[tuple[str, str]]) -> list[list[Need]]:
        if self._used is None:  # the names ${...} anywhere in the definitions
            from tstconfig_core.engine.values import names_used
            self._used = {name for _, text in definitions for name in names_used(text)}
        settings = self._settings(target)
        key = tuple(pair for pair in settings.variables if pair[0] in self._used)
        if key not in self._collected:
            collector = _Collector()
            ctx = Context(self.ctx.registry, lambda event: None, settings,
                          host=collector, narrow=self.ctx.narrow)
            for name, text in definitions:
                interpreter = Interpreter(ctx)
                interpreter.max_errors = sys.maxsize  # (every block fails here: all count)
                interpreter.run(text, name)
            self._collected[key] = collector.needs
        return self._collected[key]

    def _settings(self, target: Target) -> RunSettings:
        """The run's settings for one host: its variables (``inventory_hostname``, as
        Ansible names it, then the inventory's), under ``--var``, which wins."""
        merged = {"inventory_hostname": target.name, **dict(target.variables),
                  **dict(self.ctx.settings.variables)}
        return self.ctx.settings._replace(variables=tuple(sorted(merged.items())),
                                          host_name=target.name)

    def _check(self, target: Target, host: Host, definitions: list[tuple[str, str]],
               started: float) -> None:
        name = target.name
        self.emit(HostStarted(name, target.where, started))
        self._host_summary = summary = Summary()
        ctx = Context(self.ctx.registry, lambda event: self.emit(_stamp(event, name)),
                      self._settings(target), host=host, debug=self.ctx.debug,
                      narrow=self.ctx.narrow, observers=self.ctx.observers)
        ctx.observe_values = self.observe_values
        failure = host.failure
        if failure is not None:
            self.emit(ErrorEvent(target.where, None, f"cannot check {name}: {failure}",
                                 host=name))
            ctx.unreachable = f"{name} could not be checked ({failure})"
        try:
            for file_name, text in definitions:
                Interpreter(ctx).run(text, file_name)
        finally:
            self._host_summary = None
        self.emit(HostFinished(name, summary, time.time() - started,
                               None if failure is None else cut(failure)))


class _Unusable(_Answerless):
    """A target its host kind refused: every answer says why."""

    def __init__(self, target: Target, reason: str) -> None:
        super().__init__(target.name, reason)
        self.failure = reason


class _Fetch:
    """One host's fetch, in a daemon thread: a host kind whose prefetch never returns
    cannot keep tstconfig from exiting once the run is stopped and reported."""

    def __init__(self, host: Host, groups: list[list[Need]],
                 slots: threading.BoundedSemaphore, started: float) -> None:
        self.host, self.groups, self.slots, self.started = host, groups, slots, started
        self.done = threading.Event()
        threading.Thread(target=self._run, name=f"tstconfig-fetch {host.name}",
                         daemon=True).start()

    def _run(self) -> None:
        with self.slots:
            try:
                if not self.done.is_set():
                    _prefetch(self.host, self.groups)
            finally:
                self.done.set()

    def wait(self) -> None:
        """Wait in short steps, so Ctrl-C and SIGTERM are handled at once."""
        while not self.done.wait(0.2):
            pass


def _prefetch(host: Host, groups: list[list[Need]]) -> None:
    """Fetch each group in one go (all of a host's needs are one group, but with
    ``--per-request``, where each block's are)."""
    try:
        for needs in groups:
            if host.failure is None:
                host.prefetch(needs)
    except HostError as exc:
        host.failure = str(exc)
    except BaseException as exc:  # a host kind's bug (SystemExit too): that host fails
        host.failure = f"internal error of its host kind: {type(exc).__name__}: {exc}"


def _stamp(event: Event, host: str) -> Event:
    if isinstance(event, _STAMPED):
        return event._replace(host=host)  # type: ignore[union-attr]
    return event
