"""The ``json`` reporter: one JSON document per run, lists kept as lists.

Its shape is ``tstconfig_core/schemas/report.schema.json`` (the ``format``
field names the version). A fleet run adds ``hosts`` (each host's counts) and
a ``host`` on every result, error and warning (null: the controller's, such as
a definition file it could not read); a run of one host has neither, so its
report is the same as before fleets.
"""
from __future__ import annotations

import json
from typing import Any

from tstconfig_core.api import (AssertionResult, ErrorEvent, Event, FileStarted, Reporter,
                                RunFinished, RunStarted, WarningEvent, iso_utc)
from tstconfig_plugins.reporters.chunks import write_in_chunks
from tstconfig_plugins.reporters.fleet import Fleet, FleetHost

FORMAT = "tstconfig-report/2"


def _hosted(host: str | None, item: dict[str, Any]) -> dict[str, Any]:
    """``item``, with ``host`` first (the widest scope) in fleet runs only."""
    return item if host is None else {"host": host} | item


def _result(r: AssertionResult) -> dict[str, Any]:
    return _hosted(r.host, {
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
    })


def _located(e: ErrorEvent | WarningEvent) -> dict[str, Any]:
    return _hosted(e.host, {"file": e.file, "line": e.line, "message": e.message})


def _host_summary(host: FleetHost) -> dict[str, Any]:
    s = host.summary
    return {"name": host.name, "address": host.address,
            "status": "PASS" if host.ok else "FAIL",
            "tested": s.tested, "passed": s.passed, "failed": s.failed, "waived": s.waived,
            "not_run": s.not_run, "errors": s.errors, "warnings": s.warnings,
            "duration": None if host.duration is None else round(host.duration, 6),
            "error": host.error}


def _with_host(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every item with a ``host`` (null for the controller's own), for a fleet report."""
    return [item if "host" in item else {"host": None} | item for item in items]


class JsonReporter(Reporter):
    """Collects the run and writes one JSON document at its end."""

    summary = "one JSON document: summary, results, errors, warnings"

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self._doc: dict[str, Any] = {"format": FORMAT, "files": [], "results": [],
                                     "errors": [], "warnings": []}
        self.fleet = Fleet()

    def handle(self, event: Event) -> None:
        self.fleet.see(event)
        super().handle(event)

    def on_result(self, result: AssertionResult) -> None:
        self._doc["results"].append(_result(result))

    def on_error(self, error: ErrorEvent) -> None:
        self._doc["errors"].append(_located(error))

    def on_warning(self, warning: WarningEvent) -> None:
        self._doc["warnings"].append(_located(warning))

    def on_file_started(self, event: FileStarted) -> None:
        files = self._doc["files"]
        if event.host is None or event.path not in files:  # (each host runs the same files)
            files.append(event.path)

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
        if self.fleet:
            doc["hosts"] = [_host_summary(host) for host in self.fleet]
            for key in ("results", "errors", "warnings"):
                doc[key] = _with_host(doc[key])
        self._write({k: doc[k] for k in ("format", "run", "summary", "hosts", "files",
                                         "results", "errors", "warnings") if k in doc})
        self.stream.write("\n")
        self.stream.flush()

    def _write(self, doc: dict[str, Any]) -> None:
        encoder = json.JSONEncoder(ensure_ascii=False, indent=2)
        write_in_chunks(self.stream, encoder.iterencode(doc))
