"""The ``text`` reporter: the report of Tstconfig 0.3, for people.

By default it prints what 0.3 printed (failure blocks, errors where they
happen, the summary), plus one line per waived failure. ``-q`` leaves out
everything but failures, errors and the summary; ``-v`` adds a line per
passed and not-run assertion, and under each failure block why it failed,
where it is and its id. Every text from data is escaped (see
:func:`tstconfig_core.render.printable`); colours only when the settings ask.

In a fleet run each host's lines follow a heading (``== Host web1 (ssh://web1)``;
with ``-q`` only before a host's first failure or error, so a quiet report of a
fleet that passes stays short), and a table of the hosts follows the summary.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from tstconfig_core.api import (FAILED, NOT_RUN, PASSED, WAIVED, AssertionResult, ErrorEvent,
                                Event, FileStarted, HostFinished, HostStarted, Reporter,
                                RunFinished, RunStarted, WarningEvent, failure_block, labelled,
                                located, printable)

if TYPE_CHECKING:
    from tstconfig_plugins.reporters.fleet import Fleet

RED, GREEN, YELLOW, CYAN, BOLD = "31", "32", "33", "36", "1"


class TextReporter(Reporter):
    """Failed assertions as blocks, errors and warnings where they happen, a summary."""

    summary = "the human report of Tstconfig 0.3 (failure blocks and a summary)"

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self.fleet: Fleet | None = None  # (a fleet run's hosts, from its first HostStarted)
        self._heading: str | None = None  # a host's heading, not written yet
        self._tail = ""  # the last two characters written: a heading wants a blank line

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self._tail = (self._tail + text[-2:])[-2:]

    def _host_heading(self) -> None:
        """The pending heading of the host whose lines come now, after a blank line."""
        if self._heading is not None:
            self._write(("" if self._tail in ("", "\n\n") else "\n") + self._heading)
            self._heading = None

    def _paint(self, text: str, *codes: str) -> str:
        if not self.settings.color:
            return text
        return f"\x1b[{';'.join(codes)}m{text}\x1b[0m"

    @property
    def _quiet(self) -> bool:
        return self.settings.verbosity < 0

    def handle(self, event: Event) -> None:
        if self.fleet is None and isinstance(event, HostStarted):
            from tstconfig_plugins.reporters.fleet import Fleet  # (a run of one host: never)
            self.fleet = Fleet()
        if self.fleet is not None:
            self.fleet.see(event)
        super().handle(event)
        self.stream.flush()  # (people read it as it comes)

    def on_host_started(self, event: HostStarted) -> None:
        host = self.fleet.hosts[event.name]  # type: ignore[union-attr]
        self._heading = self._paint(f"== {host.heading}", BOLD) + "\n"
        if not self._quiet:
            self._host_heading()

    def on_host_finished(self, event: HostFinished) -> None:
        self._heading = None  # (-q: a host with nothing to show has no heading)

    def on_error(self, error: ErrorEvent) -> None:
        self._host_heading()
        self._write(located(self._paint("ERROR:", RED, BOLD), error) + "\n\n")

    def on_warning(self, warning: WarningEvent) -> None:
        if not self._quiet:
            self._write(located(self._paint("WARN:", YELLOW), warning) + "\n")

    def on_file_started(self, event: FileStarted) -> None:
        if not self._quiet:
            self._write(f"Reading definition file: {printable(event.path)}\n")

    def on_run_started(self, event: RunStarted) -> None:
        if not self._quiet:
            self._write(f"tstconfig {event.version}\n\n")

    def on_run_finished(self, event: RunFinished) -> None:
        self._write(self._summary(event))
        if self.fleet:
            from tstconfig_plugins.reporters.fleet import fleet_table
            self._write("\n" + fleet_table(self.fleet, quiet=self._quiet))

    def on_result(self, r: AssertionResult) -> None:
        quiet, verbose = self._quiet, self.settings.verbosity > 0
        if r.outcome == PASSED and not verbose:
            return  # (the usual case, first: nothing to show)
        write = self._write
        where = printable(f"{r.file}:{r.line}")
        if r.outcome == FAILED:
            self._host_heading()
            write(f"{self._paint('ASSERTION FAILED', RED, BOLD)}\n{failure_block(r)}")
            if verbose:
                write(f"{labelled('Reason', r.message)}\n{labelled('At', where)}\n"
                      f"{labelled('Id', r.id)}\n")
            write("\n")
        elif r.outcome == WAIVED and not quiet:
            write(f"{self._paint('WAIVED', YELLOW)} {where} {printable(r.name)}: "
                  f"{printable(r.waiver or '')}\n")
        elif verbose and r.outcome == PASSED:
            write(f"{self._paint('PASSED', GREEN)} {where} {printable(r.name)}\n")
        elif verbose and r.outcome == NOT_RUN:
            write(f"{self._paint('NOT RUN', CYAN)} {where} {printable(r.name)}: "
                  f"{printable(r.message)}\n")

    def _summary(self, event: RunFinished) -> str:
        s = event.summary
        ok = s.ok and not event.interrupted
        status = self._paint("PASS", GREEN, BOLD) if ok else self._paint("FAIL", RED, BOLD)
        lines = [""]
        if event.interrupted:
            lines.append("Run interrupted: the results above are incomplete")
        elif event.stopped:
            lines.append(f"Run {event.stopped}: the files and checks after it were not run")
        lines += [f"SUMMARY REPORT: {status}",
                  f"Assertions tested: {s.tested}",
                  f"Assertions passed: {s.passed}",
                  f"Assertions failed: {s.failed}"]
        if s.waived:
            lines.append(f"Assertions waived: {s.waived}")
        if s.not_run:
            lines.append(f"Assertions not run: {s.not_run}")
        lines.append(f"Errors: {s.errors}")
        return "\n".join(lines) + "\n"
