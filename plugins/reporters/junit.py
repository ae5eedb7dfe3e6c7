"""The ``junit`` reporter: JUnit XML as Ant writes it, which CI servers read.

One ``<testsuite>`` per definition file, one ``<testcase>`` per assertion and
per error. A testcase is named by what it checks, never by its line (the CHECK
part of the stable id: ``0.0.0.0:25 assert_undefined``), in a class named by
the file and the block (``netstat.tstconfig [command netstat -plnt]``, a long
source shortened), so CI history survives edits. Waived and not-run assertions
are ``<skipped>``. A testcase's time includes the reading and parsing its check
needed, so a suite's time is the sum of its cases'. Valid against the strict
Ant schema: every suite has properties, system-out and system-err (and the
schema allows no totals on ``<testsuites>``).

A fleet run has a suite per host and definition file, its ``hostname`` the host.
CI servers key a testcase by its classname and name (Jenkins files it under the
classname, GitLab keys it by suite, classname and name), so the host starts the
suite's name and every classname (``web1: netstat.tstconfig [command netstat
-plnt]``): one check on two hosts is two testcases, never one overwriting the other.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from tstconfig_core.api import (FAILED, AssertionResult, ErrorEvent, FileStarted, HostStarted,
                                Reporter, RunFinished, RunStarted, WarningEvent, failure_block,
                                iso_utc)

# Characters XML 1.0 cannot hold, even escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """Text made storable in XML: each impossible character shown as ``\\xNN``."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _token(text: str) -> str:
    """An xs:token: no control characters, whitespace collapsed."""
    return " ".join(xml_text(text).split()) or "-"


def _on(host: str | None, name: str) -> str:
    """A suite's name or a classname, prefixed with its fleet host (see above)."""
    return name if host is None else f"{host}: {name}"


@dataclass
class _Suite:
    name: str
    start: float
    host: str | None = None  # the fleet host; None: the run's own host
    cases: list[ET.Element] = field(default_factory=list)
    failures: int = 0
    errors: int = 0
    skipped: int = 0
    time: float = 0.0  # the sum of its cases' times
    stderr: list[str] = field(default_factory=list)


class JunitReporter(Reporter):
    """Collects the run and writes one ``<testsuites>`` document at its end."""

    summary = "JUnit XML (Ant schema): a testsuite per definition file (and host, in a fleet)"

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self._suites: dict[tuple[str | None, str], _Suite] = {}  # by (host, file)
        self._addresses: dict[str, str] = {}  # fleet host: its address
        self._host = "localhost"
        self._version = ""
        self._now = 0.0

    def _suite(self, name: str, host: str | None) -> _Suite:
        key = (host, name)
        if key not in self._suites:
            self._suites[key] = _Suite(name, self._now, host)
        return self._suites[key]

    def on_warning(self, warning: WarningEvent) -> None:
        self._suite(warning.file, warning.host).stderr.append(
            f"WARN: {warning.location}: {warning.message}")

    def on_file_started(self, event: FileStarted) -> None:
        self._suite(event.path, event.host).start = event.start_time

    def on_host_started(self, event: HostStarted) -> None:
        self._addresses[event.name] = event.address
        self._now = event.start_time

    def on_run_started(self, event: RunStarted) -> None:
        self._host, self._version, self._now = event.host, event.version, event.start_time

    def on_result(self, r: AssertionResult) -> None:
        suite = self._suite(r.file, r.host)
        case = ET.Element("testcase", name=_token(r.name or r.title),
                          classname=_token(_on(r.host, f"{r.file} [{r.block}]" if r.block
                                               else r.file)),
                          time=f"{r.duration:.6f}")
        suite.time += round(r.duration, 6)  # the sum of the times shown
        where = f"at {r.file}:{r.line}\nid: {r.id}\n"
        if r.outcome == FAILED:
            suite.failures += 1
            failure = ET.SubElement(case, "failure", message=xml_text(r.message or r.title),
                                    type=r.keyword)
            failure.text = xml_text(f"ASSERTION FAILED\n{failure_block(r)}{where}")
        elif not r.passed:  # waived, or not run
            suite.skipped += 1
            why = f"waived: {r.waiver}" if r.waiver is not None else f"not run: {r.message}"
            skipped = ET.SubElement(case, "skipped", message=xml_text(why))
            shown = failure_block(r) if r.waiver is not None else ""  # (not run: no value)
            skipped.text = xml_text(f"{why}\n{shown}{where}")
        suite.cases.append(case)

    def on_error(self, e: ErrorEvent) -> None:
        suite = self._suite(e.file, e.host)
        case = ET.Element("testcase", name=_token(f"error: {e.message}"),
                          classname=_token(_on(e.host, e.file)), time="0")
        error = ET.SubElement(case, "error", message=xml_text(e.message), type="error")
        error.text = xml_text(f"ERROR: {e.location}: {e.message}\n")
        suite.errors += 1
        suite.cases.append(case)

    def on_run_finished(self, end: RunFinished) -> None:
        if end.interrupted:  # a CI server that reads only the cases must not show green
            host, file = next(reversed(self._suites), (None, "tstconfig"))
            self.on_error(ErrorEvent(file, None,
                                   "the run was interrupted (Ctrl-C, SIGTERM or SIGHUP): "
                                   "the checks after this point were not run", host))
        root = ET.Element("testsuites")
        for number, suite in enumerate(self._suites.values()):
            element = ET.SubElement(root, "testsuite", {
                "name": _token(_on(suite.host, suite.name)), "package": "tstconfig",
                "id": str(number), "timestamp": iso_utc(suite.start, zone=False),
                "hostname": _token(self._host if suite.host is None else suite.host),
                "tests": str(len(suite.cases)), "failures": str(suite.failures),
                "errors": str(suite.errors), "skipped": str(suite.skipped),
                "time": f"{suite.time:.6f}"})
            props = ET.SubElement(element, "properties")
            shown = [("tstconfig.version", self._version),
                     ("interrupted", str(end.interrupted).lower())]
            if suite.host is not None:
                shown.append(("host.address", self._addresses.get(suite.host, suite.host)))
            for name, value in shown:
                ET.SubElement(props, "property", name=name, value=xml_text(value))
            element.extend(suite.cases)
            ET.SubElement(element, "system-out").text = ""
            ET.SubElement(element, "system-err").text = xml_text("\n".join(suite.stderr))
        ET.indent(root)
        self.stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        self.stream.write(ET.tostring(root, encoding="unicode"))
        self.stream.write("\n")
        self.stream.flush()
