"""The ``prometheus`` reporter: the run as metrics, for node_exporter's textfile collector.

Written once, at the run's end, in the Prometheus text exposition format 0.0.4: every
family has its HELP and TYPE and its samples together, no sample has a timestamp (the
textfile collector refuses them), families come in a fixed order and samples in run
order, so two runs of the same checks give the same lines, only the times differing.

- ``tstconfig_build_info{version}``, ``tstconfig_run_passed``, ``tstconfig_run_interrupted``,
  ``tstconfig_run_duration_seconds``, ``tstconfig_last_run_timestamp_seconds`` (the run's
  end): one series each, for "tstconfig failed" and "tstconfig has not run for a day".
- ``tstconfig_checks{host,file,outcome}`` per definition file that ran on a host (all
  four outcomes, 0 included, so no series vanishes when a check starts passing);
  ``tstconfig_errors{host,file}`` and ``tstconfig_warnings{host,file}`` per place an
  event was located at: those files, a definition file that could not be read, a
  waivers file, and for a fleet host that could not be reached its address (the error's
  ``file``). ``host`` is the fleet host, or the run's own host name (RunStarted) in a
  run of one host and for the controller's own events in a fleet, as JUnit's is.
- In a fleet, per host: ``tstconfig_host_checked{host}`` (0: it could not be checked) and
  ``tstconfig_host_duration_seconds{host}`` (neither for a host the run was interrupted in).
- ``tstconfig_check_outcome{host,file,id,outcome}``: a state set, as kube-state-metrics'
  ``kube_pod_status_phase``: four series per check, 1 for its outcome and 0 for the
  others. Its label values never change between runs (a check that starts failing moves
  its 1, no series appears or vanishes), ``== 1`` on one outcome is the whole alert, and
  ``sum by (outcome)`` counts. One series of numbered outcomes would be a quarter of the
  series, but an alert would compare codes, and sums and averages of it mean nothing.
  Written only while the run has at most MAX_CHECKS results (a check on three hosts
  counts three); past it none at all, never some, and ``tstconfig_check_outcome_omitted``
  is 1, with a comment saying how many there were.

Label values are escaped as the format asks (``\\``, ``"``, newline) and otherwise kept
exactly; a value, a message or a waiver reason is never written, so neither is a
sensitive block's data (an id names what is checked, from the definition).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator

from tstconfig_core.api import (FAILED, NOT_RUN, PASSED, WAIVED, AssertionResult, ErrorEvent,
                                Event, FileStarted, Reporter, RunFinished, RunStarted,
                                WarningEvent, printable)
from tstconfig_plugins.reporters.fleet import WORSE, Fleet

#: Most results of a run that get their own ``tstconfig_check_outcome`` series (four
#: each). Every series costs Prometheus memory and an index entry for as long as it is
#: kept, and node_exporter's own metrics are one to a few thousand series a host: 4,000
#: more is a fair price for alerts on single checks; 20,000 checks of a fleet would be
#: 80,000, many times the rest. Past it the counts per file still tell.
MAX_CHECKS = 1000

_OUTCOMES = (PASSED, FAILED, WAIVED, NOT_RUN)
_COLUMN = {outcome: column for column, outcome in enumerate(_OUTCOMES)}
_ERRORS, _WARNINGS = 4, 5  # (the columns after the outcomes' in a file's counts)
_INTERRUPTED = ("the run was interrupted (Ctrl-C, SIGTERM or SIGHUP): the checks after "
                "this point were not run")

#: Each family's HELP, in the order written. Every family is a gauge: each report
#: replaces the last, and none of its numbers only grows (no counter, no ``_total``).
FAMILIES = {
    "tstconfig_build_info": "The tstconfig version that wrote this report (always 1).",
    "tstconfig_run_passed": "1 if the run passed: no check failed, no error, not "
                            "interrupted; else 0.",
    "tstconfig_run_interrupted": "1 if the run was interrupted (Ctrl-C, SIGTERM, SIGHUP) "
                                 "and its results are incomplete; else 0.",
    "tstconfig_run_duration_seconds": "How long the run took.",
    "tstconfig_last_run_timestamp_seconds": "When the run ended, in seconds since the epoch.",
    "tstconfig_checks": "Checks of a definition file on a host, by outcome.",
    "tstconfig_errors": "Errors located in a file on a host (for a host that could not "
                        "be reached: at its address).",
    "tstconfig_warnings": "Warnings located in a file on a host.",
    "tstconfig_host_checked": "Fleet runs: 1 if the host could be checked, 0 if not "
                              "(unreachable, a refused key, a timeout).",
    "tstconfig_host_duration_seconds": "Fleet runs: how long the host's checks took.",
    "tstconfig_check_outcome": "A check's outcome on a host: 1 for the outcome it had, "
                               "0 for the other three.",
    "tstconfig_check_outcome_omitted": f"1 if the run had more than {MAX_CHECKS} checks, "
                                       "so tstconfig_check_outcome was left out; else 0.",
}


def label(text: str) -> str:
    """``text`` as a label value holds it between its quotes: ``\\``, ``"`` and newline
    escaped; a lone surrogate (a file name that is not UTF-8) as ``\\udcff``, since the
    format is UTF-8."""
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    if "\\" in text or '"' in text or "\n" in text:
        text = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return text


def _seconds(value: float) -> str:
    return repr(round(float(value), 6))


class PrometheusReporter(Reporter):
    """Counts the run and writes its metrics, in the text exposition format, at its end."""

    summary = "Prometheus text format for node_exporter's textfile collector"

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self.fleet = Fleet()
        self._host = "localhost"  # the run's own host, for events of no fleet host
        self._version = ""
        self._start = 0.0
        #: (host, file): passed, failed, waived, not run, errors, warnings; in run order.
        self._counts: dict[tuple[str, str], list[int]] = {}
        #: The places that are definition files (errors also come from elsewhere).
        self._files: set[tuple[str, str]] = set()
        #: (host, id): (file, outcome), until the run has more than MAX_CHECKS results.
        self._checks: dict[tuple[str, str], tuple[str, str]] | None = {}
        self._results = 0

    def _place(self, host: str | None, file: str, checked: bool = False) -> list[int]:
        key = (self._host if host is None else host, file)
        counts = self._counts.get(key)
        if counts is None:
            counts = self._counts[key] = [0, 0, 0, 0, 0, 0]
        if checked:
            self._files.add(key)
        return counts

    def handle(self, event: Event) -> None:
        self.fleet.see(event)
        super().handle(event)

    def on_run_started(self, event: RunStarted) -> None:
        self._host, self._version, self._start = event.host, event.version, event.start_time

    def on_file_started(self, event: FileStarted) -> None:
        self._place(event.host, event.path, True)  # (no checks: its zeros are written)

    def on_result(self, r: AssertionResult) -> None:
        self._place(r.host, r.file, True)[_COLUMN[r.outcome]] += 1
        self._results += 1
        if self._checks is not None:
            key = (self._host if r.host is None else r.host, r.id)
            had = self._checks.get(key)
            if had is None or WORSE[r.outcome] > WORSE[had[1]]:
                self._checks[key] = (r.file, r.outcome)
            if self._results > MAX_CHECKS:
                self._checks = None  # (never a partial set; and no memory per result)

    def on_error(self, error: ErrorEvent) -> None:
        self._place(error.host, error.file)[_ERRORS] += 1

    def on_warning(self, warning: WarningEvent) -> None:
        self._place(warning.host, warning.file)[_WARNINGS] += 1

    def on_run_finished(self, end: RunFinished) -> None:
        lines = [f"# tstconfig {printable(self._version)}"]
        if end.interrupted:
            lines.append(f"# {_INTERRUPTED}")
        elif end.stopped:
            lines.append(f"# the run stopped before its end: {printable(end.stopped)}")
        passed = end.summary.ok and not end.interrupted
        lines += _family("tstconfig_build_info", [(f'version="{label(self._version)}"', "1")])
        lines += _family("tstconfig_run_passed", [("", str(int(passed)))])
        lines += _family("tstconfig_run_interrupted", [("", str(int(end.interrupted)))])
        lines += _family("tstconfig_run_duration_seconds", [("", _seconds(end.duration))])
        lines += _family("tstconfig_last_run_timestamp_seconds",
                         [("", _seconds(self._start + end.duration))])
        lines += self._per_file()
        if self.fleet:
            lines += self._per_host()
        lines += self._per_check()
        lines.append("")
        self.stream.write("\n".join(lines))
        self.stream.flush()

    def _per_file(self) -> Iterator[str]:
        places = [(f'host="{label(key[0])}",file="{label(key[1])}"', counts, key in self._files)
                  for key, counts in self._counts.items()]
        yield from _family("tstconfig_checks", (
            (f'{where},outcome="{outcome}"', str(counts[column]))
            for where, counts, checked in places if checked
            for column, outcome in enumerate(_OUTCOMES)))
        yield from _family("tstconfig_errors",
                           ((where, str(c[_ERRORS])) for where, c, _ in places))
        yield from _family("tstconfig_warnings",
                           ((where, str(c[_WARNINGS])) for where, c, _ in places))

    def _per_host(self) -> Iterator[str]:
        # A host the run was interrupted in has no HostFinished: whether it could be
        # checked is not known, nor how long it took, so it has neither series.
        hosts = [(f'host="{label(host.name)}"', host) for host in self.fleet
                 if host.duration is not None]
        yield from _family("tstconfig_host_checked", (
            (where, "0" if host.error is not None else "1") for where, host in hosts))
        yield from _family("tstconfig_host_duration_seconds", (
            (where, _seconds(host.duration)) for where, host in hosts))

    def _per_check(self) -> Iterator[str]:
        if self._checks is None:
            yield (f"# tstconfig_check_outcome left out: the run had {self._results} checks, "
                   f"more than {MAX_CHECKS}")
        else:
            yield from _family("tstconfig_check_outcome", (
                (f'host="{label(host)}",file="{label(file)}",id="{label(id_)}",'
                 f'outcome="{outcome}"', "1" if outcome == had else "0")
                for (host, id_), (file, had) in self._checks.items() for outcome in _OUTCOMES))
        yield from _family("tstconfig_check_outcome_omitted",
                           [("", "1" if self._checks is None else "0")])


def _family(name: str, samples: Iterable[tuple[str, str]]) -> Iterator[str]:
    """A family's HELP, TYPE and samples (labels written, value); none without samples."""
    head = True
    for labels, value in samples:
        if head:
            yield f"# HELP {name} {FAMILIES[name]}"
            yield f"# TYPE {name} gauge"
            head = False
        yield f"{name}{{{labels}}} {value}" if labels else f"{name} {value}"
