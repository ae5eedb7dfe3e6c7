"""Where each ``-r NAME[:PATH]`` report goes, checked and opened before anything runs.

A regular file is replaced atomically when the run ends (a temporary file beside it, then
``os.replace``), so a crashed or killed run leaves the last good report. Anything else a
shell could redirect into (a device, a FIFO, a UNIX socket, an inherited descriptor such
as /dev/fd/N or /dev/stdout) is written in place: renaming over it would destroy it.
"""
from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import TextIO, TypeVar, cast

import click

from tstconfig_core.places import STDOUT, Place, Refused, locate, open_place, place_keys
_T = TypeVar("_T")


class ReportError(Exception):
    """A report lost when written or committed; the other reports are still committed."""


class _Guarded(io.TextIOBase):
    """A report stream that keeps its first write error for the end instead of raising it,
    so a full disk or a closed pipe loses that one report, not the run or the others."""

    def __init__(self, inner: TextIO) -> None:
        super().__init__()
        self.inner = inner
        self.error: OSError | None = None

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:  # colour is decided per stream
        return self.inner.isatty()

    def fileno(self) -> int:
        return self.inner.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self.inner.encoding

    def write(self, text: str) -> int:
        if self.error is None:
            try:
                self.inner.write(text)
            except OSError as exc:
                self.error = exc
        return len(text)

    def flush(self) -> None:
        if self.error is None and not self.inner.closed:
            try:
                self.inner.flush()
            except OSError as exc:
                self.error = exc


class ReportTarget:
    """Where one reporter writes: standard output (path None), a stream written in place,
    or a regular file whose temporary copy replaces it at commit()."""

    def __init__(self, name: str, path: str | None) -> None:
        self.name = name
        self.path = path
        self.label = STDOUT if path is None else path
        self._place: Place | None = None
        self._inner: TextIO | None = None
        self._stream: _Guarded | None = None
        self._tmp: str | None = None

    @property
    def replaced(self) -> bool:
        """A regular file, replaced when the run ends (not a stream written in place)."""
        return self._place is not None and self._place.kind == "file"

    def locate(self) -> Place:
        """What the path is; raises Refused when no report may be written there."""
        if self._place is None:
            self._place = locate(self.path)
        return self._place

    def open(self) -> TextIO:
        """The report's stream, opened on first use (a FIFO waits for its reader here)."""
        if self._stream is None:
            self._inner, self._tmp = open_place(self.locate(), self.label)
            self._stream = _Guarded(self._inner)
        return cast(TextIO, self._stream)

    def commit(self) -> None:
        """Finish the report; raises ReportError when it is lost (a replaced file's last
        good version is then kept)."""
        stream, place = self._stream, self._place
        if stream is None or place is None:
            return
        try:
            stream.flush()
            if stream.error is not None:
                raise stream.error
            if self._tmp is not None:
                assert self._inner is not None
                os.fsync(self._inner.fileno())
                self._inner.close()
                os.replace(self._tmp, str(place.where))
                self._tmp = None
            elif place.kind != "stdout":
                assert self._inner is not None
                self._inner.close()
        except OSError as exc:
            stream.error = stream.error or exc
            self.discard()
            raise ReportError(f"cannot write the {self.name} report to {self.label}: "
                              f"{exc.strerror or exc}") from None
        self._stream = None

    def discard(self) -> None:
        """Drop an unfinished report: a temporary file is removed, a stream closed."""
        stream, self._stream = self._stream, None
        if stream is None or self._inner is None:
            return
        if self._place is not None and self._place.kind == "stdout":
            stream.flush()
            if stream.error is not None:
                _silence_stdout()
            return
        try:
            self._inner.close()
        except OSError:
            pass  # a stream that cannot be flushed is being dropped anyway
        if self._tmp is not None:
            try:
                os.unlink(self._tmp)
            except OSError:
                pass
            self._tmp = None


def plan_targets(specs: Sequence[str], definition_files: Sequence[str],
                 other_inputs: Sequence[str] = ()) -> list[ReportTarget]:
    """The opened targets of ``-r`` SPECs (text on standard output by default).

    Every usage error (a directory, a path that cannot be written, two reports on one
    place, a report over a definition file or another input such as the waivers file)
    is a click.BadParameter, raised before
    anything runs and before any existing file is touched.
    """
    targets = []
    for spec in specs or ("text",):
        name, sep, path = spec.partition(":")
        targets.append(ReportTarget(name, path if sep and path not in ("", "-") else None))
    owners: dict[Hashable, ReportTarget] = {}
    for target in targets:
        place = _checked(target, target.locate)
        for key in place.keys:
            other = owners.setdefault(key, target)
            if other is not target:
                raise _usage(target, _collision(other, target))
    if any(target.path is not None for target in targets):
        inputs = [(p, "a definition file to run") for p in definition_files]
        inputs += [(p, "an input of this run") for p in other_inputs]
        for (path, what), key in _input_keys(inputs):
            if key in owners:
                label = owners[key].label
                named = "" if label == path else f" ({path})"
                raise _usage(owners[key], f"{label} is {what}{named}; "
                                          "give the report another path")
    try:
        for target in targets:
            _checked(target, target.open)
    except BaseException:
        for target in targets:
            target.discard()
        raise
    return targets


def finish(targets: Sequence[ReportTarget], status: int) -> int:
    """Commit every report; a lost one is told on standard error and the exit status
    becomes at least 2, for a lost report is never a silent success."""
    for target in targets:
        try:
            target.commit()
        except ReportError as exc:
            _tell(f"tstconfig: {exc}")
            status = max(status, 2)
    return status


def discard_all(targets: Sequence[ReportTarget]) -> None:
    """Drop every unfinished report: the run stopped on an internal error."""
    for target in targets:
        target.discard()


def _checked(target: ReportTarget, step: Callable[[], _T]) -> _T:
    try:
        return step()
    except Refused as exc:
        raise _usage(target, str(exc)) from None


def _usage(target: ReportTarget, message: str) -> click.BadParameter:
    spec = target.name if target.path is None else f"{target.name}:{target.path}"
    return click.BadParameter(f"{spec}: {message}", param_hint="--reporter")


def _collision(first: ReportTarget, second: ReportTarget) -> str:
    if first.path is None and second.path is None:
        return "at most one reporter may write to standard output"
    return (f"the {first.name} report ({first.label}) is already written there; "
            "give each reporter its own path")


def _input_keys(inputs: Sequence[tuple[str, str]]) -> Iterator[tuple[tuple[str, str], Hashable]]:
    """The keys of each input file: definitions come already expanded from directories."""
    for path, what in inputs:
        if path == "-":
            continue
        try:
            st: os.stat_result | None = os.stat(path)
        except OSError:
            st = None
        for key in place_keys(path, st):
            yield (path, what), key


def _silence_stdout() -> None:
    """Point a broken standard output at /dev/null, so Python's flush at exit is quiet."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.close(null)
    except OSError:
        pass


def _tell(message: str) -> None:
    try:
        sys.stderr.write(message + "\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass  # standard error is gone too: the exit status still tells
