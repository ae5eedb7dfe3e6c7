"""What the reporters share about a fleet run: its hosts, in run order, with their counts.

A fleet run (API 1.6) frames each host's events with HostStarted and HostFinished.
After Ctrl-C the last host may have no HostFinished: its counts are then the ones
tallied here from its own events, so every report can still tell it. A run without
fleet options has no Host events, and :class:`Fleet` stays empty (false).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from tstconfig_core.api import (FAILED, NOT_RUN, PASSED, WAIVED, AssertionResult, ErrorEvent,
                                Event, HostFinished, HostStarted, Summary, WarningEvent,
                                printable)

PASS, FAIL, NOT_CHECKED, INTERRUPTED = "PASS", "FAIL", "NOT CHECKED", "INTERRUPTED"

#: Outcomes from better to worse. Where one host has two results under one id (two files
#: that reports name alike, ``a\xff`` and ``a\\xff``), a report that keeps one keeps the
#: worse: never a pass over a failure.
WORSE = {PASSED: 0, WAIVED: 1, NOT_RUN: 2, FAILED: 3}


@dataclass
class FleetHost:
    """One host of the run: where it is, its counts, and how it ended."""

    name: str
    address: str
    start_time: float
    #: Tallied from the host's events until HostFinished brings the run's own.
    summary: Summary = field(default_factory=Summary)
    duration: float | None = None  # None: no HostFinished (the run was interrupted)
    error: str | None = None       # why it could not be checked

    @property
    def status(self) -> str:
        """PASS, FAIL, NOT CHECKED (unreachable...) or INTERRUPTED (never finished)."""
        if self.error is not None:
            return NOT_CHECKED
        if self.duration is None:
            return INTERRUPTED
        return PASS if self.summary.ok else FAIL

    @property
    def ok(self) -> bool:
        return self.status == PASS

    @property
    def heading(self) -> str:
        """``Host web1 (ssh://web1)``, escaped; the address left out when it is the name."""
        where = "" if self.address == self.name else f" ({printable(self.address)})"
        return f"Host {printable(self.name)}{where}"


class Fleet:
    """The hosts seen so far, by name, in run order; false in a run of one host."""

    def __init__(self) -> None:
        self.hosts: dict[str, FleetHost] = {}

    def __bool__(self) -> bool:
        return bool(self.hosts)

    def __iter__(self) -> Iterator[FleetHost]:
        return iter(self.hosts.values())

    def see(self, event: Event) -> None:
        """Take any event: Host events open and close hosts, results and errors count."""
        if isinstance(event, HostStarted):
            self.hosts[event.name] = FleetHost(event.name, event.address, event.start_time)
        elif isinstance(event, HostFinished):
            host = self.hosts.get(event.name)
            if host is None:  # (never started: still a host of the run)
                host = self.hosts[event.name] = FleetHost(event.name, event.name, 0.0)
            host.summary, host.duration, host.error = event.summary, event.duration, event.error
        elif isinstance(event, (AssertionResult, ErrorEvent, WarningEvent)):
            host = self.hosts.get(event.host) if event.host is not None else None
            if host is not None and host.duration is None:
                host.summary.count(event)


#: Most characters of a not-checked reason in the fleet table (the error line above the
#: summary has it whole): an ssh error can be long, and it would widen every row.
_REASON_WIDTH = 60


#: How each host status is counted in words (`Hosts: 4 (1 passed, 2 failed, 1 not checked)`).
SAID = {PASS: "passed", FAIL: "failed", NOT_CHECKED: "not checked", INTERRUPTED: "interrupted"}


def _reason(text: str) -> str:
    first = printable(text.strip().splitlines()[0] if text.strip() else text)
    return first if len(first) <= _REASON_WIDTH else first[:_REASON_WIDTH - 1] + "…"


def fleet_table(fleet: Fleet, quiet: bool = False) -> str:
    """The hosts' counts line and table, for the text report; with ``quiet``, only the
    hosts that did not pass have a row (none: no table)."""
    from tabulate import tabulate  # (only fleet runs pay for its import)
    statuses = [host.status for host in fleet]
    counts = ", ".join(f"{statuses.count(status)} {said}" for status, said in SAID.items()
                       if status in statuses)
    text = f"Hosts: {len(statuses)} ({counts})\n"
    rows = []
    for host in fleet:
        if quiet and host.ok:
            continue
        s = host.summary
        status = host.status if host.error is None else f"{NOT_CHECKED}: {_reason(host.error)}"
        time = "-" if host.duration is None else f"{host.duration:.2f}s"
        rows.append([printable(host.name), s.tested, s.passed, s.failed, s.errors, time, status])
    if not rows:
        return text
    table = tabulate(rows, headers=["host", "tested", "passed", "failed", "errors", "time",
                                    "status"], tablefmt="simple", disable_numparse=True,
                     colalign=("left", "right", "right", "right", "right", "right", "left"))
    return f"{text}\n{table}\n"
