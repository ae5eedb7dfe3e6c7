"""The ``github`` reporter: GitHub Actions workflow commands, so that a failure annotates
its definition line in a pull request.

A step's standard output is read by the runner, which turns each line of the form
``::NAME PROPERTIES::DATA`` into a command: ``::error file=F,line=N,title=T::MESSAGE``
for each failed assertion and each error, ``::warning`` for each warning, ``::notice``
for each waived failure (with its waiver). An assertion not run gets no line: its cause
is an error of its own, annotated once, where one line per assertion would repeat it
and use up the few annotations a step may make. The last line is ``::error`` (the run
failed, or was interrupted) or ``::notice`` (it passed) with the run's counts.

Lines are written as their events arrive, so a run killed half way has still
annotated what it saw; after Ctrl-C the summary line says the run was interrupted.

Escaping is the runner's (actions/runner's ActionCommand reads what actions/toolkit's
command.ts writes): in the data ``%``, CR and LF become ``%25``, ``%0D``, ``%0A``; in a
property value ``:`` and ``,`` also become ``%3A`` and ``%2C``, since they would end
the value. Text from the host (values, messages, file and host names) is also shown
with its control characters escaped (``printable``), so no CR, LF or other line break
of its own reaches the stream, and nothing it holds can start a line: each line starts
with the ``::NAME`` this module chose.

A definition file is named relative to ``GITHUB_WORKSPACE`` (the repository's root)
when it lies under it, else as named; an error located at a fleet host's address
(``ssh://...``) has no ``file``. A fleet run names the host in each title
(``web2: PermitRootLogin assert_eq no``).
"""
from __future__ import annotations

import os
from pathlib import Path

from tstconfig_core.api import (FAILED, WAIVED, AssertionResult, ErrorEvent, Event,
                                HostStarted, Reporter, RunFinished, WarningEvent, failure_block,
                                labelled, printable)
from tstconfig_plugins.reporters.fleet import SAID, Fleet

#: What the runner decodes: in the data, ``%``, CR and LF; in a property value also ``:``
#: (which would end the properties) and ``,`` (which would start the next one).
#: ``str.translate`` replaces each character once, so no escape is escaped again.
_DATA = str.maketrans({"%": "%25", "\r": "%0D", "\n": "%0A"})
_PROPERTY = str.maketrans({"%": "%25", "\r": "%0D", "\n": "%0A", ":": "%3A", ",": "%2C"})

def command(name: str, data: str, **properties: str | int | None) -> str:
    """One workflow command, ``::NAME K=V,K=V::DATA``, without its line end. A property
    that is None or empty is left out, as actions/toolkit leaves it out."""
    shown = ",".join(f"{key}={str(value).translate(_PROPERTY)}"
                     for key, value in properties.items() if value not in (None, ""))
    return f"::{name}{' ' + shown if shown else ''}::{data.translate(_DATA)}"


def repository_path(path: str, root: str | None) -> str:
    """``path`` relative to the repository's root ``root`` (``GITHUB_WORKSPACE``,
    ``CI_PROJECT_DIR``) when it is under it, as written or once symlinks are resolved;
    else ``path`` as named. CI services match annotations to files by this path."""
    if not root:
        return path
    try:
        pairs = ((os.path.abspath(path), os.path.abspath(root)),
                 (os.path.realpath(path), os.path.realpath(root)))
    except (OSError, ValueError):  # (a NUL in a located text: no path of a file)
        return path
    for inside, top in pairs:
        if Path(inside).is_relative_to(top) and inside != top:
            return Path(inside).relative_to(top).as_posix()
    return path


def shown_lines(text: str) -> str:
    """``text`` with its control characters escaped, but its lines kept as lines."""
    return "\n".join(printable(line) for line in text.split("\n"))


def on_host(host: str | None, text: str) -> str:
    """A title, with its fleet host first (``web2: ...``), as junit names suites."""
    return text if host is None else f"{printable(host)}: {text}"


def _details(r: AssertionResult) -> str:
    """0.3's failure block, then why it failed, the waiver that accepts it, and its id."""
    lines = [failure_block(r).rstrip("\n"), labelled("Reason", r.message)]
    if r.waiver is not None:
        lines.append(labelled("Waiver", r.waiver))
    lines.append(labelled("Id", r.id))
    return "\n".join(lines)


class GithubReporter(Reporter):
    """Writes a workflow command per failure, error, warning and waived failure, as
    each happens, and one with the run's counts at its end."""

    summary = "GitHub Actions workflow commands: annotations on the definition lines"

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self.fleet = Fleet()
        self._root = os.environ.get("GITHUB_WORKSPACE") or None
        self._addresses: set[str] = set()  # fleet hosts' addresses: no definition files

    def handle(self, event: Event) -> None:
        self.fleet.see(event)
        super().handle(event)

    def _write(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()  # (the runner reads each line as it comes)

    def _annotate(self, kind: str, file: str, line: int | None, title: str,
                  message: str) -> None:
        located = file not in self._addresses and "://" not in file
        where = printable(repository_path(file, self._root)) if located else None
        self._write(command(kind, message, file=where, line=line if located else None,
                            title=title))

    def on_host_started(self, event: HostStarted) -> None:
        self._addresses.add(event.address)

    def on_result(self, r: AssertionResult) -> None:
        name = printable(r.name or r.title)
        if r.outcome == FAILED:
            self._annotate("error", r.file, r.line, on_host(r.host, name), _details(r))
        elif r.outcome == WAIVED:
            self._annotate("notice", r.file, r.line, on_host(r.host, f"waived: {name}"),
                           _details(r))
        # (passed: nothing to say; not run: its cause is an error, annotated once)

    def on_error(self, error: ErrorEvent) -> None:
        self._annotate("error", error.file, error.line, on_host(error.host, "tstconfig error"),
                       shown_lines(error.message))

    def on_warning(self, warning: WarningEvent) -> None:
        self._annotate("warning", warning.file, warning.line,
                       on_host(warning.host, "tstconfig warning"), shown_lines(warning.message))

    def on_run_finished(self, end: RunFinished) -> None:
        s = end.summary
        ok = s.ok and not end.interrupted
        parts = [f"tstconfig {'PASS' if ok else 'FAIL'}: tested {s.tested}, passed "
                 f"{s.passed}, failed {s.failed}, waived {s.waived}, not run {s.not_run}, "
                 f"errors {s.errors}, warnings {s.warnings}"]
        if self.fleet:
            statuses = [host.status for host in self.fleet]
            parts.append(f"hosts {len(statuses)}: " + ", ".join(
                f"{statuses.count(status)} {said}" for status, said in SAID.items()
                if status in statuses))
        if end.interrupted:
            parts.append("interrupted: the results are incomplete")
        elif end.stopped:
            parts.append(f"{printable(end.stopped)}: the checks after it were not run")
        self._write(command("error" if not ok else "notice", "; ".join(parts),
                            title="tstconfig summary"))
