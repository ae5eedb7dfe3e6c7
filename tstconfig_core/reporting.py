"""Each reporter of a run behind a guard of its own.

A reporter is a plugin, so what it raises (when it is made, configured, or given
an event) is its own bug: not the host's, and never the definition line whose
event it was taking. That reporter is told on standard error once, naming it and
its distribution, gets no further event, and its report is lost (a replaced file
keeps its last good version); the run and the other reporters go on, their
reports complete, and the exit status is at least 2. Ctrl-C, the signals that
stop a run and ``--exitfirst`` pass through.
"""
from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TextIO

from tstconfig_core.contract.reporters import Reporter, ReportSettings
from tstconfig_core.model import (AssertionResult, ErrorEvent, Event, FileFinished,
                                  FileStarted, HostFinished, HostStarted, RunFinished,
                                  RunStarted, ValueObserved, WarningEvent)
from tstconfig_core.render import cut, printable
from tstconfig_core.signals import PASS_THROUGH

if TYPE_CHECKING:
    from tstconfig_core.loading.registry import PluginRegistry
    from tstconfig_core.targets import ReportTarget

#: Most characters of what a reporter raised that its message quotes.
_MAX_FAILURE = 400

#: What a reporter was doing when it failed, for the message.
_DOING = {RunStarted: "the run's start", FileStarted: "a file's start",
          AssertionResult: "an assertion's result", ErrorEvent: "an error",
          WarningEvent: "a warning", FileFinished: "a file's end",
          RunFinished: "the run's end (when most reports are written)",
          HostStarted: "a host's start", HostFinished: "a host's end",
          ValueObserved: "a value observed for drift"}


def tell(message: str) -> None:
    """A line on standard error; nothing when it is gone (the exit status still tells)."""
    try:
        sys.stderr.write(message + "\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass


class GuardedReporter:
    """One reporter, or the note that it failed.

    ``name`` is what ``-r`` named; ``origin`` its entry point and distribution;
    ``where`` the place its report goes. With ``debug`` the message on standard
    error has the traceback.
    """

    __slots__ = ("name", "origin", "where", "reporter", "failure", "debug", "_tell")

    def __init__(self, name: str, origin: str, reporter: Reporter | None = None, *,
                 where: str = "", debug: bool = False,
                 tell: Callable[[str], None] = tell) -> None:
        self.name, self.origin, self.where = name, origin, where
        self.reporter = reporter
        self.failure: str | None = None  # what it raised, once it failed
        self.debug = debug
        self._tell = tell

    @classmethod
    def made(cls, name: str, origin: str, make: Callable[[TextIO], Reporter],
             stream: TextIO, settings: ReportSettings, **kwargs: object) -> GuardedReporter:
        """The reporter ``make(stream)`` made and configured; a broken one when either
        step raised."""
        guard = cls(name, origin, **kwargs)  # type: ignore[arg-type]
        try:
            reporter = make(stream)
            if not isinstance(reporter, Reporter):
                raise TypeError(f"made a {type(reporter).__name__}, not a Reporter")
        except PASS_THROUGH:
            raise
        except BaseException as exc:  # SystemExit too: a plugin never ends the run
            guard._broke("when it was created", exc)
            return guard
        guard.reporter = reporter
        try:
            reporter.configure(settings)
        except PASS_THROUGH:
            raise
        except BaseException as exc:
            guard._broke("when it was configured", exc)
        return guard

    @property
    def broken(self) -> bool:
        return self.failure is not None

    def handle(self, event: Event) -> None:
        reporter = self.reporter
        if reporter is None:
            return
        try:
            reporter.handle(event)
        except PASS_THROUGH:
            raise
        except BaseException as exc:
            self._broke(f"on {_DOING.get(type(event), type(event).__name__)}", exc)

    def call(self, when: str, action: Callable[[], object]) -> None:
        """``action`` (a method of the reporter's own, such as --inspect's for each
        block) under the same guard; nothing once the reporter is broken."""
        if self.reporter is None:
            return
        try:
            action()
        except PASS_THROUGH:
            raise
        except BaseException as exc:
            self._broke(when, exc)

    def _broke(self, when: str, exc: BaseException) -> None:
        self.reporter = None
        self.failure = cut(f"{type(exc).__name__}: {exc}", _MAX_FAILURE)  # (may quote data)
        where = f" ({self.where})" if self.where else ""
        message = printable(f"tstconfig: the {self.name} reporter failed {when}: "
                            f"{self.failure}; {self.origin}. It gets no further event and "
                            f"its report{where} is lost; the run and the other reports go on.")
        if self.debug:
            message += "\n" + "".join(traceback.format_exception(exc)).rstrip()
        self._tell(message)


def made_reporters(registry: PluginRegistry, specs: Sequence[str], classes: list[type],
               targets: list[ReportTarget], color: str, verbosity: int,
               progress: object | None, debug: bool) -> list[GuardedReporter]:
    """One reporter per target, configured: colour only on a terminal that wants it. One
    that fails to be made or configured is broken from the start (see reporting.py)."""
    from tstconfig_core.loading.groups import REPORTERS
    made = []
    for spec, cls, target in zip(specs or ("text",), classes, targets):
        stream = target.open()
        if progress is not None and stream.isatty():  # (-r text:/dev/stderr too)
            from tstconfig_core.terminal import ClearingStream
            stream = ClearingStream(stream, progress)  # type: ignore[arg-type]
        # A stream (standard output, /dev/stdout, a pipe) may have colour; a file never.
        settings = ReportSettings(color=not target.replaced and wants_color(color, stream),
                                  verbosity=verbosity)
        name = spec.partition(":")[0]
        made.append(GuardedReporter.made(name, registry.describe(REPORTERS, name), cls, stream,
                                         settings, where=target.label, debug=debug))
    return made


def wants_color(choice: str, stream: object) -> bool:
    if choice == "never" or (choice == "auto" and not os.environ.get("FORCE_COLOR")
                             and not getattr(stream, "isatty", lambda: False)()):
        return False  # (the usual case, decided without importing the terminal module)
    from tstconfig_core.terminal import wants_color
    return wants_color(choice, stream)  # type: ignore[arg-type]
