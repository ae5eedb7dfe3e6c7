"""What a report path is (a file to replace, or a stream to write in place), and
opening it: the half of report targets that talks to the file system."""
from __future__ import annotations

import os
import re
import stat
import sys
from collections.abc import Hashable
from typing import NamedTuple, TextIO

STDOUT = "standard output"
TEMP_PREFIX = ".tstconfig-"
_FD_DIR = re.compile(r"/proc/(\d+)(?:/task/\d+)?/fd")
_DEV_NULL = os.makedev(1, 3)  # any number of reports may be thrown away there


class Refused(Exception):
    """A report target that cannot be used: a usage error, told before anything runs."""


class Place(NamedTuple):
    """What a report path turned out to be, and what identifies it for collisions."""

    kind: str          # stdout | fd | inplace | socket | file
    where: str | int   # the descriptor (fd), or the path to open, connect or replace
    keys: frozenset[Hashable]
    regular: bool = False


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def place_keys(path: str | None, st: os.stat_result | None) -> frozenset[Hashable]:
    """The resolved path and the file's device and inode: equal keys are one place."""
    if st is not None and stat.S_ISCHR(st.st_mode) and st.st_rdev == _DEV_NULL:
        return frozenset()
    keys: set[Hashable] = set() if path is None else {os.path.realpath(path)}
    if st is not None:
        keys.add((st.st_dev, st.st_ino))
    return frozenset(keys)


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


def locate(path: str | None) -> Place:
    if path is None:
        try:
            st = os.fstat(1)
        except OSError:
            raise Refused("standard output is closed") from None
        return Place("stdout", 1, place_keys(None, st) | {STDOUT})
    link = _fd_link(path)
    if link is not None and link[0] == os.getpid():
        try:
            st = os.fstat(link[1])
        except OSError as exc:
            raise Refused(f"descriptor {link[1]} ({path}) is not open: {_reason(exc)}") from None
        return Place("fd", link[1], place_keys(None, st))
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return Place("file", os.path.realpath(path), place_keys(path, None), regular=True)
    except OSError as exc:
        raise Refused(f"cannot use {path}: {_reason(exc)}") from None
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        raise Refused(f"{path} is a directory; give a file name")
    if stat.S_ISBLK(mode):
        raise Refused(f"{path} is a block device; a report is never written onto a disk")
    if stat.S_ISREG(mode) and link is None:
        real = os.path.realpath(path)
        _check_replaceable(real, st)
        return Place("file", real, place_keys(path, st), regular=True)
    kind = "socket" if stat.S_ISSOCK(mode) else "inplace"
    return Place(kind, path, place_keys(path, st), regular=stat.S_ISREG(mode))


def _check_replaceable(path: str, st: os.stat_result) -> None:
    """Refuse now what os.replace would refuse at the end: in a sticky folder (/tmp), a
    file of another user can be replaced only by that user, the folder's owner or root."""
    uid = os.geteuid()
    try:
        folder = os.stat(os.path.dirname(path))
    except OSError:
        return  # told when the temporary file is made
    if (folder.st_mode & stat.S_ISVTX and uid not in (0, st.st_uid, folder.st_uid)):
        raise Refused(f"cannot replace {path}: it belongs to another user (uid {st.st_uid}) "
                       "in a sticky folder; remove it, or give another path")


def open_place(place: Place, label: str) -> tuple[TextIO, str | None]:
    """(the stream of a located target, the temporary file to rename at the end, if any);
    raises Refused with the reason for people."""
    if place.kind == "stdout":
        if sys.stdout is None:
            raise Refused("standard output is closed")
        return sys.stdout, None
    where, tmp = str(place.where), None
    if place.kind == "fd":
        fd = _dup_for_writing(int(place.where), label)
    elif place.kind == "socket":
        fd = _connect(where)
    elif place.kind == "inplace":
        flags = os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC | (os.O_TRUNC if place.regular else 0)
        try:
            fd = os.open(where, flags)
        except OSError as exc:
            raise Refused(f"cannot open {where} for writing: {_reason(exc)}") from None
    else:
        fd, tmp = _temporary(where)
    return os.fdopen(fd, "w", encoding="utf-8", newline="\n"), tmp


def _dup_for_writing(fd: int, label: str) -> int:
    """A copy of an inherited descriptor: /dev/fd/N of a socket cannot be opened (ENXIO)."""
    import fcntl
    try:
        if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_RDONLY:
            raise Refused(f"descriptor {fd} ({label}) is open for reading only")
        return os.dup(fd)
    except OSError as exc:
        raise Refused(f"cannot write to descriptor {fd} ({label}): {_reason(exc)}") from None


def _connect(path: str) -> int:
    import socket
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError as exc:
        sock.close()
        raise Refused(f"cannot connect to the socket {path}: {_reason(exc)}") from None
    return sock.detach()


def _temporary(final: str) -> tuple[int, str]:
    """A new file beside FINAL, with FINAL's mode (and owner, as root) or the umask's."""
    folder = os.path.dirname(final)
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise Refused(f"cannot create the folder {folder}: {_reason(exc)}") from None
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
            raise Refused(f"cannot write a file in {folder}: {_reason(exc)} (the report "
                           "is written beside its file, then renamed over it)") from None
    if existing is not None:
        try:
            if os.geteuid() == 0:
                os.fchown(fd, existing.st_uid, existing.st_gid)
            os.fchmod(fd, stat.S_IMODE(existing.st_mode))
        except OSError as exc:
            os.close(fd)
            os.unlink(tmp)
            raise Refused(f"cannot give {tmp} the mode of {final}: {_reason(exc)}") from None
    return fd, tmp
