"""The ``gitlab-codequality`` reporter: GitLab's Code Quality report, for merge requests.

One JSON array, written when the run ends, of an issue per failed assertion, waived
failure, error and warning, each with the keys GitLab documents (a subset of Code
Climate's format): ``description``, ``check_name``, ``fingerprint``, ``severity`` and
``location`` (``path``, ``lines.begin``). Passed checks have none. An assertion not run
has none either: its cause is an error, which is an issue of its own.

Severities, on GitLab's scale (info, minor, major, critical, blocker) and in the order
of tstconfig's exit status: an error is ``critical`` (exit 2: the check could not be
made, and the checks it stopped may hide failures), a failure ``major`` (exit 1: the
host is not as the definition says), a warning ``minor`` and a waived failure ``info``
(accepted for now, listed so that it is not forgotten). ``blocker`` is not used: tstconfig
has nothing worse than an error.

GitLab tells new issues from fixed ones by ``fingerprint``, comparing the report of a
merge request's pipeline with its target branch's; so a fingerprint is the same on
every run of the same check on the same host, whatever its line or value: a hash of
the host and the check's stable id (a waived failure keeps the fingerprint it has when
it fails), or for an error or a warning of its host, file, line and message. The same
fingerprint twice in one report (one error told twice) gets a count, so each is unique.

``location.path`` is the definition file relative to ``CI_PROJECT_DIR`` (the
repository's root) when it lies under it, else as named without a leading ``./``;
``lines.begin`` is its line, or 1 for an error of a whole file. An error located at
a fleet host's address keeps the address as its path. A path is the file's own name,
so that GitLab finds it; descriptions show text from the host with its control
characters escaped, as the text report does, and in a fleet run start with the host
(``web2: ...``). An interrupted run adds one ``critical`` issue that says so.
"""
from __future__ import annotations

import hashlib
import json
import os
from typing import Any

from tstconfig_core.api import (FAILED, WAIVED, AssertionResult, ErrorEvent, FileStarted,
                                Reporter, RunFinished, WarningEvent, printable)
from tstconfig_plugins.reporters.github import on_host, repository_path

#: GitLab's severity of each kind of issue (see above).
SEVERITY = {"error": "critical", "failed": "major", "warning": "minor", "waived": "info"}
INTERRUPTED = ("the run was interrupted (Ctrl-C, SIGTERM or SIGHUP): the checks it had not "
               "reached are not in this report")


def fingerprint(*parts: str) -> str:
    """A SHA-256 of ``parts``, each ended by a NUL (no text holds one, so no two
    different lists of parts join to the same text)."""
    text = "".join(f"{part}\0" for part in parts)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class CodeQualityReporter(Reporter):
    """Collects the issues of the run and writes one JSON array at its end."""

    summary = "GitLab Code Quality JSON: an issue per failed check, error, warning, waiver"

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self._issues: list[dict[str, Any]] = []
        self._fingerprints: set[str] = set()
        self._told: dict[str, int] = {}  # an issue's first fingerprint: the times told
        self._root = os.environ.get("CI_PROJECT_DIR") or None
        self._last_file = "."  # where an interruption is told

    def _add(self, kind: str, check: str, file: str, line: int | None, description: str,
             identity: tuple[str, ...]) -> None:
        found = first = fingerprint(*identity)
        count = self._told.get(first, 1)  # (from the last count: each repeat hashes once)
        while found in self._fingerprints:  # (the same issue again: told again, counted)
            count += 1
            found = fingerprint(*identity, f"#{count}")
        self._told[first] = count
        self._fingerprints.add(found)
        path = repository_path(file, self._root)
        self._issues.append({
            "description": description,
            "check_name": check,
            "fingerprint": found,
            "severity": SEVERITY[kind],
            "location": {"path": path[2:] if path.startswith("./") else path,
                         "lines": {"begin": line or 1}},
        })

    def on_file_started(self, event: FileStarted) -> None:
        self._last_file = event.path

    def on_result(self, r: AssertionResult) -> None:
        if r.outcome not in (FAILED, WAIVED):
            return  # (passed: no issue; not run: its cause is an error, an issue once)
        name = printable(r.name or r.title)
        why = printable(r.message)
        if r.outcome == WAIVED:
            why = f"waived ({printable(r.waiver or '')}): {why}"
        self._add(r.outcome, printable(r.id), r.file, r.line,
                  on_host(r.host, f"{name}: {why}"), ("check", r.host or "", r.id))

    def _located(self, kind: str, event: ErrorEvent | WarningEvent) -> None:
        self._add(kind, f"tstconfig {kind}", event.file, event.line,
                  on_host(event.host, f"{kind}: {printable(event.message)}"),
                  (kind, event.host or "", event.file, str(event.line), event.message))

    def on_error(self, error: ErrorEvent) -> None:
        self._located("error", error)

    def on_warning(self, warning: WarningEvent) -> None:
        self._located("warning", warning)

    def on_run_finished(self, end: RunFinished) -> None:
        if end.interrupted:
            self._add("error", "tstconfig interrupted", self._last_file, None, INTERRUPTED,
                      ("interrupted",))
        self.stream.write(json.dumps(self._issues, ensure_ascii=False, indent=2) + "\n")
        self.stream.flush()
