"""The ``tap`` reporter: TAP version 14, readable by version-13 consumers.

Each assertion and each error is a test point; failures and errors carry a
YAML diagnostic block. The plan comes last, so the report streams.
"""
from __future__ import annotations

import json

from tstconfig_core.api import Reporter
from tstconfig_core.model import (AssertionResult, ErrorEvent, Event, FileStarted,
                                  RunFinished, RunStarted, WarningEvent)


def _description(text: str) -> str:
    """A test point description: one line, ``#`` and ``\\`` escaped."""
    one_line = " ".join(text.split())
    return one_line.replace("\\", "\\\\").replace("#", "\\#")


def _yaml(fields: dict[str, object]) -> str:
    """A YAML diagnostic block; every scalar is JSON, which YAML reads as is."""
    lines = ["  ---"]
    lines += [f"  {key}: {json.dumps(value, ensure_ascii=False)}" for key, value in fields.items()]
    lines.append("  ...")
    return "\n".join(lines) + "\n"


def _comment(text: str) -> str:
    return "".join(f"# {line}\n" for line in text.splitlines() or [""])


class TapReporter(Reporter):
    """A test point per assertion and per error, with diagnostics for each failure."""

    summary = "TAP version 14 (prove and other TAP consumers)"
    version = 14

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self._count = 0

    def handle(self, event: Event) -> None:
        write = self.stream.write
        if isinstance(event, AssertionResult):
            self._count += 1
            status = "ok" if event.passed else "not ok"
            write(f"{status} {self._count} - {_description(event.title)}\n")
            if not event.passed:
                write(_yaml({
                    "message": event.message, "severity": "fail",
                    "file": event.file, "line": event.line,
                    "source": None if event.source is None else
                    f"{event.source.kind} {event.source.target}",
                    "section": event.section, "property": event.property and list(event.property),
                    "value": None if event.value is None else list(event.value),
                    "assertion": event.keyword, "expected": list(event.args)}))
        elif isinstance(event, ErrorEvent):
            self._count += 1
            write(f"not ok {self._count} - {_description(f'error at {event.location}: {event.message}')}\n")
            write(_yaml({"message": event.message, "severity": "error",
                         "file": event.file, "line": event.line}))
        elif isinstance(event, WarningEvent):
            write(_comment(f"WARN: {event.location}: {event.message}"))
        elif isinstance(event, FileStarted):
            write(_comment(f"Reading definition file: {event.path}"))
        elif isinstance(event, RunStarted):
            write(f"TAP version {self.version}\n# tstconfig {event.version}\n")
        elif isinstance(event, RunFinished):
            if event.interrupted:
                write(f"1..{self._count}\nBail out! interrupted; the results are incomplete\n")
            else:
                s = event.summary
                write(f"1..{self._count}\n# tested {s.tested}, passed {s.passed}, "
                      f"failed {s.failed}, errors {s.errors}\n")
        self.stream.flush()


class Tap13Reporter(TapReporter):
    """The same stream, announced as TAP version 13, for harnesses that reject 14.

    Perl's Test::Harness before 3.48 (Debian 12's prove) reports
    "TAP version 14" as a parse error; nothing else in the stream needs 14.
    """

    summary = "the tap report announced as TAP version 13 (Test::Harness < 3.48)"
    version = 13
