"""The local host: this machine, or a folder tree checked as if it were one.

``LocalHost()`` answers from this machine. ``LocalHost(root=DIR)`` answers every
read from the tree under DIR (a mounted image, a container's root filesystem,
a fixture): paths are resolved inside it, absolute symbolic links and ``..``
included, so nothing outside it is read; devices are not read and programs
are not run there, since they would be this machine's. ``proc_root`` says
where this host's /proc is (``--proc-root``): every read of /proc goes there.
"""
from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from tstconfig_core.contract.hosts import (Answer, Entry, Host, HostError, NoSuchPath,
                                           PathStat, ProgramResult, TimeoutAnswer,
                                           TooLargeAnswer)
from tstconfig_core.limits import TooLarge, read_bounded, shown_size
from tstconfig_core.streamed import FilePieces

PROC = "/proc"
MAX_LINKS = 40

_KINDS = ((stat.S_ISREG, "file"), (stat.S_ISDIR, "directory"), (stat.S_ISLNK, "symlink"),
          (stat.S_ISFIFO, "fifo"), (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "char"),
          (stat.S_ISBLK, "block"))


def kind_of(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "other")


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


class LocalHost(Host):
    def __init__(self, root: str | None = None, proc_root: str | None = None) -> None:
        # (kept as given, normalized: messages show them as the person wrote them)
        self.root = os.path.normpath(root) if root else None
        self.proc_root = os.path.normpath(proc_root) if proc_root else None
        self.this_machine = self.root is None
        self.name = "localhost" if self.root is None else self.root
        self._bounds: dict[str, str] = {}  # ``within`` folder -> where it really is

    # -- where a host path is here ----------------------------------------------------

    def where(self, path: str, follow: bool = True, within: str | None = None) -> str:
        """This machine's path for a path on the host: under the /proc root, inside the
        tree, or as it is. ``within``: refused (HostError) when its links lead out of
        that folder. ``follow=False`` leaves a link at the end as it is."""
        local = self._mapped(path, follow)
        if within is not None:
            bound = self._bounds.get(within)
            if bound is None:  # (kept: a folder replaced by a link later only refuses more)
                bound = self._bounds[within] = os.path.realpath(self._mapped(within))
            real = _real(local)
            if not _under(real, bound):
                raise HostError(f"leads out of {within} (to {self._back(real)})")
        return local

    def _mapped(self, path: str, follow: bool = True) -> str:
        if self.proc_root is not None and _under(path, PROC):
            return os.path.join(self.proc_root, path[len(PROC):].lstrip("/"))
        if self.root is not None:
            return _inside(self.root, path, follow)
        return path

    def _back(self, local: str) -> str:
        """The host path of a path found here."""
        for base, prefix in ((self.proc_root, PROC), (self.root, "")):
            if base is not None and _under(local, base):
                return (prefix + local[len(base):]) or "/"
        return local

    def _failed(self, exc: OSError, path: str) -> HostError:
        local = self._mapped(path) if self.proc_root or self.root else path
        here = f" (here: {local})" if local != path else ""
        # (a path through a file, /etc/passwd/x, has nothing at it either)
        kind = NoSuchPath if isinstance(exc, (FileNotFoundError, NotADirectoryError)) else HostError
        return kind(f"{exc.strerror or exc}{here}")

    # -- the primitives ---------------------------------------------------------------

    def read(self, path: str, max_size: int, within: str | None = None) -> bytes:
        return self._reading(path, within, lambda local: read_bounded(local, max_size))

    def read_pieces(self, path: str, max_size: int, within: str | None = None) -> Answer:
        """A regular file of known size a piece at a time; anything else (a file of
        /proc, which says 0, a device) read whole, as :meth:`read` reads it."""
        def opened(local: str) -> Answer:
            fd = os.open(local, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
            try:
                status = os.fstat(fd)
                if not (stat.S_ISREG(status.st_mode) and status.st_size > 0):
                    return read_bounded(local, max_size)
                if status.st_size > max_size:
                    raise TooLarge(f"more than {shown_size(max_size)}")
                pieces, fd = FilePieces(fd, path, max_size, status.st_size), -1
                return pieces
            finally:
                if fd >= 0:
                    os.close(fd)
        return self._reading(path, within, opened)

    def _reading(self, path: str, within: str | None, how: Callable[[str], Answer]) -> Any:
        try:
            local = self.where(path, within=within)
            if self.root is not None or (self.proc_root is not None and _under(path, PROC)):
                mode = os.stat(local).st_mode
                if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
                    raise HostError("is a device: a folder tree's devices are this "
                                    "machine's, and are not read" if self.root is not None
                                    else "is a device, which no /proc holds: not read")
            return how(local)
        except TooLarge as exc:
            exc.__traceback__ = None  # its frames hold what was read: not kept in the answer
            raise TooLargeAnswer(str(exc)) from None
        except OSError as exc:
            raise self._failed(exc, path) from None
        except ValueError as exc:  # a NUL character in the path
            raise HostError(str(exc)) from None

    def run(self, argv: Sequence[str], timeout: float, max_size: int) -> ProgramResult:
        if self.root is not None:
            raise HostError(f"programs are not run on a folder tree ({self.root}): they "
                            "would check this machine instead")
        from tstconfig_core.hosts.programs import run_program
        return run_program(argv, timeout, max_size)

    def list(self, path: str, within: str | None = None) -> tuple[Entry, ...]:
        try:
            with os.scandir(self.where(path, within=within)) as found:
                entries = [_entry(e) for e in found]
        except OSError as exc:
            raise self._failed(exc, path) from None
        except ValueError as exc:
            raise HostError(str(exc)) from None
        return tuple(sorted(entries))

    def stat(self, path: str) -> PathStat:
        try:
            local = self.where(path, follow=False)
            st = os.lstat(local)
            target = os.readlink(local) if stat.S_ISLNK(st.st_mode) else None
        except OSError as exc:
            raise self._failed(exc, path) from None
        except ValueError as exc:
            raise HostError(str(exc)) from None
        return PathStat(kind_of(st.st_mode), stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid,
                        st.st_size, st.st_mtime, target)

    def matches(self, pattern: str, deadline: float | None = None) -> list[str]:
        import glob  # (only sources that ask for many paths at once need it)
        inside = self.root is not None and not (self.proc_root and _under(pattern, PROC))
        try:
            if inside:
                found = sorted(_glob_inside(self.root, pattern, deadline))  # type: ignore[arg-type]
            else:
                found = sorted(self._back(p) for p in _in_time(
                    glob.iglob(self._mapped(pattern)), deadline))
        except TimeoutAnswer:
            raise
        except (HostError, ValueError):
            return []
        if not found:  # nothing, or a folder that could not be looked in (glob says nothing)
            _looked_in(self._mapped(pattern) if not inside else
                       os.path.join(self.root, pattern.lstrip("/")), pattern)  # type: ignore
        return found


def _looked_in(mapped: str, pattern: str) -> None:
    """HostError when the folder a pattern's matches would be in cannot be read: "no
    match" must not stand for "could not look" (a check that nothing is there would
    pass). The folder is the pattern's part before its first wildcard."""
    import glob
    parts = mapped.split("/")
    first = next((i for i, part in enumerate(parts) if glob.has_magic(part)), len(parts))
    folder = "/".join(parts[:first]) or "/"
    try:
        found = os.stat(folder)
    except FileNotFoundError:
        return  # (nothing there: no match is the answer)
    except OSError:  # a folder above it that cannot be searched
        found = None
    if found is None or (stat.S_ISDIR(found.st_mode) and not os.access(folder,
                                                                      os.R_OK | os.X_OK)):
        written = pattern.split("/")
        at = next((i for i, part in enumerate(written) if glob.has_magic(part)), len(written))
        shown = "/".join(written[:at]) or "/"
        raise HostError(f"cannot look in {shown!r} for {pattern!r}: permission denied")


def _entry(entry: os.DirEntry[str]) -> Entry:
    """An entry, from what the folder says of it (a link read, nothing else looked at)."""
    try:
        if entry.is_symlink():
            try:
                return Entry(entry.name, "symlink", os.readlink(entry.path))
            except OSError:
                return Entry(entry.name, "symlink")
        if entry.is_dir(follow_symlinks=False):
            return Entry(entry.name, "directory")
        if entry.is_file(follow_symlinks=False):
            return Entry(entry.name, "file")
        return Entry(entry.name, kind_of(entry.stat(follow_symlinks=False).st_mode))
    except OSError:
        return Entry(entry.name, "other")


def _real(local: str) -> str:
    """Where a path really is, as the kernel resolves it: one open that reads nothing (a
    FIFO does not block) and its link in /proc/self/fd; else as os.path.realpath says
    (a path that does not exist, a link loop: its read will say what is wrong)."""
    try:
        fd = os.open(local, _O_PATH | os.O_CLOEXEC)
    except OSError:
        return os.path.realpath(local)
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return os.path.realpath(local)
    finally:
        os.close(fd)


_O_PATH = getattr(os, "O_PATH", os.O_RDONLY | os.O_NONBLOCK)


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


def _in_time(paths: Iterable[str], deadline: float | None) -> Iterator[str]:
    """The paths, until the deadline (time.monotonic()): then TimeoutAnswer."""
    for count, path in enumerate(paths):
        if deadline is not None and not count % 32 and time.monotonic() > deadline:
            raise TimeoutAnswer("the glob took longer than the timeout")
        yield path


def _glob_inside(root: str, pattern: str, deadline: float | None = None) -> list[str]:
    """The host paths a glob matches in the tree, each part matched against the tree's
    own folders (links resolved inside it), never against this machine's."""
    import fnmatch
    import glob
    found = ["/"]
    for part in [p for p in pattern.split("/") if p and p != "."]:
        following = []
        for host_path in _in_time(found, deadline):
            if not glob.has_magic(part):
                following.append(os.path.join(host_path, part))
                continue
            try:
                names = os.listdir(_inside(root, host_path))
            except OSError:
                continue
            following += [os.path.join(host_path, name) for name in sorted(names)
                          if fnmatch.fnmatchcase(name, part)
                          and (part.startswith(".") or not name.startswith("."))]
        found = following
    return [p for p in _in_time(found, deadline)
            if os.path.lexists(_inside(root, p, follow_last=False))]
