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
import os
import re
import signal
import stat
import threading
from collections.abc import Iterator

DEFAULT_MAX_SIZE = 64 * 1024 * 1024
_CHUNK = 1024 * 1024
_SIZE = re.compile(r"(\d+)\s*([KMG]i?B?|B)?", re.IGNORECASE)
_UNITS = {"": 1, "B": 1, "K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}


class TimeLimitExceeded(Exception):
    """A bounded piece of work ran past its time limit."""


class TooLarge(Exception):
    """A source is larger than its size limit."""


def parse_size(text: str) -> int:
    """``65536``, ``64K``, ``64M``, ``1G`` (also ``64MiB``, ``64MB``: binary units) -> bytes."""
    match = _SIZE.fullmatch(text.strip())
    if not match:
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


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise TimeLimitExceeded in this block of code after ``seconds``.

    Uses SIGALRM, so it bounds only the main thread (elsewhere it does nothing);
    an outer limit is restored afterwards.
    """
    if threading.current_thread() is not threading.main_thread() or seconds <= 0:
        yield
        return

    def expired(_signum: int, _frame: object) -> None:
        raise TimeLimitExceeded()

    previous = signal.signal(signal.SIGALRM, expired)
    outer, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:
            signal.setitimer(signal.ITIMER_REAL, outer)


def read_bounded(path: str, max_size: int) -> bytes:
    """The bytes of a file, never blocking and never more than ``max_size``.

    A directory, a named pipe or a socket is refused (OSError); a device is
    read only as far as it has data now; more than ``max_size`` bytes raises
    TooLarge. Symbolic links are followed (a broken or looping one is an OSError).
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory", path)
        if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
            kind = "a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a socket"
            raise OSError(errno.EINVAL, f"is {kind}, not a file: reading it could wait "
                                        "for ever", path)
        data = bytearray()
        while True:
            try:
                chunk = os.read(fd, min(_CHUNK, max_size + 1 - len(data)))
            except BlockingIOError:
                if not data:
                    raise OSError(errno.EAGAIN, "has nothing to read without waiting "
                                                "(a device?)", path) from None
                break
            if not chunk:
                break
            data += chunk
            if len(data) > max_size:
                raise TooLarge(f"more than {shown_size(max_size)}")
        return bytes(data)
    finally:
        os.close(fd)
