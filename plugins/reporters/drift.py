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

from tstconfig_core.api import Event, Reporter, RunFinished, labelled, printable
from tstconfig_plugins.reporters.drifting import Drift, DriftCheck, Groups, value_texts
from tstconfig_plugins.reporters.fleet import Fleet


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


class DriftReporter(Reporter):
    """For fleets: each check whose value differs between hosts, and which hosts hold each."""

    summary = "fleets: the checks whose value differs between hosts, and who holds each value"
    wants_values = True

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self.fleet = Fleet()
        self.drift = Drift()

    def handle(self, event: Event) -> None:
        self.fleet.see(event)
        self.drift.see(event)
        super().handle(event)

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
        found = self.drift.compare(hosts)
        for check, groups in found.differ:
            lines += ["", *self._block(check, groups, found.hosts)]
        sensitive, differ, compared = found.sensitive, len(found.differ), found.compared
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
    def _block(check: DriftCheck, groups: Groups, hosts: list[str]) -> list[str]:
        lines = [check.title]
        for text, (_, holders) in zip(value_texts([value for value, _ in groups]), groups):
            lines.append(labelled("Value", text))
            lines.append(labelled("Hosts", f"{', '.join(holders)} "
                                           f"({len(holders)} of {len(hosts)})"))
        missing = check.missing(hosts)
        if missing:
            lines.append(labelled("Not run", ", ".join(missing)))
        return lines
