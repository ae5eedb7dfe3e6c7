"""The ``text`` reporter: the report of Tstconfig 0.3, for people."""
from __future__ import annotations

from collections.abc import Sequence

from tstconfig_core.api import Reporter
from tstconfig_core.model import (AssertionResult, ErrorEvent, Event, FileStarted,
                                  RunFinished, RunStarted, WarningEvent)

LABEL_WIDTH = 11


def _line(label: str, text: str) -> str:
    return f" {label + ':':<{LABEL_WIDTH}}{text}".rstrip() + "\n"


def _joined(tokens: Sequence[str]) -> str:
    return " ".join(tokens)


class TextReporter(Reporter):
    """Failed assertions as blocks, errors and warnings where they happen, a summary."""

    summary = "the human report of Tstconfig 0.3 (failure blocks and a summary)"

    def handle(self, event: Event) -> None:
        write = self.stream.write
        if isinstance(event, AssertionResult):
            if not event.passed:
                write(self._failure(event))
        elif isinstance(event, ErrorEvent):
            write(f"ERROR: {event.location}: {event.message}\n\n")
        elif isinstance(event, WarningEvent):
            where = event.file if event.line is None else f"{event.file}:{event.line}"
            write(f"WARN: {where}: {event.message}\n")
        elif isinstance(event, FileStarted):
            write(f"Reading definition file: {event.path}\n")
        elif isinstance(event, RunStarted):
            write(f"tstconfig {event.version}\n\n")
        elif isinstance(event, RunFinished):
            write(self._summary(event))
        self.stream.flush()

    @staticmethod
    def _failure(r: AssertionResult) -> str:
        parts = ["ASSERTION FAILED\n"]
        if r.source is not None:
            parts.append(_line(r.source.label, r.source.target))
        if r.section is not None:
            parts.append(_line("Section", r.section))
        if r.property is not None:
            parts.append(_line("Property", _joined(r.property)))
        parts.append(_line("Value", "<undefined>" if r.value is None else _joined(r.value)))
        parts.append(_line("Assertion", _joined((r.keyword, *r.args))))
        parts.append("\n")
        return "".join(parts)

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
