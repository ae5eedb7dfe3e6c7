"""The ``text`` reporter: the report of Tstconfig 0.3, for people."""
from __future__ import annotations

from tstconfig_core.api import Reporter
from tstconfig_core.model import (AssertionResult, ErrorEvent, Event, FileStarted,
                                  RunFinished, RunStarted, WarningEvent)
from tstconfig_core.render import failure_block


class TextReporter(Reporter):
    """Failed assertions as blocks, errors and warnings where they happen, a summary."""

    summary = "the human report of Tstconfig 0.3 (failure blocks and a summary)"

    def handle(self, event: Event) -> None:
        write = self.stream.write
        if isinstance(event, AssertionResult):
            if not event.passed:
                write(f"ASSERTION FAILED\n{failure_block(event)}\n")
        elif isinstance(event, ErrorEvent):
            write(f"ERROR: {event.location}: {event.message}\n\n")
        elif isinstance(event, WarningEvent):
            write(f"WARN: {event.location}: {event.message}\n")
        elif isinstance(event, FileStarted):
            write(f"Reading definition file: {event.path}\n")
        elif isinstance(event, RunStarted):
            write(f"tstconfig {event.version}\n\n")
        elif isinstance(event, RunFinished):
            write(self._summary(event))
        self.stream.flush()

    @staticmethod
    def _summary(event: RunFinished) -> str:
        s = event.summary
        status = "PASS" if s.ok and not event.interrupted else "FAIL"
        interrupted = "Run interrupted: the results above are incomplete\n" if event.interrupted else ""
        return (f"\n{interrupted}SUMMARY REPORT: {status}\n"
                f"Assertions tested: {s.tested}\n"
                f"Assertions passed: {s.passed}\n"
                f"Assertions failed: {s.failed}\n"
                f"Errors: {s.errors}\n")
