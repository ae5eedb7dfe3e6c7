"""Baselines made: the definitions read twice, their values pinned, the files written.

Each definition is read twice: by this process, then, a moment later, by a new one
(:mod:`.reread`), as the baseline will be checked. Every line is kept but the
assertions, which give way after each selector to one assertion that pins the value
read there (:mod:`.pins`); a value that differs between the two reads (free memory,
a load average, a PID) is not pinned, and the original assertions stay under a
comment. So the baseline passes when run again on the same host, and fails, naming
the value, when one drifts. When a definition has errors, no baseline is written.
"""
from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from tstconfig_core import __version__
from tstconfig_core.engine.context import RunSettings
from tstconfig_core.engine.values import uses_variables
from tstconfig_core.model import ErrorEvent, WarningEvent
from tstconfig_core.places import Refused
from tstconfig_core.render import cut, located, printable
from tstconfig_core.finding import MAX_DEFINITION, expand, read_definition, shown_path
from tstconfig_core.signals import Stopped, run_signals
from tstconfig_core.snapshot import output, pins
from tstconfig_core.snapshot.layout import Layout
from tstconfig_core.snapshot.probe import Engine, NoValue, Reads, read
from tstconfig_core.snapshot.reread import read_apart

if TYPE_CHECKING:
    from tstconfig_core.loading.registry import PluginRegistry

#: Seconds between the two reads. The kernel folds its counters into /proc/meminfo
#: about once a second (vm.stat_interval): closer reads may see the same stale free
#: memory, which the check of the baseline, later, would not.
SETTLE = 1.5
_NOT_RUN = NoValue("this line was not run")


class Job(NamedTuple):
    """One definition on its way to a baseline."""

    target: output.Target
    title: str                 # the definition's name, as a run shows it
    name: str                  # what errors call the text (--all-rows: the text it made)
    text: str
    layout: Layout
    defined: frozenset[int] = frozenset()  # lines whose value was seen defined before


class Twice(NamedTuple):
    """Each definition's two reads, or the errors that stopped them."""

    pairs: list[tuple[Reads, Reads]]
    errors: list[ErrorEvent]


class Baseline(NamedTuple):
    text: str
    pinned: int
    unpinned: int
    private: int               # sensitive blocks whose values it holds


def take(registry: PluginRegistry, settings: RunSettings, definitions: Sequence[str],
         out: str, *, include_sensitive: bool = False, all_rows: bool = False,
         debug: bool = False) -> int:
    """The command line's --snapshot: 0 when every baseline was written; 2 when none
    was (errors, a target refused); 128 + N when a signal stopped it."""
    engine = Engine(registry, settings, debug)
    with run_signals() as signals:
        try:
            status = _take(engine, definitions, out, include_sensitive, all_rows)
        except (KeyboardInterrupt, Stopped) as exc:
            status = 128 + getattr(exc, "signum", signal.SIGINT)
    return signals.exit_status(status)


def _take(engine: Engine, definitions: Sequence[str], out: str, include_sensitive: bool,
          all_rows: bool) -> int:
    found = list(expand(definitions))
    unreadable = [item._replace(file=shown_path(item.file)) for item in found
                  if isinstance(item, ErrorEvent)]
    if unreadable:
        return _nothing_written(unreadable)
    try:
        targets = output.plan([item for item in found if isinstance(item, str)], out)
    except Refused as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    jobs, errors = _jobs(engine, targets)
    if not errors and all_rows:
        jobs, errors = _every_row(engine, jobs)
    if errors:
        return _nothing_written(errors)
    reads = _read_twice(engine, jobs, warn=not all_rows)
    if reads.errors:
        return _nothing_written(reads.errors)
    made = [_baseline(job, pair, include_sensitive, all_rows, engine.settings.variables)
            for job, pair in zip(jobs, reads.pairs)]
    too_large = [ErrorEvent(job.title, None, "the baseline would be larger than a definition "
                            "may be (64 MiB); pin fewer values")
                 for job, baseline in zip(jobs, made)
                 if len(baseline.text.encode("utf-8", "surrogateescape")) > MAX_DEFINITION]
    if too_large:
        return _nothing_written(too_large)
    return _written(jobs, made)


def _jobs(engine: Engine, targets: list[output.Target]) -> tuple[list[Job], list[ErrorEvent]]:
    jobs, errors = [], []
    for target in targets:
        try:
            name, text = read_definition(target.definition)
        except OSError as exc:
            errors.append(ErrorEvent(shown_path(target.definition), None,
                                     f"cannot read definition file: {exc.strerror or exc}"))
            continue
        jobs.append(Job(target, name, name, text, engine.layout(text)))
    return jobs, errors


def _every_row(engine: Engine, jobs: list[Job]) -> tuple[list[Job], list[ErrorEvent]]:
    """--all-rows: each definition rewritten to select every row (:func:`pins.every_row`)."""
    reads = _read_twice(engine, jobs, rows=True)
    if reads.errors:
        return jobs, reads.errors
    rewritten = []
    for job, (first, second) in zip(jobs, reads.pairs):
        text, defined = pins.every_row(job.layout, first.rows, second.rows,
                                       uses_variables(job.text, engine.settings.variables))
        rewritten.append(job._replace(name=f"{job.title} (as --all-rows rewrote it)",
                                      text=text, layout=engine.layout(text), defined=defined))
    return rewritten, []


def _read_twice(engine: Engine, jobs: list[Job], rows: bool = False,
                warn: bool = True) -> Twice:
    """Each definition read here, then, SETTLE seconds on, by one new process; the
    errors instead, when there are any (the second read is then not made)."""
    firsts = [read(engine, job.text, job.name, job.layout, rows) for job in jobs]
    for reads in firsts:
        for warning in reads.warnings if warn else ():
            _tell("WARN:", warning)
    errors = [error for reads in firsts for error in reads.errors]
    if errors or not jobs:
        return Twice([], errors)
    time.sleep(SETTLE)
    seconds = read_apart(engine, [(job.text, job.name) for job in jobs], rows)
    errors = [error for reads in seconds for error in reads.errors]
    return Twice([] if errors else list(zip(firsts, seconds)), errors)


def _baseline(job: Job, reads: tuple[Reads, Reads], include_sensitive: bool,
              all_rows: bool, variables: tuple[tuple[str, str], ...]) -> Baseline:
    body, written = _pinned(job, reads, include_sensitive, variables)
    pinned = sum(pin.pinned for pin in written)
    private = sum(b.sensitive for b in job.layout.blocks.values()) if include_sensitive else 0
    return Baseline(_header(job.title, all_rows, variables) + body, pinned,
                    len(written) - pinned, private)


def _pinned(job: Job, reads: tuple[Reads, Reads], include_sensitive: bool,
            variables: tuple[tuple[str, str], ...]) -> tuple[str, list[pins.Pin]]:
    """The definition's text with its values pinned, and the pins written. How a ``$`` is
    written depends on whether the baseline uses variables (it has a ``let``, or --var is
    given), which a ``let`` left out with a sensitive block may change: then again."""
    first, second = reads

    def written(substituting: bool) -> tuple[str, list[pins.Pin]]:
        made = {scope.opener: pins.decide(first.values.get(scope.opener, _NOT_RUN),
                                          second.values.get(scope.opener, _NOT_RUN),
                                          substituting, scope.opener in job.defined)
                for scope in job.layout.scopes if scope.probe is not None}
        lines, shown = pins.rewrite(job.layout, made, include_sensitive)
        return "".join(f"{line}\n" for line in lines), shown

    substituting = uses_variables(job.text, variables)
    body, shown = written(substituting)
    if uses_variables(body, variables) != substituting:  # (pins never add a `let`)
        body, shown = written(not substituting)
    return body, shown


def _written(jobs: list[Job], made: list[Baseline]) -> int:
    try:
        output.write_all([(job.target, baseline.text, bool(baseline.private))
                          for job, baseline in zip(jobs, made)])
    except (OSError, Refused) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        print(f"Error: {why}; no baseline was written", file=sys.stderr)
        return 2
    for job, baseline in zip(jobs, made):
        label = job.target.path or "standard output"
        print(f"Baseline of {job.title} written to {label}: {baseline.pinned} value(s) "
              f"pinned, {baseline.unpinned} not pinned", file=sys.stderr)
        if baseline.private:  # (docs/security.md: a definition's arguments are shown)
            _tell("WARN:", WarningEvent(label, None, f"it pins the values of "
                                        f"{baseline.private} sensitive block(s) by their "
                                        "SHA-256 digests (assert_sha256): a value that can "
                                        "be guessed can be found from its digest"))
    return 0


def _header(name: str, all_rows: bool, variables: tuple[tuple[str, str], ...]) -> str:
    """What the baseline is of, and how to run it (its variables' names, not values)."""
    when = time.strftime("%Y-%m-%d %H:%M:%S %z")
    how = " (--all-rows)" if all_rows else ""
    header = (f"# Baseline of {printable(name)}{how}: the values that tstconfig "
              f"{__version__} read on {printable(os.uname().nodename)}, {when}.\n")
    if variables:
        given = " ".join(f"--var {name}=..." for name, _ in variables)
        header += f"# Taken with {given}: run it with the same.\n"
    return header


def _tell(label: str, event: ErrorEvent | WarningEvent) -> None:
    print(located(label, event._replace(message=cut(event.message))), file=sys.stderr)


def _nothing_written(errors: Sequence[ErrorEvent]) -> int:
    for error in errors:
        _tell("ERROR:", error)
    print("Error: the definitions have errors (above): no baseline written.", file=sys.stderr)
    return 2
