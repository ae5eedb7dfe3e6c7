"""Finding and reading definition files: a folder's *.tstconfig, each file once, never
more than MAX_DEFINITION bytes, and what cannot be read an error where it would run."""
from __future__ import annotations

import errno
import os
import stat
import sys
from collections.abc import Iterable, Iterator

from tstconfig_core.definition import STDIN_NAME, decode
from tstconfig_core.limits import TooLarge, read_bounded
from tstconfig_core.model import ErrorEvent

DEFINITION_SUFFIX = ".tstconfig"
#: Most bytes a definition file may have (/dev/zero must not fill memory).
MAX_DEFINITION = 64 * 1024 * 1024


def shown_path(path: str) -> str:
    """A path as reports show it: bytes that are not UTF-8 as ``\\xff``, never an
    unencodable character that would lose the report."""
    try:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return path.encode("utf-8", "backslashreplace").decode("utf-8")


class Found(str):
    """A definition file that a folder scan found, not one the person named: it is read
    only if it is a regular file (a FIFO there would block the run, a device flood it).
    A pipe named on the command line (``<(...)``, ``-``) is read as given."""

    __slots__ = ()


def expand(paths: Iterable[str]) -> Iterator[str | ErrorEvent]:
    """Definition files in order: a folder gives its *.tstconfig, recursively, sorted.

    Symbolic links are followed, each folder walked once (by device and inode, so a
    link loop ends) and each file found once; a folder that cannot be read is an error
    where its files would be, and the others still run.
    """
    for path in paths:
        if path == "-" or not os.path.isdir(path):
            yield path
            continue
        found = _scan(path)
        if not found:
            yield ErrorEvent(path, None, f"no *{DEFINITION_SUFFIX} files in directory")
        yield from (item for _, item in sorted(found, key=lambda pair: pair[0]))


def _scan(top: str) -> list[tuple[str, Found | ErrorEvent]]:
    """(path, what is there) for each definition file and unreadable folder under top."""
    found: list[tuple[str, Found | ErrorEvent]] = []
    folders: set[tuple[int, int]] = set()
    files: set[tuple[int, int]] = set()
    pending = [top]  # depth first, in sorted order: the same names are kept every run
    while pending:
        folder = pending.pop()
        try:
            status = os.stat(folder)
            if (status.st_dev, status.st_ino) in folders:
                continue  # reached again through a link
            folders.add((status.st_dev, status.st_ino))
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as exc:
            found.append((folder, _unreadable(folder, exc)))
            continue
        below = []
        for entry in entries:
            try:
                is_folder = entry.is_dir()  # (through a link too)
            except OSError as exc:  # a link that loops, or a target we may not look at
                if exc.errno not in (errno.ELOOP, errno.ENOENT) and \
                        not entry.name.endswith(DEFINITION_SUFFIX):  # (maybe a folder)
                    found.append((entry.path, _unreadable(entry.path, exc, known=False)))
                    continue
                is_folder = False
            if is_folder:
                below.append(entry.path)
            elif entry.name.endswith(DEFINITION_SUFFIX) and _first(entry.path, files):
                found.append((entry.path, Found(entry.path)))
        pending.extend(reversed(below))
    return found


def _first(path: str, seen: set[tuple[int, int]]) -> bool:
    """Whether this file was not found before (under another name, through a link)."""
    try:
        status = os.stat(path)
    except OSError:
        return True  # (reading it says why it cannot be read)
    key = (status.st_dev, status.st_ino)
    if key in seen:
        return False
    seen.add(key)
    return True


def _unreadable(path: str, exc: OSError, known: bool = True) -> ErrorEvent:
    """A folder (or a link that may lead to one) whose definitions cannot be found: an
    error, so that the run cannot pass without them."""
    what = "cannot read folder" if known else "cannot tell what this link leads to"
    whose = "in it" if known else "in it, if it is a folder,"
    return ErrorEvent(path, None, f"{what}: {exc.strerror or exc}; the "
                                  f"*{DEFINITION_SUFFIX} files {whose} are not run")


def read_definition(path: str) -> tuple[str, str]:
    """(name, text) of a definition file; '-' is standard input. Raises OSError.

    Never more than MAX_DEFINITION bytes. A file a folder scan found (:class:`Found`)
    is read without waiting and only if it is a regular file; a path the person gave
    is read as it is, so ``tstconfig <(...)`` and a named pipe work.
    """
    if path == "-":
        return STDIN_NAME, decode(_bounded(sys.stdin.buffer))
    if isinstance(path, Found):
        try:
            return shown_path(path), decode(read_bounded(path, MAX_DEFINITION,
                                                         regular_only=True))
        except TooLarge:
            raise OSError(_TOO_LARGE) from None
    with open(path, "rb") as fh:
        return shown_path(path), decode(_bounded(fh))


_TOO_LARGE = f"larger than {MAX_DEFINITION // (1024 * 1024)} MiB: not a definition file?"


def _bounded(fh: object) -> bytes:
    try:
        fd = fh.fileno()  # type: ignore[attr-defined]
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
    except (OSError, ValueError, AttributeError):  # (io.UnsupportedOperation is both)
        regular = True
    data = fh.read(MAX_DEFINITION + 1) if regular else _polled(fd)  # type: ignore[attr-defined]
    if len(data) > MAX_DEFINITION:
        raise OSError(_TOO_LARGE)
    return data


def _polled(fd: int) -> bytes:
    """A pipe's or a FIFO's bytes, waited for a quarter of a second at a time: a signal
    that comes just before a blocking read() would otherwise wait for its handler until
    the writer writes (Ctrl-C lost while reading ``tstconfig <(...)``)."""
    import select
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLHUP)
    chunks, size = [], 0
    while size <= MAX_DEFINITION:
        if not poller.poll(250):
            continue  # (back in Python: a signal that came is acted on here)
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)
