"""The ``drift`` reporter: what differs between the hosts of a fleet, with no expected value.

A check is a definition file's block, section and subject (several assertions on one
property are one check). Its value on each host comes from the results, and from the
ValueObserved events a fleet run sends for ``-r drift`` (``property PermitRootLogin``
with no assertion after it). At the end, each check whose value is not the same on
every host is shown: each value (tokens compared as lists, undefined as a value of its
own), with the hosts that hold it, the most common first, so the odd host out stands
out. Values are never shown nor compared for a sensitive check (they are masked): such
checks are named as not compared. A host with no value for a check (its assertion not
run) is left out of that check; hosts that could not be checked are left out of all.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from tstconfig_core.api import (NOT_RUN, AssertionResult, Event, Reporter, RunFinished,
                                ValueObserved, joined, labelled, printable)
from tstconfig_plugins.reporters.fleet import Fleet

Value = tuple[str, ...] | None  # None: undefined


@dataclass
class _Check:
    """One check's values, by host in run order (the first value a host gave)."""

    file: str
    line: int
    block: str
    section: str | None
    subject: str
    values: dict[str, Value] = field(default_factory=dict)
    not_run: list[str] = field(default_factory=list)  # hosts that gave it no value
    sensitive: bool = False

    @property
    def title(self) -> str:
        """``sshd.tstconfig:2 [file /etc/ssh/sshd_config] PermitRootLogin``, escaped."""
        section = "" if self.section is None else f", section {self.section or '(top level)'}"
        return printable(f"{self.file}:{self.line} [{self.block}{section}] {self.subject}")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _texts(values: list[Value]) -> list[str]:
    """How each distinct value shows: its tokens as the text report joins them; when two
    would show the same (``a b`` as one token or two), all as JSON lists."""
    texts = ["(undefined)" if v is None else joined(v) or "(empty)" for v in values]
    if len(set(texts)) == len(texts):
        return texts
    return ["(undefined)" if v is None else json.dumps(list(v), ensure_ascii=False)
            for v in values]


class DriftReporter(Reporter):
    """For fleets: each check whose value differs between hosts, and which hosts hold each."""

    summary = "fleets: the checks whose value differs between hosts, and who holds each value"
    wants_values = True

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self.fleet = Fleet()
        self._checks: dict[tuple[str, int], _Check] = {}
        self._same: dict[Value, Value] = {}  # one copy of each value, however many hosts

    def handle(self, event: Event) -> None:
        self.fleet.see(event)
        super().handle(event)

    def on_result(self, r: AssertionResult) -> None:
        self._note(r.file, r.selected_at or r.line, r.block, r.section, r.subject, r.host,
                   r.value, r.sensitive, r.outcome == NOT_RUN)

    def on_value_observed(self, e: ValueObserved) -> None:
        self._note(e.file, e.line, e.block, e.section, e.subject, e.host, e.value,
                   e.sensitive, False)

    def _note(self, file: str, line: int, block: str, section: str | None, subject: str,
              host: str | None, value: Value, sensitive: bool, not_run: bool) -> None:
        if host is None:
            return  # (a run of one host: nothing to compare it with)
        # (the selector's line, not what it names: the same property under other columns
        # or parse options is another value; the definitions are the same on every host)
        key = (file, line)
        check = self._checks.get(key)
        if check is None:
            check = self._checks[key] = _Check(file, line, block, section, subject)
        if sensitive or check.sensitive:
            check.sensitive, check.values = True, {}  # (never kept, never shown)
        elif not_run:
            if host not in check.not_run:
                check.not_run.append(host)
        elif host not in check.values:
            check.values[host] = self._same.setdefault(value, value)

    def on_run_finished(self, end: RunFinished) -> None:
        self.stream.write(self._report(end))
        self.stream.flush()

    def _report(self, end: RunFinished) -> str:
        if not self.fleet:
            return ("No drift report: drift compares the hosts of a fleet run (--host, "
                    "--hosts or --inventory), two or more; this run checked one host.\n")
        lines = [f"Not compared: {printable(h.name)} could not be checked: "
                 f"{printable(h.error)}" for h in self.fleet if h.error is not None]
        if end.interrupted:
            lines.append("Run interrupted: what it did not reach is not compared.")
        hosts = [h.name for h in self.fleet if h.error is None]
        if len(hosts) < 2:
            lines.append(f"No drift report: drift needs two hosts or more, and "
                         f"{_plural(len(hosts), 'host')} could be checked.")
            return "\n".join(lines) + "\n"
        compared, sensitive, differ, checked = 0, [], 0, set(hosts)
        for check in self._checks.values():
            if check.sensitive:
                sensitive.append(check)
                continue
            groups = self._groups(check, checked)
            compared += bool(groups)
            if len(groups) > 1:
                differ += 1
                lines += ["", *self._block(check, groups, checked)]
        if sensitive:
            lines += ["", f"Not compared, sensitive (values masked): "
                          f"{_plural(len(sensitive), 'check')}"]
            lines += [f" {check.title}" for check in sensitive]
        lines.append("")
        if differ:
            verb = "differs" if differ == 1 else "differ"
            lines.append(f"Drift: {differ} of {_plural(compared, 'check')} {verb} "
                         f"between the {len(hosts)} hosts compared.")
        else:
            lines.append(f"No drift: {_plural(compared, 'check')} had the same value "
                         f"on all {len(hosts)} hosts.")
        return "\n".join(lines).lstrip("\n") + "\n"

    @staticmethod
    def _groups(check: _Check, hosts: set[str]) -> list[tuple[Value, list[str]]]:
        """Each distinct value and its hosts (in run order), the most common first; a tie
        in first-seen order (sorted() keeps it)."""
        by_value: dict[Value, list[str]] = {}
        for host, value in check.values.items():
            if host in hosts:
                by_value.setdefault(value, []).append(host)
        return sorted(by_value.items(), key=lambda item: -len(item[1]))

    @staticmethod
    def _block(check: _Check, groups: list[tuple[Value, list[str]]],
               hosts: set[str]) -> list[str]:
        lines = [check.title]
        for text, (_, holders) in zip(_texts([value for value, _ in groups]), groups):
            lines.append(labelled("Value", text))
            lines.append(labelled("Hosts", f"{', '.join(holders)} "
                                           f"({len(holders)} of {len(hosts)})"))
        missing = [h for h in check.not_run if h not in check.values and h in hosts]
        if missing:
            lines.append(labelled("Not run", ", ".join(missing)))
        return lines
