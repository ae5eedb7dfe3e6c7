"""The host a run checks, and what sources ask of it (API 1.3).

A source no longer touches the machine itself: from a block's arguments it
says what it needs (:class:`ReadFile`, :class:`RunProgram`, :class:`ListFolder`,
:class:`StatPath`), the engine has the host answer, and from the answers the
source builds its data. The local host answers from this machine (or from a
folder tree, ``--root``); a remote host can answer every request of a run in
one round trip.
"""
from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple, Union


class ReadFile(NamedTuple):
    """The bytes of a file (at most the block's ``max_size``). With ``glob``, the path
    is a pattern and the answer maps every matching path to its bytes or error. With
    ``within`` (a folder), a path whose links lead out of that folder is refused. With
    ``max_size``, a smaller limit for this request (a file known to be small). With
    ``pieces`` (API 1.8), a host that can read a regular file a piece at a time may
    answer with a :class:`~tstconfig_core.streamed.FilePieces` instead of the bytes
    (:meth:`Host.read_pieces`): a source that asks must take either."""

    path: str
    glob: bool = False
    within: str | None = None
    max_size: int | None = None
    pieces: bool = False


class RunProgram(NamedTuple):
    """Run a program (no shell; standard input empty) within the block's timeout; its
    output is bounded by the block's ``max_size``."""

    argv: tuple[str, ...]


class ListFolder(NamedTuple):
    """The entries of a folder, with what each is. With ``glob``, the path is a pattern
    and the answer maps every matching folder to its entries or error; ``within`` as for
    ReadFile."""

    path: str
    glob: bool = False
    within: str | None = None


class StatPath(NamedTuple):
    """What is at a path: its kind, mode, owner, size; a symbolic link is not followed.
    With ``glob`` (API 1.5), the path is a pattern and the answer maps every matching
    path to its PathStat or error."""

    path: str
    glob: bool = False


HostRequest = Union[ReadFile, RunProgram, ListFolder, StatPath]


class HostError(Exception):
    """A request the host could not answer (no such file, permission denied, a program
    that could not run or ran too long): an answer, for the source to report."""


class NoSuchPath(HostError):
    """Nothing is at the path (a table a kernel without IPv6 does not have)."""


class TooLargeAnswer(HostError):
    """A file or a program's output past the block's ``max_size``."""


class TimeoutAnswer(HostError):
    """The block's timeout ran out: a program killed, a request not answered in time."""


def program_timed_out(seconds: float) -> TimeoutAnswer:
    return TimeoutAnswer(f"command timed out after {seconds:g} s and was killed "
                         "(raise it with 'timeout SECONDS' or --timeout)")


def program_too_large(max_size: int) -> TooLargeAnswer:
    """What a program's output past the block's ``max_size`` is, on any host."""
    from tstconfig_core.limits import shown_size
    return TooLargeAnswer(f"command printed more than the size limit of "
                          f"{shown_size(max_size)} and was killed (raise it with "
                          "'max_size SIZE' in the block or --max-size)")


def _reading_timed_out(seconds: float, path: str) -> TimeoutAnswer:
    return TimeoutAnswer(f"reading {path} took longer than the block's timeout of {seconds:g} s"
                         " (raise it with 'timeout SECONDS' or --timeout)")


class ProgramResult(NamedTuple):
    stdout: bytes
    stderr: bytes          # its first 64 KiB
    exit_status: int       # 128 + N when killed by signal N, as a shell says
    stderr_dropped: int = 0  # bytes of standard error past what is kept
    #: The program exited while processes it started still held its output open: they
    #: were killed after a short grace, and what they would have written later is not here.
    output_cut: bool = False


class Entry(NamedTuple):
    """One entry of a folder."""

    name: str
    kind: str              # file, directory, symlink, fifo, socket, char, block, other
    target: str | None = None  # a symbolic link's target


class PathStat(NamedTuple):
    kind: str              # as Entry.kind
    mode: int              # the permission bits (and setuid, setgid, sticky)
    uid: int
    gid: int
    size: int
    mtime: float
    target: str | None = None  # a symbolic link's target


#: One answer: bytes (ReadFile; or a FilePieces, asked for ``pieces``), a ProgramResult
#: (RunProgram), entries (ListFolder), a
#: PathStat (StatPath), a mapping of path to one of those (a glob), or the HostError
#: that says why there is none.
Answer = Union[bytes, ProgramResult, tuple[Entry, ...], PathStat,
               Mapping[str, object], HostError]


class Host(ABC):
    """A machine (or a folder tree) that answers sources' requests."""

    #: For reports: ``localhost``, a host name, a folder.
    name: str = "localhost"
    #: (API 1.6) For ``--list-plugins``, when the class is a fleet host kind.
    summary: str = ""
    #: This very machine, as a source that reads by itself (API 1.0 ``read``) sees it.
    #: Such a source is refused on any other host: it would check this machine instead.
    this_machine: bool = False

    def answer(self, requests: Sequence[HostRequest], timeout: float,
               max_size: int) -> list[Answer]:
        """An answer for each request, in order; a HostError is an answer too.

        All of them within ``timeout`` seconds: a program gets what is left of it, and a
        request (or a glob's next path) met past it is answered TimeoutAnswer.
        """
        deadline = time.monotonic() + timeout
        answers: list[Answer] = []
        for request in requests:
            try:
                answers.append(self._one(request, timeout, max_size, deadline))
            except HostError as exc:
                answers.append(_bare(exc))
        return answers

    def _one(self, request: HostRequest, timeout: float, max_size: int,
             deadline: float | None = None) -> Answer:
        if deadline is None:
            deadline = time.monotonic() + timeout
        left = deadline - time.monotonic()
        if left <= 0:
            if isinstance(request, RunProgram):
                raise program_timed_out(timeout)
            raise _reading_timed_out(timeout, getattr(request, "path", "?"))
        if isinstance(request, ReadFile):
            limit = request.max_size
            if isinstance(limit, int) and 0 < limit < max_size:
                max_size = limit
            if request.glob:
                return self._each(request, lambda path: self.read(path, max_size,
                                                                  request.within),
                                  timeout, deadline)
            if request.pieces:
                return self.read_pieces(request.path, max_size, request.within)
            return self.read(request.path, max_size, request.within)
        if isinstance(request, RunProgram):
            try:
                return self.run(request.argv, left, max_size)
            except TimeoutAnswer:
                raise program_timed_out(timeout) from None  # the block's, not what was left
        if isinstance(request, ListFolder):
            if request.glob:
                return self._each(request, lambda path: self.list(path, request.within),
                                  timeout, deadline)
            return self.list(request.path, request.within)
        if isinstance(request, StatPath):
            if request.glob:
                return self._each(request, self.stat, timeout, deadline)
            return self.stat(request.path)
        raise HostError(f"this host cannot answer {type(request).__name__}")

    def _each(self, request: ReadFile | ListFolder | StatPath, ask: Callable[[str], object],
              timeout: float, deadline: float) -> dict[str, object]:
        """Every match's answer; past the deadline, the whole answer is a TimeoutAnswer."""
        found: dict[str, object] = {}
        try:
            paths = self.matches(request.path, deadline)
        except TimeoutAnswer:
            raise _reading_timed_out(timeout, request.path) from None
        for path in paths:
            if time.monotonic() > deadline:
                found.clear()
                raise _reading_timed_out(timeout, request.path)
            try:
                found[path] = ask(path)
            except HostError as exc:
                found[path] = _bare(exc)
        return found

    def prefetch(self, needs: Sequence[tuple[HostRequest, float, int]]) -> None:
        """(API 1.6) Every request a run will make, as (request, timeout, max_size), before
        the first: a remote host answers them all in one round trip, then :meth:`answer`
        serves from what came back. May take long; called from a worker thread. The
        default does nothing (this machine answers each request when asked)."""

    #: (API 1.6) Why this host cannot be checked (unreachable, a refused key), once a
    #: prefetch found out; None while it can be.
    failure: str | None = None

    def cancel(self) -> None:
        """(API 1.6) Stop what :meth:`prefetch` is doing, from another thread (Ctrl-C)."""

    @abstractmethod
    def read(self, path: str, max_size: int, within: str | None = None) -> bytes:
        """The file's bytes; HostError (TooLargeAnswer past ``max_size``, NoSuchPath)."""

    def read_pieces(self, path: str, max_size: int, within: str | None = None) -> Answer:
        """(API 1.8) The file a piece at a time (a FilePieces), when this host can read
        it so; the default reads it whole (:meth:`read`)."""
        return self.read(path, max_size, within)

    @abstractmethod
    def run(self, argv: Sequence[str], timeout: float, max_size: int) -> ProgramResult:
        """Run a program; HostError when it cannot run, runs too long or says too much."""

    @abstractmethod
    def list(self, path: str, within: str | None = None) -> tuple[Entry, ...]:
        """The folder's entries, sorted by name; HostError."""

    @abstractmethod
    def stat(self, path: str) -> PathStat:
        """What is at the path (a link not followed); HostError."""

    @abstractmethod
    def matches(self, pattern: str, deadline: float | None = None) -> list[str]:
        """The paths a glob pattern matches, sorted (none: an empty list); TimeoutAnswer
        when still looking at ``deadline`` (a ``time.monotonic()``)."""


def _bare(exc: HostError) -> HostError:
    """An error kept as an answer holds nothing else: its traceback's frames held what was
    being read (a refused answer kept its whole 64 MiB buffer alive, through its context
    too, which ``raise ... from None`` still sets)."""
    exc.__traceback__ = exc.__context__ = exc.__cause__ = None
    return exc
