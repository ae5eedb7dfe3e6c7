"""Reading what the remote script prints (see :mod:`tstconfig_core.hosts.script`) back
into the answers a local host would give, with the same errors and messages."""
from __future__ import annotations

import binascii
import os
import re
import stat
from typing import Any, BinaryIO

from tstconfig_core.contract.hosts import (Answer, Entry, HostError, ListFolder, NoSuchPath,
                                           PathStat, ProgramResult, ReadFile, RunProgram,
                                           StatPath, TooLargeAnswer, program_timed_out,
                                           program_too_large)
from tstconfig_core.hosts.local import kind_of
from tstconfig_core.hosts.programs import MAX_STDERR
from tstconfig_core.hosts.script import glob_folder
from tstconfig_core.limits import shown_size

#: What each error code of the script means, as the local host says it.
_ERRORS: dict[bytes, tuple[type[HostError], str]] = {
    b"nosuch": (NoSuchPath, "No such file or directory"),
    b"notdir": (NoSuchPath, "Not a directory"),
    b"denied": (HostError, "Permission denied"),
    b"isdir": (HostError, "is a directory"),
    b"fifo": (HostError, "is a named pipe (FIFO), not a file: reading it could wait for ever"),
    b"socket": (HostError, "No such device or address"),  # (as opening one here says)
    b"loop": (HostError, "Too many levels of symbolic links"),
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


#: A header line: a word, a blank, and more; or ``Q`` alone. A line of data has no blank
#: (base64), or begins with one (od's hexadecimal).
_HEADER = re.compile(rb"^(?:[^ \n]+ [^\n]*|Q)\n", re.M)
_CHUNK = 1 << 20


def read_frames(stream: BinaryIO) -> tuple[dict[int, _Frame], bool]:
    """Each request's frames by number, and whether the script got to its end (Q).

    Read a MiB at a time: the hexadecimal between two headers is decoded in one go,
    and a large answer is held once, as bytes, not as lines of text (a 50 MB file
    took 730 MB line by line)."""
    reader = _Reader()
    pending = b""
    while not reader.ended:
        chunk = stream.read1(_CHUNK) if hasattr(stream, "read1") else stream.read(_CHUNK)
        if not chunk:
            break
        pending = reader.feed(pending + chunk if pending else chunk)
    reader.finish(pending)
    for frame in reader.frames.values():
        for said in (frame.current, *(frame.matches or ())):
            for key, value in said.items():
                if isinstance(value, list):
                    said[key] = b"".join(value)
                    value.clear()
    return reader.frames, reader.ended


class _Reader:
    def __init__(self) -> None:
        self.frames: dict[int, _Frame] = {}
        self.into: tuple[dict[str, Any], str] | None = None
        self.ended = False
        self.base64: bool | None = None  # (the H line says)

    def feed(self, data: bytes) -> bytes:
        """Take what is complete (whole lines) of ``data``; give back the rest."""
        last = data.rfind(b"\n") + 1
        at = 0
        for header in _HEADER.finditer(data, 0, last):
            self._data(data, at, header.start())
            at = header.end()
            self._header(header.group())
            if self.ended:
                return b""
        self._data(data, at, last)
        return data[last:]

    def finish(self, rest: bytes) -> None:
        if rest.strip() and not self.ended:
            if rest[:1] == b" ":
                self._data(rest + b"\n", 0, len(rest) + 1)
            # (a header cut short: the connection broke; the answer is incomplete)

    def _data(self, data: bytes, start: int, end: int) -> None:
        if start >= end or not data[start:end].strip():
            return
        if self.into is None or self.base64 is None:
            raise ProtocolError("data outside any frame")
        target, key = self.into
        try:
            if self.base64:
                decoded = binascii.a2b_base64(data[start:end])
            else:
                decoded = bytes.fromhex(data[start:end].decode("ascii"))
        except (ValueError, UnicodeDecodeError, binascii.Error):
            raise ProtocolError("a line of data cannot be decoded (cut short?)") from None
        target.setdefault(key, []).append(decoded)  # (joined once, at the end)

    def _header(self, line: bytes) -> None:
        self.into = None
        fields = line.split()
        tag = fields[0]
        if tag == b"Q":
            self.ended = True
            return
        if tag == b"H":
            self.base64 = fields[1:2] == [b"b"]
            return
        if len(fields) < 2 or not fields[1].isdigit():
            raise ProtocolError(f"unexpected line {line[:60]!r}")
        frame = self.frames.setdefault(int(fields[1]), _Frame())
        target = frame.current
        if tag == b"M":
            if frame.matches is None:
                frame.matches = []
            frame.current = target = {}
            frame.matches.append(target)
            self.into = (target, "path")
        elif tag == b"D":
            target["data"] = []
            self.into = (target, "data")
        elif tag == b"E":
            target["error"] = fields[2] if len(fields) > 2 else b"unreadable"
            self.into = (target, "detail")
        elif tag in (b"S", b"X") and len(fields) > 2 and fields[2].isdigit():
            target["status" if tag == b"S" else "dropped"] = int(fields[2])
        elif tag == b"K":
            target["killed"] = True
        elif tag == b"W":
            self.into = (target, "stderr")
        elif tag == b"L":
            self.into = (target, "listing")
        elif tag == b"T":
            target["stat"] = tuple(fields[2:7])
            self.into = (target, "target")
        else:
            raise ProtocolError(f"unexpected line {line[:60]!r}")


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
        return HostError(f"cannot look in {glob_folder(getattr(request, 'path', '/'))!r} for "
                         f"{getattr(request, 'path', '?')!r}: permission denied")
    kind, message = _ERRORS.get(code, (HostError, f"failed ({code.decode(errors='replace')})"))
    return kind(message)


def _program(said: dict[str, Any], timeout: float, max_size: int) -> Answer:
    out = said.get("data", b"")
    status = said.get("status")
    if status is None:
        return HostError("the program's end was not reported (the connection broke?)")
    if len(out) > max_size:
        return program_too_large(max_size)
    if said.get("killed") or status == 124:  # (124: timeout's own status, on a host
        return program_timed_out(timeout)     # whose time could not be read)
    err, dropped = said.get("stderr", b""), said.get("dropped", 0)
    if len(err) > MAX_STDERR:  # (the host keeps whole lines of its encoding: a few more)
        err, dropped = err[:MAX_STDERR], dropped + len(err) - MAX_STDERR
    return ProgramResult(out, err, status, dropped)


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
