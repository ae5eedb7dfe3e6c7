"""The local host: this machine, or a folder tree checked as if it were one.

``LocalHost()`` answers from this machine. ``LocalHost(root=DIR)`` answers every
file and /proc read from the tree under DIR (a mounted image, a container's
root filesystem, a fixture): paths are resolved inside it, absolute symbolic
links included, and never leave it; programs are not run there, since they
would check this machine instead. ``proc_root`` moves /proc alone
(``--proc-root``), for a recorded /proc.
"""
from __future__ import annotations

import glob
import os
import stat
from collections.abc import Sequence

from tstconfig_core.contract.hosts import (Entry, Host, HostError, PathStat, ProgramResult,
                                           TooLargeAnswer)
from tstconfig_core.limits import TooLarge, read_bounded

PROC = "/proc"
MAX_LINKS = 40

_KINDS = ((stat.S_ISREG, "file"), (stat.S_ISDIR, "directory"), (stat.S_ISLNK, "symlink"),
          (stat.S_ISFIFO, "fifo"), (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "char"),
          (stat.S_ISBLK, "block"))


def kind_of(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "other")


class LocalHost(Host):
    def __init__(self, root: str | None = None, proc_root: str | None = None) -> None:
        self.root = os.path.abspath(root) if root else None
        if proc_root is None:
            proc_root = PROC if self.root is None else os.path.join(self.root, "proc")
        #: Where /proc is read; a path that would lead out of it is refused.
        self.proc_root = os.path.abspath(proc_root)
        self.name = "localhost" if self.root is None else self.root

    # -- where a host path is here ------------------------------------------------

    def where(self, path: str, follow: bool = True) -> str:
        """This machine's path for a path on the host; HostError if it would leave the
        folder tree or the /proc root. ``follow=False`` leaves a link at the end be."""
        if path == PROC or path.startswith(PROC + "/"):
            return self._in_proc(path[len(PROC):].lstrip("/"))
        if self.root is None:
            return path
        return _inside(self.root, path, follow)

    def _in_proc(self, relative: str) -> str:
        full = os.path.join(self.proc_root, relative)
        real_root, real = os.path.realpath(self.proc_root), os.path.realpath(full)
        if real != real_root and not real.startswith(real_root + os.sep):
            raise HostError(f"leads out of the /proc root (to {real})")
        return full

    def _back(self, local: str) -> str:
        """The host path of a path found here (by a glob)."""
        for base, prefix in ((self.proc_root, PROC), (self.root, "")):
            if base is not None and (local == base or local.startswith(base + os.sep)):
                return (prefix + local[len(base):]) or "/"
        return local

    # -- the primitives -------------------------------------------------------------

    def read(self, path: str, max_size: int) -> bytes:
        try:
            return read_bounded(self.where(path), max_size)
        except TooLarge as exc:
            raise TooLargeAnswer(str(exc)) from None
        except OSError as exc:
            raise HostError(exc.strerror or str(exc)) from None
        except ValueError as exc:  # a NUL character in the path
            raise HostError(str(exc)) from None

    def run(self, argv: Sequence[str], timeout: float, max_size: int) -> ProgramResult:
        if self.root is not None:
            raise HostError(f"programs are not run on a folder tree ({self.root}): they "
                            "would check this machine instead")
        from tstconfig_core.hosts.programs import run_program
        return run_program(argv, timeout, max_size)

    def list(self, path: str) -> tuple[Entry, ...]:
        try:
            with os.scandir(self.where(path)) as found:
                entries = [self._entry(e) for e in found]
        except OSError as exc:
            raise HostError(exc.strerror or str(exc)) from None
        except ValueError as exc:
            raise HostError(str(exc)) from None
        return tuple(sorted(entries))

    @staticmethod
    def _entry(entry: os.DirEntry[str]) -> Entry:
        try:
            mode = entry.stat(follow_symlinks=False).st_mode
        except OSError:
            return Entry(entry.name, "other")
        target = None
        if stat.S_ISLNK(mode):
            try:
                target = os.readlink(entry.path)
            except OSError:
                pass
        return Entry(entry.name, kind_of(mode), target)

    def stat(self, path: str) -> PathStat:
        try:
            local = self.where(path, follow=False)
            st = os.lstat(local)
            target = os.readlink(local) if stat.S_ISLNK(st.st_mode) else None
        except OSError as exc:
            raise HostError(exc.strerror or str(exc)) from None
        except ValueError as exc:
            raise HostError(str(exc)) from None
        return PathStat(kind_of(st.st_mode), stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid,
                        st.st_size, st.st_mtime, target)

    def matches(self, pattern: str) -> list[str]:
        try:
            local = self.where(pattern)
        except HostError:
            return []
        return sorted(self._back(p) for p in glob.glob(local))


def _inside(root: str, path: str, follow_last: bool = True) -> str:
    """``path`` resolved as if ``root`` were ``/``: ``..`` stops at the root, and each
    symbolic link met on the way is followed inside the tree, absolute ones too (the
    last one only when ``follow_last``: ``stat`` looks at a link itself)."""
    pending = [p for p in path.split("/") if p and p != "."]
    resolved: list[str] = []
    links = 0
    while pending:
        part = pending.pop(0)
        if part == "..":
            if resolved:
                resolved.pop()
            continue
        candidate = os.path.join(root, *resolved, part)
        if (pending or follow_last) and os.path.islink(candidate):
            links += 1
            if links > MAX_LINKS:
                raise HostError("too many levels of symbolic links")
            target = os.readlink(candidate)
            if target.startswith("/"):
                resolved = []
            pending[:0] = [p for p in target.split("/") if p and p != "."]
            continue
        resolved.append(part)
    return os.path.join(root, *resolved)
