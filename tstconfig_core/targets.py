"""Where each ``-r NAME[:PATH]`` report goes, checked and opened before anything runs.

A regular file is replaced atomically when the run ends (a temporary file beside it, then
``os.replace``), so a crashed or killed run leaves the last good report. Anything else a
shell could redirect into (a device, a FIFO, a UNIX socket, an inherited descriptor such
as /dev/fd/N or /dev/stdout) is written in place: renaming over it would destroy it.
"""
from __future__ import annotations

import io
import os
import re
import stat
import sys
from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import NamedTuple, TextIO, TypeVar, cast

import click

STDOUT = "standard output"
TEMP_PREFIX = ".tstconfig-"
_FD_DIR = re.compile(r"/proc/(\d+)(?:/task/\d+)?/fd")
_DEV_NULL = os.makedev(1, 3)  # any number of reports may be thrown away there
_T = TypeVar("_T")


class ReportError(Exception):
    """A report lost when written or committed; the other reports are still committed."""


class _Refused(Exception):
    """A report target that cannot be used: a usage error, told before anything runs."""


class _Place(NamedTuple):
    """What a report path turned out to be, and what identifies it for collisions."""

    kind: str          # stdout | fd | inplace | socket | file
    where: str | int   # the descriptor (fd), or the path to open, connect or replace
    keys: frozenset[Hashable]
    regular: bool = False


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
        self._place: _Place | None = None
        self._inner: TextIO | None = None
        self._stream: _Guarded | None = None
        self._tmp: str | None = None

    @property
    def replaced(self) -> bool:
        """A regular file, replaced when the run ends (not a stream written in place)."""
        return self._place is not None and self._place.kind == "file"

    def locate(self) -> _Place:
        """What the path is; raises _Refused when no report may be written there."""
        if self._place is None:
            self._place = _locate(self.path)
        return self._place

    def open(self) -> TextIO:
        """The report's stream, opened on first use (a FIFO waits for its reader here)."""
        if self._stream is None:
            self._inner = _open(self.locate(), self)
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
    except _Refused as exc:
        raise _usage(target, str(exc)) from None


def _usage(target: ReportTarget, message: str) -> click.BadParameter:
    spec = target.name if target.path is None else f"{target.name}:{target.path}"
    return click.BadParameter(f"{spec}: {message}", param_hint="--reporter")


def _collision(first: ReportTarget, second: ReportTarget) -> str:
    if first.path is None and second.path is None:
        return "at most one reporter may write to standard output"
    return (f"the {first.name} report ({first.label}) is already written there; "
            "give each reporter its own path")


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _keys(path: str | None, st: os.stat_result | None) -> frozenset[Hashable]:
    """The resolved path and the file's device and inode: equal keys are one place."""
    if st is not None and stat.S_ISCHR(st.st_mode) and st.st_rdev == _DEV_NULL:
        return frozenset()
    keys: set[Hashable] = set() if path is None else {os.path.realpath(path)}
    if st is not None:
        keys.add((st.st_dev, st.st_ino))
    return frozenset(keys)


def _input_keys(inputs: Sequence[tuple[str, str]]) -> Iterator[tuple[tuple[str, str], Hashable]]:
    """The keys of each input file: definitions come already expanded from directories."""
    for path, what in inputs:
        if path == "-":
            continue
        try:
            st: os.stat_result | None = os.stat(path)
        except OSError:
            st = None
        for key in _keys(path, st):
            yield (path, what), key


def _fd_link(path: str) -> tuple[int, int] | None:
    """(pid, N) when the path leads, through symlinks, to /proc/PID/fd/N (/dev/fd/N,
    /dev/stdout, /proc/self/fd/N): a descriptor, which opening by name would not give."""
    current = os.path.abspath(path)
    for _ in range(40):
        folder, base = os.path.split(current)
        if base.isdigit():
            match = _FD_DIR.fullmatch(os.path.realpath(folder))
            if match:
                return int(match.group(1)), int(base)
        try:
            target = os.readlink(current)
        except OSError:
            return None
        current = os.path.normpath(os.path.join(folder, target))
    return None


def _locate(path: str | None) -> _Place:
    if path is None:
        try:
            st = os.fstat(1)
        except OSError:
            raise _Refused("standard output is closed") from None
        return _Place("stdout", 1, _keys(None, st) | {STDOUT})
    link = _fd_link(path)
    if link is not None and link[0] == os.getpid():
        try:
            st = os.fstat(link[1])
        except OSError as exc:
            raise _Refused(f"descriptor {link[1]} ({path}) is not open: {_reason(exc)}") from None
        return _Place("fd", link[1], _keys(None, st))
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return _Place("file", os.path.realpath(path), _keys(path, None), regular=True)
    except OSError as exc:
        raise _Refused(f"cannot use {path}: {_reason(exc)}") from None
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        raise _Refused(f"{path} is a directory; give a file name")
    if stat.S_ISBLK(mode):
        raise _Refused(f"{path} is a block device; a report is never written onto a disk")
    if stat.S_ISREG(mode) and link is None:
        real = os.path.realpath(path)
        _check_replaceable(real, st)
        return _Place("file", real, _keys(path, st), regular=True)
    kind = "socket" if stat.S_ISSOCK(mode) else "inplace"
    return _Place(kind, path, _keys(path, st), regular=stat.S_ISREG(mode))


def _check_replaceable(path: str, st: os.stat_result) -> None:
    """Refuse now what os.replace would refuse at the end: in a sticky folder (/tmp), a
    file of another user can be replaced only by that user, the folder's owner or root."""
    uid = os.geteuid()
    try:
        folder = os.stat(os.path.dirname(path))
    except OSError:
        return  # told when the temporary file is made
    if (folder.st_mode & stat.S_ISVTX and uid not in (0, st.st_uid, folder.st_uid)):
        raise _Refused(f"cannot replace {path}: it belongs to another user (uid {st.st_uid}) "
                       "in a sticky folder; remove it, or give another path")


def _open(place: _Place, target: ReportTarget) -> TextIO:
    """The stream of a located target; raises _Refused with the reason for people."""
    if place.kind == "stdout":
        if sys.stdout is None:
            raise _Refused("standard output is closed")
        return sys.stdout
    where = str(place.where)
    if place.kind == "fd":
        fd = _dup_for_writing(int(place.where), target.label)
    elif place.kind == "socket":
        fd = _connect(where)
    elif place.kind == "inplace":
        flags = os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC | (os.O_TRUNC if place.regular else 0)
        try:
            fd = os.open(where, flags)
        except OSError as exc:
            raise _Refused(f"cannot open {where} for writing: {_reason(exc)}") from None
    else:
        fd, target._tmp = _temporary(where)
    return os.fdopen(fd, "w", encoding="utf-8", newline="\n")


def _dup_for_writing(fd: int, label: str) -> int:
    """A copy of an inherited descriptor: /dev/fd/N of a socket cannot be opened (ENXIO)."""
    import fcntl
    try:
        if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_RDONLY:
            raise _Refused(f"descriptor {fd} ({label}) is open for reading only")
        return os.dup(fd)
    except OSError as exc:
        raise _Refused(f"cannot write to descriptor {fd} ({label}): {_reason(exc)}") from None


def _connect(path: str) -> int:
    import socket
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError as exc:
        sock.close()
        raise _Refused(f"cannot connect to the socket {path}: {_reason(exc)}") from None
    return sock.detach()


def _temporary(final: str) -> tuple[int, str]:
    """A new file beside FINAL, with FINAL's mode (and owner, as root) or the umask's."""
    folder = os.path.dirname(final)
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise _Refused(f"cannot create the folder {folder}: {_reason(exc)}") from None
    try:
        existing: os.stat_result | None = os.stat(final)
    except OSError:
        existing = None
    while True:
        tmp = os.path.join(folder, f"{TEMP_PREFIX}{os.urandom(6).hex()}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
            break
        except FileExistsError:
            continue
        except OSError as exc:
            raise _Refused(f"cannot write a file in {folder}: {_reason(exc)} (the report "
                           "is written beside its file, then renamed over it)") from None
    if existing is not None:
        try:
            if os.geteuid() == 0:
                os.fchown(fd, existing.st_uid, existing.st_gid)
            os.fchmod(fd, stat.S_IMODE(existing.st_mode))
        except OSError as exc:
            os.close(fd)
            os.unlink(tmp)
            raise _Refused(f"cannot give {tmp} the mode of {final}: {_reason(exc)}") from None
    return fd, tmp


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
