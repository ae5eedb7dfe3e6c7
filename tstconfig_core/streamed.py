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
from tstconfig_core.limits import shown_size
from tstconfig_core.memory import PIECE, Lines, MemoryBudget, cut_piece

#: Bytes read at a time: what is held beside the lines kept (the piece, and a piece
#: of text with its lines while they are cut: memory.PIECE) stays a few MiB.
READ = 1024 * 1024

#: Given the lines of a piece, in order, the lines to keep of them.
Keep = Callable[[list[str]], Sequence[str]]


class FilePieces:
    """An open regular file's bytes, a piece at a time and ``max_size`` at most in all
    (past it, TooLargeAnswer; a failed read, HostError). Iterated once; the file is
    closed at its end, or by :meth:`close` (the core closes what a source left)."""

    __slots__ = ("_fd", "path", "max_size", "size")

    def __init__(self, fd: int, path: str, max_size: int, size: int | None = None) -> None:
        self._fd: int | None = fd
        self.path, self.max_size = path, max_size
        self.size = size  # (its size when it was opened: what a whole read would hold)

    def __iter__(self) -> Iterator[bytes]:
        fd, size = self._fd, 0
        if fd is None:
            raise HostError("read already (a file's pieces come once)")
        try:
            while True:
                piece = os.read(fd, READ)
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
    """The lines ``keep`` keeps of the text of ``pieces``, given to it a piece's lines
    at a time. The text is cut exactly as :func:`lines_within` cuts bytes (UTF-8,
    invalid bytes replaced, a byte order mark dropped; LF and CRLF end a line; the
    same pieces), and the memory budget is charged what reading it whole would take,
    so that a block's outcome never depends on whether its host reads files whole
    (OverBudget alike, counting every line); only the kept lines are held. Their
    ``cost`` is the whole text's, for the same reason: the parse charges it."""
    budget = MemoryBudget(max_size)
    size = getattr(pieces, "size", None)
    if size is None and isinstance(pieces, (list, tuple)):
        size = sum(map(len, pieces))
    if size:
        budget.charge(size)  # (what a whole read holds while it cuts the lines)
    text = _Text(iter(pieces), budget if size is None else None)
    lines = Lines()
    if text.begins(codecs.BOM_UTF8):
        text.start = len(codecs.BOM_UTF8)
    while (piece := text.piece()) is not None:
        cut, cost = cut_piece(str(piece, "utf-8", "replace"), budget, text.lines_in_all)
        lines += keep(cut)
        lines.cost += cost
    return lines


class _Text:
    """The bytes of a stream from the piece being cut to as far as a newline ends it,
    and those before it until the next read lets them go."""

    def __init__(self, stream: Iterator[bytes], budget: MemoryBudget | None) -> None:
        self.stream, self.budget = stream, budget  # (budget: charged as they come)
        self.buffer = bytearray()
        self.start = 0  # where the next piece starts in it
        self.ended = False
        self.gone = 0  # newlines in the bytes let go

    def _more(self) -> bool:
        piece = next(self.stream, None)
        if piece is None:
            self.ended = True
            return False
        if self.budget is not None:
            self.budget.charge(len(piece))
        if self.start:  # (once a read, not once a piece: a move of what is left)
            self.gone += self.buffer.count(b"\n", 0, self.start)
            del self.buffer[:self.start]
            self.start = 0
        self.buffer += piece
        return True

    def begins(self, prefix: bytes) -> bool:
        while len(self.buffer) < len(prefix) and self._more():
            pass
        return self.buffer.startswith(prefix)

    def piece(self) -> bytearray | None:
        """The next piece to cut: up to just past the first newline ``PIECE`` bytes or
        more after its start, else up to the end once the stream has ended (as
        ``lines_within`` cuts them); None when there is none left."""
        while True:
            end = self.buffer.find(b"\n", self.start + PIECE) + 1
            if end or self.ended or not self._more():
                break
        end = end or len(self.buffer)
        if end <= self.start:
            return None
        piece, self.start = self.buffer[self.start:end], end
        return piece

    def lines_in_all(self) -> int:
        """The lines of the whole text (as many as ``lines_within`` says when over budget),
        the stream read to its end, counting."""
        count, last = self.gone + self.buffer.count(b"\n"), bytes(self.buffer[-1:])
        for piece in self.stream:
            count += piece.count(b"\n")
            last = piece[-1:] or last
        return count + (last != b"\n")
