"""One run: definition files in, events out to every reporter, an exit status back."""
from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from tstconfig_core import __version__
from tstconfig_core.api import Reporter
from tstconfig_core.definition import STDIN_NAME, decode
from tstconfig_core.engine.context import Context, RunSettings
from tstconfig_core.engine.interpreter import Interpreter
from tstconfig_core.model import (FAILED, AssertionResult, ErrorEvent, Event, RunFinished,
                                  RunStarted, Summary, WarningEvent)
from tstconfig_core.signals import Stopped, signals_deferred, stop_signals

if TYPE_CHECKING:
    from tstconfig_core.engine.block import Block
    from tstconfig_core.loading.registry import PluginRegistry
    from tstconfig_core.waivers import Waivers

DEFINITION_SUFFIX = ".tstconfig"
#: Most bytes a definition file may have (/dev/zero must not fill memory).
MAX_DEFINITION = 64 * 1024 * 1024


class _FirstFailure(BaseException):
    """--exitfirst: a failure or an error was reported; nothing more runs."""


def shown_path(path: str) -> str:
    """A path as reports show it: bytes that are not UTF-8 as ``\\xff``, never an
    unencodable character that would lose the report."""
    try:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return path.encode("utf-8", "backslashreplace").decode("utf-8")


def expand(paths: Iterable[str]) -> Iterator[str | ErrorEvent]:
    """Definition files in order: a directory gives its *.tstconfig, recursively, sorted."""
    for path in paths:
        if path == "-" or not os.path.isdir(path):
            yield path
            continue
        found = sorted(
            os.path.join(root, name)
            for root, _dirs, names in os.walk(path)
            for name in names if name.endswith(DEFINITION_SUFFIX))
        if not found:
            yield ErrorEvent(path, None, f"no *{DEFINITION_SUFFIX} files in directory")
        yield from found


def read_definition(path: str) -> tuple[str, str]:
    """(name, text) of a definition file; '-' is standard input. Raises OSError."""
    if path == "-":
        return STDIN_NAME, decode(_bounded(sys.stdin.buffer))
    with open(path, "rb") as fh:
        return shown_path(path), decode(_bounded(fh))


def _bounded(fh: object) -> bytes:
    data = fh.read(MAX_DEFINITION + 1)  # type: ignore[attr-defined]
    if len(data) > MAX_DEFINITION:
        raise OSError(f"larger than {MAX_DEFINITION // (1024 * 1024)} MiB: not a definition "
                      "file?")
    return data


class Run:
    """Feeds every event to the summary and to each reporter, in order.

    Between the engine and the reporters it applies the waivers (a failure a
    waiver accepts becomes WAIVED) and ``--exitfirst``; ``observers`` see each
    event after the reporters (the progress line, ``--list-ids``), and
    ``block_observers`` each block as it ends (``--inspect``).
    """

    def __init__(self, reporters: Sequence[Reporter], registry: PluginRegistry,
                 settings: RunSettings = RunSettings(), *, debug: bool = False,
                 waivers: Waivers | None = None, exitfirst: bool = False,
                 check_only: bool = False, narrow: bool = True, run_assertions: bool = True,
                 observers: Sequence[Callable[[Event], None]] = (),
                 block_observers: Sequence[Callable[[Block], None]] = ()) -> None:
        self.reporters = reporters
        self.summary = Summary()
        self.waivers = waivers
        self.exitfirst = exitfirst
        self.observers = observers
        self.ctx = Context(registry, self.emit, settings, debug=debug, narrow=narrow,
                           check_only=check_only, run_assertions=run_assertions,
                           observers=block_observers)

    def emit(self, event: Event) -> None:
        if self.waivers is not None and isinstance(event, AssertionResult):
            event = self.waivers.apply(event)
        self.summary.count(event)
        for reporter in self.reporters:
            reporter.handle(event)
        for observer in self.observers:
            observer(event)
        if self.exitfirst and (isinstance(event, ErrorEvent) or (
                isinstance(event, AssertionResult) and event.outcome == FAILED)):
            raise _FirstFailure()

    def execute(self, paths: Sequence[str]) -> int:
        start = time.time()
        self.emit(RunStarted(__version__, os.uname().nodename, start))
        interrupted = 0
        stopped = None
        try:
            with stop_signals():
                self._files(paths)
                if self.waivers is not None:
                    for warning in self.waivers.warnings():
                        self.emit(warning)
        except _FirstFailure:
            stopped = "stopped at the first failure (--exitfirst)"
        except KeyboardInterrupt:
            interrupted = 128 + signal.SIGINT
        except Stopped as exc:
            interrupted = 128 + exc.signum
        if interrupted:
            stopped = "interrupted"
        self.exitfirst = False  # (the end is reported whatever happened)
        with signals_deferred():
            self.emit(RunFinished(self.summary, time.time() - start,
                                  interrupted=bool(interrupted), stopped=stopped))
        return interrupted or self.summary.exit_status

    def _files(self, paths: Sequence[str]) -> None:
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
            Interpreter(self.ctx).run(text, name)
