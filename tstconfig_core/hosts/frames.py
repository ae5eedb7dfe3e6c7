"""Reading what the remote script prints (see :mod:`tstconfig_core.hosts.script`) back
into the answers a local host would give, with the same errors and messages."""
from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from typing import Any

from tstconfig_core.contract.hosts import (Answer, Entry, HostError, ListFolder, NoSuchPath,
                                           PathStat, ProgramResult, ReadFile, RunProgram,
                                           StatPath, TooLargeAnswer, program_timed_out)
from tstconfig_core.hosts.local import kind_of
from tstconfig_core.limits import shown_size

#: What each error code of the script means, as the local host says it.
_ERRORS: dict[bytes, tuple[type[HostError], str]] = {
    b"nosuch": (NoSuchPath, "No such file or directory"),
    b"notdir": (NoSuchPath, "Not a directory"),
    b"denied": (HostError, "Permission denied"),
    b"isdir": (HostError, "is a directory"),
    b"fifo": (HostError, "is a named pipe (FIFO), not a file: reading it could wait for ever"),
    b"socket": (HostError, "is a socket, not a file: reading it could wait for ever"),
    b"unreadable": (HostError, "could not be read"),
    b"nostat": (HostError, "could not be looked at (this host's stat has no -c: GNU "
                           "coreutils or BusyBox is needed)"),
    b"nowithin": (HostError, "cannot tell where its links lead: this host has no readlink"),
}


class ProtocolError(Exception):
    """The script's output is not what it prints: the connection or the host broke."""


class _Frame:
    """One request's frames, as they arrive."""

    __slots__ = ("matches", "current", "done")

    def __init__(self) -> None:
        self.matches: list[dict[str, Any]] | None = None  # a glob's answers, one per match
        self.current: dict[str, Any] = {}  # what the frames said of the request (or match)
        self.done = False


def read_frames(lines: Iterable[bytes]) -> tuple[dict[int, _Frame], bool]:
    """Each request's frames by number, and whether the script got to its end (Q)."""
    frames: dict[int, _Frame] = {}
    data: list[bytes] = []
    into: tuple[dict[str, Any], str] | None = None
    ended = False
    for line in lines:
        if line[:1] == b" ":
            if into is None:
                raise ProtocolError("data outside any frame")
            data.append(line)
            continue
        if into is not None:
            into[0][into[1]] = bytes.fromhex(b"".join(data).decode("ascii"))
            data.clear()
            into = None
        fields = line.split()
        if not fields:
            continue
        tag = fields[0]
        if tag == b"Q":
            ended = True
            break
        if len(fields) < 2 or not fields[1].isdigit():
            raise ProtocolError(f"unexpected line {line[:60]!r}")
        frame = frames.setdefault(int(fields[1]), _Frame())
        target = frame.current
        if tag == b"M":
            if frame.matches is None:
                frame.matches = []
            frame.current = target = {}
            into = (target, "path")
            frame.matches.append(target)
        elif tag == b"D":
            target["data"] = b""
            into = (target, "data")
        elif tag == b"E":
            target["error"] = fields[2] if len(fields) > 2 else b"unreadable"
            into = (target, "detail")
        elif tag == b"S":
            target["status"] = int(fields[2])
        elif tag == b"W":
            into = (target, "stderr")
        elif tag == b"X":
            target["dropped"] = int(fields[2])
        elif tag == b"L":
            into = (target, "listing")
        elif tag == b"T":
            target["stat"] = fields[2:7]
            into = (target, "target")
        else:
            raise ProtocolError(f"unexpected line {line[:60]!r}")
    if into is not None:
        into[0][into[1]] = bytes.fromhex(b"".join(data).decode("ascii"))
    return frames, ended


def answer_of(frame: _Frame | None, request: object, timeout: float, max_size: int) -> Answer:
    """The answer the frames of one request give, or the HostError they say."""
    if frame is None:  # (a pattern that matched nothing prints no frame)
        return {} if getattr(request, "glob", False) else HostError(
            "the remote host gave no answer to this request")
    if frame.matches is not None or getattr(request, "glob", False):
        if frame.matches is None and "error" in frame.current:
            return _error(frame.current, request, max_size)
        found: dict[str, object] = {}
        for said in frame.matches or ():
            path = os.fsdecode(said.get("path", b""))
            found[path] = _one(said, request, timeout, max_size)
        return dict(sorted(found.items()))
    return _one(frame.current, request, timeout, max_size)


def _one(said: dict[str, Any], request: object, timeout: float, max_size: int) -> Answer:
    if "error" in said:
        return _error(said, request, max_size)
    if isinstance(request, ReadFile):
        data = said.get("data", b"")
        limit = request.max_size if isinstance(request.max_size, int) and \
            0 < request.max_size < max_size else max_size
        if len(data) > limit:
            return TooLargeAnswer(f"more than {shown_size(limit)}")
        return data
    if isinstance(request, RunProgram):
        return _program(said, timeout, max_size)
    if isinstance(request, ListFolder):
        return _listing(said.get("listing", b""))
    if isinstance(request, StatPath):
        return _stat(said)
    return HostError(f"this host cannot answer {type(request).__name__}")


def _error(said: dict[str, Any], request: object, max_size: int) -> HostError:
    code = said["error"]
    if code == b"noprog" and isinstance(request, RunProgram):
        return HostError(f"command not found: {request.argv[0]!r}")
    if code == b"noexec" and isinstance(request, RunProgram):
        return HostError(f"command not executable (permission denied): {request.argv[0]!r}")
    if code == b"outside":
        within = getattr(request, "within", None)
        return HostError(f"leads out of {within} (to {os.fsdecode(said.get('detail', b''))})")
    if code == b"globdenied":
        return HostError(f"cannot look in {_folder(request)!r} for "
                         f"{getattr(request, 'path', '?')!r}: permission denied")
    kind, message = _ERRORS.get(code, (HostError, f"failed ({code.decode(errors='replace')})"))
    return kind(message)


def _folder(request: object) -> str:
    from tstconfig_core.hosts.script import _glob_folder
    return _glob_folder(getattr(request, "path", "/"))


def _program(said: dict[str, Any], timeout: float, max_size: int) -> Answer:
    out = said.get("data", b"")
    status = said.get("status")
    if status is None:
        return HostError("the program's end was not reported (the connection broke?)")
    if len(out) > max_size:
        return TooLargeAnswer(f"command printed more than the size limit of "
                              f"{shown_size(max_size)} and was killed (raise it with "
                              "'max_size SIZE' in the block or --max-size)")
    if status == 124:  # timeout's own status: the program was killed when time ran out
        return program_timed_out(timeout)
    return ProgramResult(out, said.get("stderr", b""), status, said.get("dropped", 0))


def _listing(raw: bytes) -> tuple[Entry, ...]:
    fields = raw.split(b"\0")
    entries = []
    for head, target in zip(fields[0::2], fields[1::2]):
        kind, _, name = head.partition(b"/")
        link = os.fsdecode(target[:-1] if target.endswith(b"\n") else target)
        entries.append(Entry(os.fsdecode(name), kind.decode("ascii", "replace"),
                             link if kind == b"symlink" else None))
    return tuple(sorted(entries))


def _stat(said: dict[str, Any]) -> Answer:
    try:
        mode_hex, uid, gid, size, mtime = said["stat"]
        mode = int(mode_hex, 16)
        target = said.get("target")
        link = None
        if stat.S_ISLNK(mode) and target is not None:
            link = os.fsdecode(target[:-1] if target.endswith(b"\n") else target)
        return PathStat(kind_of(mode), stat.S_IMODE(mode), int(uid), int(gid), int(size),
                        float(mtime), link)
    except (KeyError, ValueError):
        return HostError("could not be looked at: stat said something unexpected")
