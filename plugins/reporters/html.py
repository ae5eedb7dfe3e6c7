"""The ``html`` reporter: one page that a browser opens from disk, for people.

The page is self-contained: its style and script are inline, it fetches nothing, and a
Content-Security-Policy lets nothing else run. It reads complete without JavaScript;
with it, filters by outcome, host, file and text (see htmlassets.py). It shows:

- the summary: PASS or FAIL, the counts, the run (version, host, time, duration), and
  a banner when the run was interrupted or stopped early;
- a fleet's hosts: each one's status, counts and time, or why it could not be checked;
- the matrix: a row per check (grouped by file and block), a column per host (one
  column, the run's host, outside a fleet), a mark per outcome; a failed mark links to
  its failure; a row for each host's errors;
- the drift view of a fleet: each check whose value differs between hosts, as ``-r
  drift`` shows it;
- each failure and waived failure: 0.3's failure block, why, FILE:LINE, the host;
- the errors and warnings, at FILE:LINE.

Every text from data (values, messages, file and host names) is escaped twice over:
control characters as ``\\x1b`` (as every report does), then for HTML.
"""
from __future__ import annotations

from tstconfig_core.api import (AssertionResult, ErrorEvent, Event, FileStarted, Reporter,
                                RunFinished, RunStarted, WarningEvent)
from tstconfig_plugins.reporters.chunks import write_in_chunks
from tstconfig_plugins.reporters.drifting import Drift
from tstconfig_plugins.reporters.fleet import Fleet

class HtmlReporter(Reporter):
    """Collects the run and writes one HTML page at its end."""

    summary = "one self-contained HTML page: summary, host-by-check matrix, drift, failures"
    wants_values = True  # (the drift view of a fleet)

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self.fleet = Fleet()
        self.drift = Drift()
        self.started: RunStarted | None = None
        self.files: list[str] = []
        self.results: list[AssertionResult] = []
        self.errors: list[ErrorEvent] = []
        self.warnings: list[WarningEvent] = []

    def handle(self, event: Event) -> None:
        self.fleet.see(event)
        self.drift.see(event)
        super().handle(event)

    def on_run_started(self, event: RunStarted) -> None:
        self.started = event

    def on_file_started(self, event: FileStarted) -> None:
        if event.path not in self.files:  # (each host of a fleet runs the same files)
            self.files.append(event.path)

    def on_result(self, result: AssertionResult) -> None:
        self.results.append(result)

    def on_error(self, error: ErrorEvent) -> None:
        self.errors.append(error)

    def on_warning(self, warning: WarningEvent) -> None:
        self.warnings.append(warning)

    def on_run_finished(self, event: RunFinished) -> None:
        from tstconfig_plugins.reporters.htmlpage import page
        write_in_chunks(self.stream, page(self, event))  # (a big fleet's page is megabytes)
        self.stream.flush()
