"""What drift compares: each check's value on each host of a fleet run.

A check is a definition file's selector (its ``property``, ``section_size`` or
``exit_status`` line): several assertions on one property are one check. Its value on
each host comes from the results, and from the ValueObserved events a fleet run sends to
reporters that want values (``property Port`` with no assertion after it). Values are
never kept for a sensitive check (they are masked, and a masked value cannot tell two
hosts apart). Shared by the ``drift`` report and the ``html`` page's drift view.
"""
from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field

from tstconfig_core.api import (NOT_RUN, AssertionResult, Event, ValueObserved, joined,
                                printable)

Value = tuple[str, ...] | None  # None: undefined
#: Each distinct value of a check and the hosts that hold it, in run order.
Groups = list[tuple[Value, list[str]]]


@dataclass
class DriftCheck:
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

    def groups(self, hosts: Collection[str]) -> Groups:
        """Each distinct value among ``hosts`` and who holds it, the most common first; a
        tie in first-seen order (sorted() keeps it)."""
        by_value: dict[Value, list[str]] = {}
        for host, value in self.values.items():
            if host in hosts:
                by_value.setdefault(value, []).append(host)
        return sorted(by_value.items(), key=lambda item: -len(item[1]))

    def missing(self, hosts: Collection[str]) -> list[str]:
        """The hosts among ``hosts`` that gave no value (their assertions not run)."""
        return [h for h in self.not_run if h not in self.values and h in hosts]


def value_texts(values: list[Value]) -> list[str]:
    """How each distinct value shows: its tokens as the text report joins them; when two
    would show the same (``a b`` as one token or two), all as JSON lists."""
    texts = ["(undefined)" if v is None else joined(v) or "(empty)" for v in values]
    if len(set(texts)) == len(texts):
        return texts
    return ["(undefined)" if v is None else json.dumps(list(v), ensure_ascii=False)
            for v in values]


@dataclass
class Comparison:
    """The checks compared between some hosts: those that differ, with their values."""

    hosts: list[str]
    compared: int = 0  # checks with a value on at least one of the hosts
    differ: list[tuple[DriftCheck, Groups]] = field(default_factory=list)
    sensitive: list[DriftCheck] = field(default_factory=list)  # never compared


class Drift:
    """The checks of a fleet run, by file and selector line, in run order."""

    def __init__(self) -> None:
        self.checks: dict[tuple[str, int], DriftCheck] = {}
        self._same: dict[Value, Value] = {}  # one copy of each value, however many hosts

    def __iter__(self) -> Iterator[DriftCheck]:
        return iter(self.checks.values())

    def compare(self, hosts: list[str]) -> Comparison:
        """The checks compared between ``hosts`` (those that could be checked)."""
        found, among = Comparison(hosts), set(hosts)
        for check in self.checks.values():
            if check.sensitive:
                found.sensitive.append(check)
                continue
            groups = check.groups(among)
            found.compared += bool(groups)
            if len(groups) > 1:
                found.differ.append((check, groups))
        return found

    def see(self, event: Event) -> None:
        """Take any event: results and observed values of a fleet host are noted."""
        if isinstance(event, AssertionResult):
            self._note(event.file, event.selected_at or event.line, event.block,
                       event.section, event.subject, event.host, event.value,
                       event.sensitive, event.outcome == NOT_RUN)
        elif isinstance(event, ValueObserved):
            self._note(event.file, event.line, event.block, event.section, event.subject,
                       event.host, event.value, event.sensitive, False)

    def _note(self, file: str, line: int, block: str, section: str | None, subject: str,
              host: str | None, value: Value, sensitive: bool, not_run: bool) -> None:
        if host is None:
            return  # (a run of one host: nothing to compare it with)
        # (the selector's line, not what it names: the same property under other columns
        # or parse options is another value; the definitions are the same on every host)
        key = (file, line)
        check = self.checks.get(key)
        if check is None:
            check = self.checks[key] = DriftCheck(file, line, block, section, subject)
        if sensitive or check.sensitive:
            check.sensitive, check.values = True, {}  # (never kept, never shown)
        elif not_run:
            if host not in check.not_run:
                check.not_run.append(host)
        elif host not in check.values:
            check.values[host] = self._same.setdefault(value, value)
