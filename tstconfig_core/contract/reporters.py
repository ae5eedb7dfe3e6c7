"""The contract of ``tstconfig.reporters``: the run's events, rendered."""
from __future__ import annotations

from abc import ABC
from typing import ClassVar, NamedTuple, TextIO

from tstconfig_core.model import (AssertionResult, ErrorEvent, Event, FileFinished,
                                  FileStarted, HostFinished, HostStarted, RunFinished,
                                  RunStarted, ValueObserved, WarningEvent)


class ReportSettings(NamedTuple):
    """How the person asked reports to look (API 1.2); a reporter may ignore any of it."""

    color: bool = False
    """The stream is a terminal that wants colour (``--color``, ``NO_COLOR``,
    ``FORCE_COLOR``); never set for a report written to a file."""
    verbosity: int = 0
    """-1 with ``-q`` (failures, errors and the summary only), 0 by default,
    1 with ``-v`` (every assertion, and why each failure failed)."""


class Reporter(ABC):
    """Renders the run's events. Registered in ``tstconfig.reporters``.

    A reporter writes only to the stream it is given, sees every event in
    order, and never calls another reporter. The core calls :meth:`configure`
    once, before the first event, then :meth:`handle` with each event, which
    calls the hook of its kind (API 1.3): override the hooks you need, each a
    no-op by default, or ``handle`` itself to see every event in one place.
    """

    summary: ClassVar[str] = ""
    #: (API 1.9) In a fleet run, send this reporter a ValueObserved for each selector that
    #: no assertion follows, as ``drift`` and ``html`` (its drift view) want.
    wants_values: ClassVar[bool] = False
    settings: ReportSettings = ReportSettings()

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def configure(self, settings: ReportSettings) -> None:
        """Take the person's settings (API 1.2); the default keeps them in ``self.settings``."""
        self.settings = settings

    def handle(self, event: Event) -> None:
        """Take one event (see :mod:`tstconfig_core.model`): calls its hook."""
        getattr(self, _HOOKS[type(event)])(event)

    def on_run_started(self, event: RunStarted) -> None:
        """The run began: the version, the host, the time."""

    def on_file_started(self, event: FileStarted) -> None:
        """A definition file is about to run."""

    def on_result(self, result: AssertionResult) -> None:
        """An assertion's result: passed, failed, waived or not run."""

    def on_error(self, error: ErrorEvent) -> None:
        """Something a person must fix, at FILE:LINE."""

    def on_warning(self, warning: WarningEvent) -> None:
        """Worth seeing, not an error."""

    def on_file_finished(self, event: FileFinished) -> None:
        """A definition file is done."""

    def on_run_finished(self, event: RunFinished) -> None:
        """The last event: the summary (also after Ctrl-C, marked interrupted)."""

    def on_host_started(self, event: HostStarted) -> None:
        """(API 1.6) A fleet host's files are about to run (its events carry ``host``)."""

    def on_host_finished(self, event: HostFinished) -> None:
        """(API 1.6) A fleet host is done: its counts, or why it could not be checked."""

    def on_value_observed(self, event: ValueObserved) -> None:
        """(API 1.6) A selector's value where no assertion follows it (``-r drift``)."""


_HOOKS = {RunStarted: "on_run_started", FileStarted: "on_file_started",
          AssertionResult: "on_result", ErrorEvent: "on_error", WarningEvent: "on_warning",
          FileFinished: "on_file_finished", RunFinished: "on_run_finished",
          HostStarted: "on_host_started", HostFinished: "on_host_finished",
          ValueObserved: "on_value_observed"}
