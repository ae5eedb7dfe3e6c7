"""One run: definition files in, events out to every reporter, an exit status back."""
from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from tstconfig_core import __version__
from tstconfig_core.api import Reporter
from tstconfig_core.block import Block
from tstconfig_core.definition import STDIN_NAME, decode
from tstconfig_core.loader import PluginRegistry
from tstconfig_core.model import (FAILED, AssertionResult, ErrorEvent, Event, RunFinished,
                                  RunStarted, Summary, WarningEvent)
from tstconfig_core.runner import FileRun

if TYPE_CHECKING:
    from tstconfig_core.waivers import Waivers

DEFINITION_SUFFIX = ".tstconfig"
#: Most bytes a definition file may have (/dev/zero must not fill memory).
MAX_DEFINITION = 64 * 1024 * 1024
#: Signals that stop a run as Ctrl-C does: commands killed, reports written, 128 + N.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class Stopped(BaseException):
    """SIGTERM or SIGHUP arrived: stop like Ctrl-C, exit 128 + the signal's number."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class _FirstFailure(BaseException):
    """--exitfirst: a failure or an error was reported; nothing more runs."""


def _stop(signum: int, _frame: object) -> None:
    raise Stopped(signum)


@contextlib.contextmanager
def stop_signals() -> Iterator[None]:
    """In this block SIGTERM and SIGHUP raise Stopped (Ctrl-C raises KeyboardInterrupt)."""
    previous = {s: signal.signal(s, _stop) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@contextlib.contextmanager
def signals_deferred() -> Iterator[list[int]]:
    """In this block a first SIGINT, SIGTERM or SIGHUP is noted, not acted on: reports
    being written are finished rather than lost half-way (the run is over by then). A
    second one stops as usual (a report blocked on a pipe nobody reads)."""
    caught: list[int] = []

    def note(signum: int, _frame: object) -> None:
        if caught:
            if signum == signal.SIGINT:
                raise KeyboardInterrupt
            raise Stopped(signum)
        caught.append(signum)

    previous = {s: signal.signal(s, note) for s in (signal.SIGINT, *STOP_SIGNALS)}
    try:
        yield caught
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


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
        return STDIN_NAME, decode(_bounded(sys.stdin.buffer, STDIN_NAME))
    with open(path, "rb") as fh:
        return shown_path(path), decode(_bounded(fh, path))


def _bounded(fh: object, path: str) -> bytes:
    data = fh.read(MAX_DEFINITION + 1)  # type: ignore[attr-defined]
    if len(data) > MAX_DEFINITION:
        raise OSError(f"larger than {MAX_DEFINITION // (1024 * 1024)} MiB: not a definition "
                      "file?")
    return data


class Run:
    """Feeds every event to the summary and to each reporter, in order.

    Between the engine and the reporters it applies the waivers (a failure a
    waiver accepts becomes WAIVED) and ``--exitfirst``; ``observers`` see each
    event after the reporters (the progress line, ``--list-ids``).
    """

    def __init__(self, reporters: Sequence[Reporter], timeout: float, debug: bool = False,
                 registry: PluginRegistry | None = None,
                 settings: Mapping[str, object] | None = None,
                 on_block: Callable[[Block], None] | None = None, *,
                 waivers: Waivers | None = None, exitfirst: bool = False,
                 check_only: bool = False,
                 observers: Sequence[Callable[[Event], None]] = ()) -> None:
        self.reporters = reporters
        self.timeout = timeout
        self.debug = debug
        self.settings = dict(settings or {})
        self.on_block = on_block
        self.registry = registry or PluginRegistry()
        self.summary = Summary()
        self.waivers = waivers
        self.exitfirst = exitfirst
        self.check_only = check_only
        self.observers = observers

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
            FileRun(self.registry, self.emit, self.timeout, self.debug, self.settings,
                    self.on_block, check_only=self.check_only).run(text, name)
