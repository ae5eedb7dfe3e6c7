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

import concurrent.futures
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
from tstconfig_core.run import Run

if TYPE_CHECKING:
    from tstconfig_core.engine.context import RunSettings

Need = tuple[HostRequest, float, int]
_STAMPED = (FileStarted, AssertionResult, ErrorEvent, WarningEvent, FileFinished,
            ValueObserved)


class _Collector(Host):
    """A host that answers nothing and notes every request (step 1)."""

    name = "(collecting)"

    def __init__(self) -> None:
        self.needs: list[Need] = []

    def answer(self, requests: Sequence[HostRequest], timeout: float,
               max_size: int) -> list[object]:  # type: ignore[override]
        self.needs += [(r, timeout, max_size) for r in requests]
        return [HostError("not read yet") for _ in requests]

    def _nothing(self, *args: object, **kwargs: object) -> object:
        raise HostError("not read yet")

    read = run = list = stat = matches = _nothing  # type: ignore[assignment]


class FleetRun(Run):
    """A Run over many hosts; ``make_host(target)`` gives each one's Host."""

    def __init__(self, *args: object, targets: Sequence[Target],
                 make_host: Callable[[Target], Host], jobs: int = 4,
                 observe_values: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.targets = targets
        self.make_host = make_host
        self.jobs = max(1, jobs)
        self.observe_values = observe_values
        self._host_summary: Summary | None = None
        self._collected: dict[tuple[tuple[str, str], ...], list[Need]] = {}

    def emit(self, event: Event) -> None:
        if self._host_summary is not None:
            self._host_summary.count(event)
        super().emit(event)

    def _files(self, paths: Sequence[str]) -> None:
        definitions = list(self._definitions(paths))
        pending: dict[int, tuple[Host, concurrent.futures.Future[None]]] = {}
        pool = concurrent.futures.ThreadPoolExecutor(self.jobs, "tstconfig-fetch")
        try:
            for index, target in enumerate(self.targets):
                for ahead in range(index, min(len(self.targets), index + 2 * self.jobs)):
                    if ahead not in pending:
                        pending[ahead] = self._fetch(pool, self.targets[ahead], definitions)
                host, fetched = pending.pop(index)
                _wait(fetched)
                self._check(target, host, definitions)
        finally:
            for host, fetched in pending.values():
                fetched.cancel()
                host.cancel()
            pool.shutdown(wait=False, cancel_futures=True)

    def _fetch(self, pool: concurrent.futures.ThreadPoolExecutor, target: Target,
               definitions: list[tuple[str, str]]) -> tuple[Host, concurrent.futures.Future[None]]:
        """Step 1 here (plugin code runs in the main thread), step 2's fetch in the pool."""
        try:
            host = self.make_host(target)
        except HostError as exc:
            host = _Unusable(target, str(exc))
        needs = self._needs(target, definitions)
        return host, pool.submit(_prefetch, host, needs)

    def _needs(self, target: Target, definitions: list[tuple[str, str]]) -> list[Need]:
        key = target.variables
        if key not in self._collected:
            collector = _Collector()
            ctx = Context(self.ctx.registry, lambda event: None, self._settings(target),
                          host=collector, narrow=self.ctx.narrow)
            for name, text in definitions:
                Interpreter(ctx).run(text, name)
            self._collected[key] = collector.needs
        return self._collected[key]

    def _settings(self, target: Target) -> RunSettings:
        """The run's settings, with the host's variables under ``--var`` (which wins)."""
        given = dict(self.ctx.settings.variables)
        merged = {**dict(target.variables), **given}
        return self.ctx.settings._replace(variables=tuple(merged.items()))

    def _check(self, target: Target, host: Host, definitions: list[tuple[str, str]]) -> None:
        started = time.time()
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
            ctx.unreachable = f"not run: {name} could not be checked ({failure})"
        try:
            for file_name, text in definitions:
                Interpreter(ctx).run(text, file_name)
        finally:
            self._host_summary = None
        self.emit(HostFinished(name, summary, time.time() - started, failure))


class _Unusable(Host):
    """A target its host kind refused: every answer says why."""

    def __init__(self, target: Target, reason: str) -> None:
        self.name = target.name
        self.failure = reason

    def _refused(self, *args: object, **kwargs: object) -> object:
        raise HostError(self.failure or "")

    read = run = list = stat = matches = _refused  # type: ignore[assignment]


def _prefetch(host: Host, needs: list[Need]) -> None:
    try:
        host.prefetch(needs)
    except HostError as exc:
        host.failure = str(exc)
    except Exception as exc:  # a host kind's bug: that host fails, the others go on
        host.failure = f"internal error of its host kind: {type(exc).__name__}: {exc}"


def _wait(fetched: concurrent.futures.Future[None]) -> None:
    """Wait in short steps, so Ctrl-C and SIGTERM are handled at once."""
    while not fetched.done():
        concurrent.futures.wait([fetched], timeout=0.2)


def _stamp(event: Event, host: str) -> Event:
    if isinstance(event, _STAMPED):
        return event._replace(host=host)  # type: ignore[union-attr]
    return event
