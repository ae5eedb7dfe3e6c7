"""The ``tap`` reporter: TAP version 14, readable by version-13 consumers.

Each assertion and each error is a test point, named by the assertion's
stable id; failures and errors carry a YAML diagnostic block; waived and
not-run assertions are ``ok ... # SKIP reason``. The plan comes last, so the
report streams, and nothing follows it.

In a fleet run, ``tap`` makes each host a TAP 14 subtest (``# Subtest: web1``, the
host's test points and plan indented four spaces, then ``ok N - web1`` or ``not ok
N - web1``): consumers that know no subtests (prove, tap.py) skip the indented
lines and count one test per host. TAP 13 has no subtests, so ``tap13`` keeps one
flat list, each test point named ``HOST: ID``.
"""
from __future__ import annotations

import json
import re

from tstconfig_core.api import (NOT_RUN, PASSED, WAIVED, AssertionResult, ErrorEvent, Event,
                                FileStarted, HostFinished, HostStarted, Reporter, RunFinished,
                                RunStarted, WarningEvent, printable)
from tstconfig_plugins.reporters.fleet import INTERRUPTED, NOT_CHECKED, Fleet, FleetHost


def _description(text: str) -> str:
    """A test point description: one line, control characters escaped, ``\\`` doubled,
    and no ``#``: TAP 14 escapes it as ``\\#``, but tap.py ignores the escape and reads
    the rest as a directive (``# TODO`` in a failing check's arguments made it an
    expected failure), so ``#`` is shown as the full-width ``＃`` (U+FF03)."""
    one_line = printable(" ".join(text.split()))
    return one_line.replace("\\", "\\\\").replace("#", "\uff03")


# What JSON leaves as it is but YAML cannot hold in a double-quoted scalar (DEL, the
# C1 controls, NEL and the Unicode line breaks it would fold, non-characters).
_NOT_YAML = re.compile("[\x7f-\x9f\u2028\u2029\ufffe\uffff\ud800-\udfff]")


def _scalar(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return _NOT_YAML.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _yaml(fields: dict[str, object]) -> str:
    """A YAML diagnostic block; every scalar is JSON, which YAML reads as is."""
    lines = ["  ---"]
    lines += [f"  {key}: {_scalar(value)}" for key, value in fields.items()]
    lines.append("  ...")
    return "\n".join(lines) + "\n"


_LINE_START = re.compile(r"^(?=.)", re.MULTILINE)  # (after "\n" only, as TAP reads lines)


def _comment(text: str) -> str:
    return "".join(f"# {printable(line)}\n" for line in text.splitlines() or [""])


class TapReporter(Reporter):
    """A test point per assertion and per error, with diagnostics for each failure."""

    summary = "TAP version 14 (prove and other TAP consumers)"
    version = 14
    subtests = True  # a fleet host is a subtest (TAP 14); else its host starts each name

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self._count = 0
        self.fleet = Fleet()
        self._outer = 0  # the parent's count, while a host's subtest is open
        self._open: FleetHost | None = None

    def handle(self, event: Event) -> None:
        self.fleet.see(event)
        super().handle(event)
        self.stream.flush()  # (a TAP stream is read as it comes)

    def _write(self, text: str) -> None:
        """Lines at the level of the open subtest (four spaces in), if any."""
        if self._open is not None:
            text = _LINE_START.sub("    ", text)
        self.stream.write(text)

    def _named(self, host: str | None, name: str) -> str:
        return name if host is None or self.subtests else f"{host}: {name}"

    def on_result(self, result: AssertionResult) -> None:
        self._count += 1
        self._write(self._point(result))

    def on_error(self, error: ErrorEvent) -> None:
        self._count += 1
        name = self._named(error.host, f"error at {error.location}: {error.message}")
        self._write(f"not ok {self._count} - {_description(name)}\n")
        self._write(_yaml({"message": error.message, "severity": "error",
                           "file": error.file, "line": error.line}))

    def on_warning(self, warning: WarningEvent) -> None:
        self._write(_comment(f"WARN: {warning.location}: {warning.message}"))

    def on_file_started(self, event: FileStarted) -> None:
        self._write(_comment(f"Reading definition file: {event.path}"))

    def on_host_started(self, event: HostStarted) -> None:
        host = self.fleet.hosts[event.name]
        if not self.subtests:
            self.stream.write(_comment(f"== {host.heading}"))
            return
        self._close()  # (a host never finished: not expected, but the TAP stays whole)
        self.stream.write(f"# Subtest: {_description(event.name)}\n")
        self._outer, self._count, self._open = self._count, 0, host

    def on_host_finished(self, event: HostFinished) -> None:
        if not self.subtests:
            self.stream.write(_comment(self._host_counts(self.fleet.hosts[event.name])))
        elif self._open is not None and self._open.name == event.name:
            self._close()

    @staticmethod
    def _host_counts(host: FleetHost) -> str:
        s = host.summary
        done = f"tested {s.tested}, passed {s.passed}, failed {s.failed}, waived " \
               f"{s.waived}, not run {s.not_run}, errors {s.errors}"
        return f"{host.name}: {done}" if host.error is None else \
            f"{host.name}: {done}; not checked: {host.error}"

    def _close(self) -> None:
        """The open subtest's counts and plan, then its test point in the parent."""
        host = self._open
        if host is None:
            return
        self._write(_comment(self._host_counts(host)) + f"1..{self._count}\n")
        self._open, self._count = None, self._outer + 1
        head = f"{self._count} - {_description(host.name)}"
        if host.ok:
            self.stream.write(f"ok {head}\n")
            return
        s = host.summary
        why = {NOT_CHECKED: f"not checked: {host.error}", INTERRUPTED: "not finished"}.get(
            host.status, f"{s.failed} failed, {s.errors} errors")
        self.stream.write(f"not ok {head}\n" + _yaml({
            "message": why, "severity": "error" if s.errors else "fail", "host": host.name,
            "address": host.address, "failed": s.failed, "errors": s.errors}))

    def on_run_started(self, event: RunStarted) -> None:
        self.stream.write(f"TAP version {self.version}\n# tstconfig {event.version}\n")

    def _point(self, r: AssertionResult) -> str:
        """``ok N - ID``; a failure with its diagnostics; waived and not run as SKIP."""
        head = f"{self._count} - {_description(self._named(r.host, r.id))}"
        if r.outcome == PASSED:
            return f"ok {head}\n"
        if r.outcome == WAIVED:
            return f"ok {head} # SKIP {_description(f'waived: {r.waiver}')}\n"
        if r.outcome == NOT_RUN:
            return f"ok {head} # SKIP {_description(f'not run: {r.message}')}\n"
        return f"not ok {head}\n" + _yaml({
            "message": r.message, "severity": "fail", "id": r.id, "file": r.file,
            "line": r.line,
            "source": None if r.source is None else f"{r.source.kind} {r.source.target}",
            "section": r.section, "property": r.property and list(r.property),
            "value": None if r.value is None else list(r.value),
            "assertion": r.keyword, "expected": list(r.args)})

    def on_run_finished(self, end: RunFinished) -> None:
        """The plan is the last line: a consumer may count anything after it as a test."""
        s = end.summary
        write = self.stream.write
        if end.interrupted:
            write("Bail out! interrupted; the results are incomplete\n")
            return
        self._close()  # (stopped inside a host: its subtest still ends with its plan)
        if end.stopped:
            write(_comment(f"run {end.stopped}"))
        write(f"# tested {s.tested}, passed {s.passed}, failed {s.failed}, waived {s.waived}, "
              f"not run {s.not_run}, errors {s.errors}\n1..{self._count}\n")


class Tap13Reporter(TapReporter):
    """The same stream, announced as TAP version 13, for harnesses that reject 14.

    Perl's Test::Harness before 3.48 (Debian 12's prove) reports
    "TAP version 14" as a parse error; nothing else in the stream needs 14.
    """

    summary = "the tap report announced as TAP version 13 (Test::Harness < 3.48)"
    version = 13
    subtests = False
