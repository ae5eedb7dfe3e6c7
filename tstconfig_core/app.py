"""One run: definition files in, events out to every reporter, an exit status back."""
from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from tstconfig_core import __version__
from tstconfig_core.api import Reporter
from tstconfig_core.block import Block
from tstconfig_core.definition import STDIN_NAME, decode
from tstconfig_core.loader import PluginRegistry
from tstconfig_core.model import (FAILED, AssertionResult, ErrorEvent, Event, RunFinished,
                                  RunStarted, Summary)
from tstconfig_core.runner import FileRun
from tstconfig_core.waivers import Waivers

DEFINITION_SUFFIX = ".tstconfig"


class Terminated(BaseException):
    """SIGTERM arrived: stop like Ctrl-C (commands killed, reports written), exit 143."""


class _FirstFailure(BaseException):
    """--exitfirst: a failure or an error was reported; nothing more runs."""


def _terminated(_signum: int, _frame: object) -> None:
    raise Terminated()


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
        return STDIN_NAME, decode(sys.stdin.buffer.read())
    with open(path, "rb") as fh:
        return path, decode(fh.read())


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
        previous = signal.signal(signal.SIGTERM, _terminated)
        try:
            for item in expand(paths):
                if isinstance(item, ErrorEvent):
                    self.emit(item)
                    continue
                try:
                    name, text = read_definition(item)
                except OSError as exc:
                    self.emit(ErrorEvent(item, None, f"cannot read definition file: "
                                                     f"{exc.strerror or exc}"))
                    continue
                FileRun(self.registry, self.emit, self.timeout, self.debug, self.settings,
                        self.on_block, check_only=self.check_only).run(text, name)
            if self.waivers is not None:
                for warning in self.waivers.warnings():
                    self.emit(warning)
        except _FirstFailure:
            stopped = "stopped at the first failure (--exitfirst)"
        except KeyboardInterrupt:
            interrupted = 128 + signal.SIGINT
        except Terminated:
            interrupted = 128 + signal.SIGTERM
        finally:
            signal.signal(signal.SIGTERM, previous)
        if interrupted:
            stopped = "interrupted"
        self.exitfirst = False  # (the end is reported whatever happened)
        self.emit(RunFinished(self.summary, time.time() - start, interrupted=bool(interrupted),
                              stopped=stopped))
        return interrupted or self.summary.exit_status
