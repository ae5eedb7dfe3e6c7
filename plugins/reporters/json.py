"""The ``json`` reporter: one JSON document per run, lists kept as lists.

Its shape is ``tstconfig_core/schemas/report.schema.json`` (the ``format``
field names the version).
"""
from __future__ import annotations

import json
from typing import Any

from tstconfig_core.api import (AssertionResult, ErrorEvent, FileStarted, Reporter,
                                RunFinished, RunStarted, WarningEvent, iso_utc)

FORMAT = "tstconfig-report/2"


def _result(r: AssertionResult) -> dict[str, Any]:
    return {
        "id": r.id,
        "file": r.file,
        "line": r.line,
        "source": None if r.source is None else {"kind": r.source.kind,
                                                 "target": r.source.target},
        "section": r.section,
        "selector": r.selector,
        "property": None if r.property is None else list(r.property),
        "value": None if r.value is None else list(r.value),
        "assertion": r.keyword,
        "arguments": list(r.args),
        "outcome": r.outcome,
        "message": r.message,
        "waiver": r.waiver,
        "name": r.name,
        "block": r.block,
        "duration": round(r.duration, 6),
        "sensitive": r.sensitive,
    }


def _located(e: ErrorEvent | WarningEvent) -> dict[str, Any]:
    return {"file": e.file, "line": e.line, "message": e.message}


#: Characters gathered before each write: json.dump writes each of its many small
#: pieces (with 20,000 results, a third of the run's time); one string of the whole
#: document would cost its size again in memory.
_CHUNK = 1 << 16


class JsonReporter(Reporter):
    """Collects the run and writes one JSON document at its end."""

    summary = "one JSON document: summary, results, errors, warnings"

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self._doc: dict[str, Any] = {"format": FORMAT, "files": [], "results": [],
                                     "errors": [], "warnings": []}

    def on_result(self, result: AssertionResult) -> None:
        self._doc["results"].append(_result(result))

    def on_error(self, error: ErrorEvent) -> None:
        self._doc["errors"].append(_located(error))

    def on_warning(self, warning: WarningEvent) -> None:
        self._doc["warnings"].append(_located(warning))

    def on_file_started(self, event: FileStarted) -> None:
        self._doc["files"].append(event.path)

    def on_run_started(self, event: RunStarted) -> None:
        self._doc["run"] = {"version": event.version, "host": event.host,
                            "start_time": iso_utc(event.start_time)}

    def on_run_finished(self, event: RunFinished) -> None:
        doc, s = self._doc, event.summary
        doc["run"].update(duration=round(event.duration, 6), interrupted=event.interrupted,
                          stopped=event.stopped)
        doc["summary"] = {
            "status": "PASS" if s.ok and not event.interrupted else "FAIL",
            "tested": s.tested, "passed": s.passed, "failed": s.failed,
            "waived": s.waived, "not_run": s.not_run,
            "errors": s.errors, "warnings": s.warnings}
        self._write({k: doc[k] for k in ("format", "run", "summary", "files", "results",
                                         "errors", "warnings")})
        self.stream.write("\n")
        self.stream.flush()

    def _write(self, doc: dict[str, Any]) -> None:
        pieces: list[str] = []
        size = 0
        for piece in json.JSONEncoder(ensure_ascii=False, indent=2).iterencode(doc):
            pieces.append(piece)
            size += len(piece)
            if size >= _CHUNK:
                self.stream.write("".join(pieces))
                pieces.clear()
                size = 0
        self.stream.write("".join(pieces))
