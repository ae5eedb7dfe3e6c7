"""A file read a piece at a time, its lines kept as they are cut (API 1.8).

A block that only looks keys up needs the lines of those keys, and no other: a
file read whole to find them holds its bytes and every line at once (some three
times its size). So the core gives such a block's source a ``keep`` (in its
:class:`SourceRequest`), the ``file`` source asks the host for the file's pieces
(``ReadFile(path, pieces=True)``), and the host answers with :class:`FilePieces`
when it can read a file a piece at a time (this machine, a folder tree), else
with the bytes, as ever. :func:`kept_lines` cuts the pieces into lines and keeps
what ``keep`` returns of each piece's lines: what is held grows with what is kept,
not with the file.
"""
from __future__ import annotations

import codecs
import os
from collections.abc import Callable, Iterable, Iterator, Sequence

from tstconfig_core.contract.hosts import HostError, TooLargeAnswer
from tstconfig_core.definition import split_lines
from tstconfig_core.limits import shown_size
from tstconfig_core.memory import Lines, MemoryBudget, OverBudget, char_width
from tstconfig_core.sizes import POINTER, STR_ASCII, STR_WIDE

#: Bytes read at a time: what is held beside the lines kept (the piece, its text and
#: its lines while they are cut) stays a few MiB.
PIECE = 1024 * 1024
#: ...and cut into lines this many at a time (about: a line is never cut), each cut's
#: kept lines charged to the budget before the next are made.
CUT = 64 * 1024

#: Given the lines of a piece, in order, the lines to keep of them.
Keep = Callable[[list[str]], Sequence[str]]


class FilePieces:
    """An open regular file's bytes, a piece at a time and ``max_size`` at most in all
    (past it, TooLargeAnswer; a failed read, HostError). Iterated once; the file is
    closed at its end, or by :meth:`close` (the core closes what a source left)."""

    __slots__ = ("_fd", "path", "max_size")

    def __init__(self, fd: int, path: str, max_size: int) -> None:
        self._fd: int | None = fd
        self.path, self.max_size = path, max_size

    def __iter__(self) -> Iterator[bytes]:
        fd, size = self._fd, 0
        if fd is None:
            raise HostError("read already (a file's pieces come once)")
        try:
            while True:
                piece = os.read(fd, PIECE)
                if not piece:
                    return
                size += len(piece)
                if size > self.max_size:  # (it grew since it was opened)
                    raise TooLargeAnswer(f"more than {shown_size(self.max_size)}")
                yield piece
        except OSError as exc:
            raise HostError(exc.strerror or str(exc)) from None
        finally:
            self.close()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __del__(self) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"FilePieces({self.path!r})"


def kept_lines(pieces: Iterable[bytes], max_size: int, keep: Keep) -> Lines:
    """The lines ``keep`` keeps of the text of ``pieces`` (UTF-8, invalid bytes replaced,
    a byte order mark dropped; LF and CRLF end a line, as :func:`lines_within` reads
    them), given to it a piece's lines at a time; OverBudget when the lines kept would
    take more than the budget of ``max_size``. A line is never cut between pieces."""
    budget = MemoryBudget(max_size)
    lines = Lines()
    waiting: list[bytes] = []  # the start of a line that goes on in the next piece
    for piece in pieces:
        end = piece.rfind(b"\n") + 1
        if not end:
            waiting.append(piece)
            continue
        data = piece[:end] if not waiting else b"".join([*waiting, piece[:end]])
        waiting = [piece[end:]] if end < len(piece) else []
        _keep(data, keep, lines, budget)
    if waiting:
        _keep(b"".join(waiting), keep, lines, budget)
    return lines


def _keep(data: bytes, keep: Keep, lines: Lines, budget: MemoryBudget) -> None:
    """Keep what ``keep`` keeps of the lines of ``data``, cut and charged ``CUT`` bytes at a
    time (so a piece of tiny lines, all kept, is never made whole before a look at the
    budget)."""
    start, size, view = 0, len(data), memoryview(data)
    if not budget.lines and data.startswith(codecs.BOM_UTF8):  # (lines_within's rule)
        start = len(codecs.BOM_UTF8)
    while start < size:
        end = data.find(b"\n", start + CUT) + 1 or size
        text = str(view[start:end], "utf-8", "replace")
        budget.lines += text.count("\n") + (not text.endswith("\n"))
        start = end
        kept = keep(split_lines(text))
        if not kept:
            continue
        header = STR_ASCII if text.isascii() else STR_WIDE
        cost = len(kept) * (POINTER + header) + sum(map(len, kept)) * char_width(text)
        budget.charge(cost)  # (OverBudget past it: its message counts the lines read)
        lines += kept
        lines.cost += cost
