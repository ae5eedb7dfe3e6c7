"""One run: definition files in, events out to every reporter, an exit status back."""
from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from tstconfig_core import __version__
from tstconfig_core.api import Reporter
from tstconfig_core.engine.context import Context, RunSettings
from tstconfig_core.engine.interpreter import Interpreter
from tstconfig_core.finding import expand, read_definition, shown_path
from tstconfig_core.model import (FAILED, AssertionResult, ErrorEvent, Event, RunFinished,
                                  RunStarted, Summary, ValueObserved, WarningEvent)
from tstconfig_core.render import MAX_SHOWN, cut, cut_value
from tstconfig_core.reporting import GuardedReporter
from tstconfig_core.signals import RunStop, Signals, Stopped, run_signals

if TYPE_CHECKING:
    from tstconfig_core.engine.block import Block
    from tstconfig_core.loading.registry import PluginRegistry
    from tstconfig_core.waivers import Waivers

class _FirstFailure(RunStop):
    """--exitfirst: a failure or an error was reported; nothing more runs."""


def _guarded(reporter: Reporter, debug: bool) -> GuardedReporter:
    """A reporter the run was given ready-made (--inspect's, --check's), guarded."""
    kind = type(reporter)
    return GuardedReporter(kind.__name__, f"{kind.__module__}.{kind.__qualname__}", reporter,
                           debug=debug)


def _bounded_result(result: AssertionResult) -> AssertionResult:
    """The result with its value and message cut to what a report carries."""
    value = cut_value(result.value)
    if value is result.value and len(result.message) <= MAX_SHOWN:
        return result  # (the usual case, first)
    return result._replace(value=value, message=cut(result.message))


class Run:
    """Feeds every event to the summary and to each reporter, in order.

    Between the engine and the reporters it applies the waivers (a failure a
    waiver accepts becomes WAIVED) and ``--exitfirst``, and bounds what an event
    carries (a value, a message: see render.MAX_SHOWN); ``observers`` see each
    event after the reporters (the progress line), and ``block_observers`` each
    block as it ends (``--inspect``). Each reporter is guarded on its own (see
    :mod:`tstconfig_core.reporting`): one that fails is dropped, and the exit
    status is then at least 2.
    """

    def __init__(self, reporters: Sequence[Reporter | GuardedReporter],
                 registry: PluginRegistry, settings: RunSettings = RunSettings(), *,
                 debug: bool = False, waivers: Waivers | None = None,
                 exitfirst: bool = False, check_only: bool = False, narrow: bool = True,
                 run_assertions: bool = True,
                 observers: Sequence[Callable[[Event], None]] = (),
                 block_observers: Sequence[Callable[[Block], None]] = ()) -> None:
        self.reporters = [r if isinstance(r, GuardedReporter) else _guarded(r, debug)
                          for r in reporters]
        self.summary = Summary()
        self.waivers = waivers
        self.exitfirst = exitfirst
        self.observers = observers
        self.signals = Signals()  # (execute's, once it runs)
        self.ctx = Context(registry, self.emit, settings, debug=debug, narrow=narrow,
                           check_only=check_only, run_assertions=run_assertions,
                           observers=[self._guarded_observer(o) for o in block_observers])

    def _guarded_observer(self, observe: Callable[[Block], None]) -> Callable[[Block], None]:
        """A reporter's own block observer (--inspect's) behind that reporter's guard: what
        it raises is never an error of the block's directives."""
        owner = next((r for r in self.reporters
                      if r.reporter is not None
                      and r.reporter is getattr(observe, "__self__", None)), None)
        if owner is None:
            return observe
        return lambda block: owner.call("on a block", lambda: observe(block))

    def emit(self, event: Event) -> None:
        if isinstance(event, AssertionResult):
            event = _bounded_result(event)
            if self.waivers is not None:
                event = self.waivers.apply(event)
                if event.waiver is not None and len(event.waiver) > MAX_SHOWN:
                    event = event._replace(waiver=cut(event.waiver))
        elif isinstance(event, (ErrorEvent, WarningEvent)) and len(event.message) > MAX_SHOWN:
            event = event._replace(message=cut(event.message))
        elif isinstance(event, ValueObserved):
            event = event._replace(value=cut_value(event.value))
        self.count(event)
        signals = self.signals
        signals.sheltered = True  # a signal now waits until every reporter has the event
        try:
            for reporter in self.reporters:
                reporter.handle(event)
            for observer in self.observers:
                observer(event)
        finally:
            signals.sheltered = False
        if signals.pending is not None:
            signals.raise_pending()
        if self.exitfirst and (isinstance(event, ErrorEvent) or (
                isinstance(event, AssertionResult) and event.outcome == FAILED)):
            raise _FirstFailure()

    def count(self, event: Event) -> None:
        """Count the event (as the reporters get it: a waived failure is waived)."""
        self.summary.count(event)

    @property
    def broken_reporters(self) -> list[GuardedReporter]:
        return [r for r in self.reporters if r.broken]

    def execute(self, paths: Sequence[str]) -> int:
        """Run the definitions; the exit status: 0, 1 or 2 (at least 2 when a reporter
        failed), or 128 + N for a signal, also one that came while the end was
        reported (the reports are then complete, and not marked interrupted)."""
        with run_signals() as signals:
            self.signals = signals
            status = self._execute(paths, signals)
        return signals.exit_status(status)

    def _execute(self, paths: Sequence[str], signals: Signals) -> int:
        start = time.time()
        interrupted = 0
        stopped = None
        try:
            try:
                self.emit(RunStarted(__version__, os.uname().nodename, start))
                self._files(paths)
                if self.waivers is not None:
                    for warning in self.waivers.warnings():
                        self.emit(warning)
            finally:
                signals.finishing = True  # from here a first signal waits for the reports
        except _FirstFailure:
            stopped = "stopped at the first failure (--exitfirst)"
        except KeyboardInterrupt:
            interrupted = 128 + signal.SIGINT
        except Stopped as exc:
            interrupted = 128 + exc.signum
        if interrupted:
            stopped = "interrupted"
        self.exitfirst = False  # (the end is reported whatever happened)
        self.emit(RunFinished(self.summary, time.time() - start,
                              interrupted=bool(interrupted), stopped=stopped))
        status = interrupted or self.summary.exit_status
        return max(status, 2) if self.broken_reporters else status

    def _files(self, paths: Sequence[str]) -> None:
        for name, text in self._definitions(paths):
            Interpreter(self.ctx).run(text, name)

    def _definitions(self, paths: Sequence[str]) -> Iterator[tuple[str, str]]:
        """(name, text) of each definition file, in order; what cannot be read is an
        error event where it would have run, and a file named twice runs once."""
        seen: set[tuple[int, int]] = set()
        for item in expand(paths):
            if isinstance(item, ErrorEvent):
                self.emit(item._replace(file=shown_path(item.file)))
                continue
            try:
                if item != "-":
                    st = os.stat(item)
                    if (st.st_dev, st.st_ino) in seen:
                        self.emit(WarningEvent(shown_path(item), None, "given more than once: "
                                                                       "run once"))
                        continue
                    seen.add((st.st_dev, st.st_ino))
                name, text = read_definition(item)
            except OSError as exc:
                self.emit(ErrorEvent(shown_path(item), None, f"cannot read definition file: "
                                                             f"{exc.strerror or exc}"))
                continue
            yield name, text
