"""Bounds on what one block may cost: time (parse, assertions) and bytes (its source).

A definition file can name any file or command and any regular expression,
so every block runs under limits: its source may be at most ``max_size`` bytes
(default 64 MiB), and its command, its parse and each of its assertions at most
``timeout`` seconds. The time limit interrupts running Python code, a regular
expression that backtracks without end included (CPython's regex engine checks
for signals while it works).
"""
from __future__ import annotations

import contextlib
import errno
import gc
import os
import re
import signal
import stat
import threading
from collections.abc import Iterator

DEFAULT_MAX_SIZE = 64 * 1024 * 1024
_CHUNK = 1024 * 1024
_SIZE = re.compile(r"([0-9]+)\s*([KMG]i?B?|B)?", re.IGNORECASE)  # (ASCII digits only)
_SIZE_DIGITS = 30  # more is no size (and int() refuses past 4,300 digits)
_UNITS = {"": 1, "B": 1, "K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}


class TimeLimitExceeded(Exception):
    """A bounded piece of work ran past its time limit."""


class TooLarge(Exception):
    """A source is larger than its size limit."""


def parse_size(text: str) -> int:
    """``65536``, ``64K``, ``64M``, ``1G`` (also ``64MiB``, ``64MB``: binary units) -> bytes."""
    match = _SIZE.fullmatch(text.strip())
    if not match or len(match.group(1).lstrip("0")) > _SIZE_DIGITS:
        raise ValueError(f"not a size: {text!r} (use bytes, or a number with K, M or G)")
    size = int(match.group(1)) * _UNITS[(match.group(2) or "")[:1].upper()]
    if size <= 0:
        raise ValueError(f"a size limit must be above 0, not {text!r}")
    return size


def shown_size(size: int) -> str:
    for unit, factor in (("GiB", 1024 ** 3), ("MiB", 1024 ** 2), ("KiB", 1024)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size} bytes"


_alarm_ready = False


def _expired(_signum: int, _frame: object) -> None:
    raise TimeLimitExceeded()


class time_limit:  # noqa: N801 (used as a function: ``with time_limit(5):``)
    """Raise TimeLimitExceeded in this block of code after ``seconds``.

    Uses SIGALRM, so it bounds only the main thread (elsewhere it does nothing).
    The handler is installed once; each limit only sets the timer, and an outer
    limit's remaining time is restored afterwards. A class, not a generator: one
    is entered per assertion.
    """

    __slots__ = ("seconds", "_outer")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._outer: float | None = None

    def __enter__(self) -> None:
        global _alarm_ready
        if self.seconds <= 0 or threading.current_thread() is not threading.main_thread():
            return
        if not _alarm_ready:
            signal.signal(signal.SIGALRM, _expired)
            _alarm_ready = True
        self._outer, _ = signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def __exit__(self, *exc: object) -> None:
        if self._outer is not None:
            signal.setitimer(signal.ITIMER_REAL, self._outer)
            self._outer = None


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Run bulk work (parsing, indexing) without Python's cyclic garbage collector.

    Rows are lists of strings: hundreds of thousands of containers that hold no
    cycles, yet each full collection would walk them all again, which makes
    parsing superlinear (400,000 lines took 3x as long as 200,000). Afterwards
    they are frozen out of later collections; reference counting still frees
    them as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def read_bounded(path: str, max_size: int, *, regular_only: bool = False) -> bytes:
    """The bytes of a file, never blocking and never more than ``max_size``.

    A directory, a named pipe or a socket is refused (OSError); a device is
    read only as far as it has data now, or refused with ``regular_only``;
    more than ``max_size`` bytes raises TooLarge. Symbolic links are followed
    (a broken or looping one is an OSError). What the file is, is asked of the
    open file itself, so it cannot be swapped between the check and the read.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        status = os.fstat(fd)
        mode = status.st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory", path)
        if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
            kind = "a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a socket"
            raise OSError(errno.EINVAL, f"is {kind}, not a file: reading it could wait "
                                        "for ever", path)
        if regular_only and not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, "is a device, not a file", path)
        # A regular file's size is known, so one read takes it all. A file of /proc
        # or /sys says 0 and must be read in one go too: /proc/sys files answer a
        # read at any other offset than 0 with end-of-file. So: a whole chunk.
        regular = stat.S_ISREG(mode) and status.st_size > 0
        want = min(status.st_size, max_size) + 1 if regular else _CHUNK
        chunks: list[bytes] = []
        size = 0
        while True:
            try:
                chunk = os.read(fd, min(want, max_size + 1 - size))
            except BlockingIOError:
                if not chunks:
                    raise OSError(errno.EAGAIN, "has nothing to read without waiting "
                                                "(a device?)", path) from None
                break
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > max_size:
                raise TooLarge(f"more than {shown_size(max_size)}")
            want = _CHUNK
        return b"".join(chunks)
    finally:
        os.close(fd)

