"""The memory budget of a block: what holding its data may take, estimated as it is made.

``max_size`` bounds the bytes a source gives, but Python holds text as objects: a
line of two characters takes some 70 bytes as a string, and a token as much again.
So a block's data is charged, as it is decoded into lines and parsed into rows, at
what those objects take (an upper bound, from this interpreter's sizes), and past
``MEMORY_FACTOR`` x max_size the block stops with an error that says so, instead of
taking the machine's memory (docs/security.md, "Memory"). The parsers charge their
rows through the budget of the parse under way (:func:`current_budget`).
"""
from __future__ import annotations

import codecs
import contextlib
import sys
from collections.abc import Callable, Iterator, Sequence
from itertools import accumulate, chain

from tstconfig_core.contract.base import PluginError, Row
from tstconfig_core.definition import split_lines
from tstconfig_core.limits import shown_size
from tstconfig_core.sizes import POINTER, STR_ASCII, STR_MIN, STR_WIDE

#: A block's data may take at most this many times its ``max_size`` of memory to hold:
#: the bytes read while they are cut into lines, then its lines, rows and sections. It
#: is estimated as they are made, and past it the block is an error (docs/security.md,
#: "Memory"), so that no input within ``max_size`` can take the machine's memory.
MEMORY_FACTOR = 10
#: ...and never less than this: a small max_size bounds what a source gives, not its
#: few lines (Python takes some 200 bytes for a line of a few characters and its row).
MEMORY_FLOOR = 1024 * 1024
#: Bytes of text decoded and cut into lines at a time, each piece checked against the
#: budget: what a piece's lines take (a few MiB at most) is what the check lets through,
#: and a character's width is found per piece, so one emoji widens only its piece's.
PIECE = 32 * 1024


class OverBudget(PluginError):
    """Holding a block's data would take more than ``MEMORY_FACTOR`` x its max_size (a
    PluginError: a source that cuts its lines with :func:`lines_within` reports it)."""


class MemoryBudget:
    """The estimated bytes a block's data takes, charged as it is made (an upper bound:
    every object at its largest), credited as it is let go, checked at each charge."""

    __slots__ = ("limit", "used", "lines", "rows", "tokens", "owned")

    def __init__(self, max_size: int) -> None:
        self.limit = max(MEMORY_FACTOR * max_size, MEMORY_FLOOR)
        self.used = self.lines = self.rows = self.tokens = 0
        #: The list of lines the parse may let go as their rows are made: the core's own.
        self.owned: list[str] | None = None

    def charge(self, size: int, lines: int = 0, rows: int = 0, tokens: int = 0) -> None:
        self.used += size
        self.lines += lines
        self.rows += rows
        self.tokens += tokens
        if self.used > self.limit:
            raise OverBudget(self.message())

    def credit(self, size: int) -> None:
        self.used -= size

    def fits(self, size: int) -> bool:
        return self.used + size <= self.limit

    def message(self) -> str:
        made = [_counted(self.lines, "line")]
        if self.rows:
            made.append(f"{_counted(self.rows, 'row')} of {_counted(self.tokens, 'token')} "
                        "so far")
        budget = (f"{MEMORY_FACTOR} x max_size" if self.limit > MEMORY_FLOOR else
                  f"{MEMORY_FACTOR} x max_size, or {_about(MEMORY_FLOOR)} at least")
        return (f"the data of this block would take more than {_about(self.limit)} of "
                f"memory to hold ({budget}): {', '.join(made)}, by an estimate that errs "
                "high; raise max_size or narrow the source")


def _counted(count: int, what: str) -> str:
    return f"{count:,} {what}{'' if count == 1 else 's'}"


def _about(size: int) -> str:
    exact = shown_size(size)
    return exact if exact.endswith("iB") or size < 1024 else f"{size / 1024 ** 2:.1f} MiB"


_current: MemoryBudget | None = None


@contextlib.contextmanager
def budgeted(budget: MemoryBudget) -> Iterator[MemoryBudget]:
    """Make ``budget`` the one the parsers charge (:func:`current_budget`) meanwhile."""
    global _current
    outer, _current = _current, budget
    try:
        yield budget
    finally:
        _current = outer


def current_budget() -> MemoryBudget | None:
    """The budget of the block being parsed; None outside a parse (a parser's tests)."""
    return _current


def charge_memory(size: int) -> None:
    """Charge ``size`` bytes a parser holds beyond what the core counts (the core counts
    each row, and its tokens as pieces of their line) to the block being parsed."""
    if _current is not None:
        _current.charge(size)


def char_width(text: str) -> int:
    """Bytes per character of the strings cut from ``text`` (1, 2 or 4), at most: a
    string is as wide as its widest character."""
    if text.isascii():
        return 1
    try:
        text.encode("latin-1")
        return 1
    except UnicodeEncodeError:
        pass
    return 2 if len(text.encode("utf-16-le", "surrogatepass")) == 2 * len(text) else 4


def text_cost(text: str, strings: int, shared: int = 0) -> int:
    """At most what ``strings`` strings cut from ``text`` take, with their pointers:
    their headers, and the text's characters once; ``shared`` of them are strings
    Python shares (empty ones, and of one character when ``text`` is latin-1), which
    take their pointers only."""
    width = char_width(text)
    header = STR_ASCII if text.isascii() else STR_WIDE
    return strings * POINTER + (strings - shared) * header + len(text) * width


def shared_strings(lengths: list[int], text: str) -> int:
    """How many strings of these lengths, cut from ``text``, Python shares: the empty
    one, and those of one character when every character of ``text`` is latin-1."""
    return lengths.count(0) + (lengths.count(1) if char_width(text) == 1 else 0)


class Lines(list):  # type: ignore[type-arg]
    """A source's lines made by :func:`lines_within`: handed over to the core, which may
    empty the list once it has what it needs (so lines go as their rows are made), and
    knows what they take (``cost``, an upper bound)."""

    cost = 0


def lines_cost(lines: Sequence[str]) -> int:
    """At most what holding ``lines`` takes (known for Lines, else measured)."""
    if isinstance(lines, Lines):
        return lines.cost
    return sum(map(sys.getsizeof, lines)) + len(lines) * (POINTER + 15)


def lines_within(data: bytes, max_size: int) -> Lines:
    """The lines of ``data`` (UTF-8, invalid bytes replaced, a byte order mark dropped;
    LF and CRLF end a line), decoded and cut a piece at a time, never the whole text
    at once; OverBudget, once a piece is cut, when the bytes and the lines would take
    more than the budget of ``max_size``."""
    budget = MemoryBudget(max_size)
    budget.charge(len(data))  # held while the lines are cut
    lines = Lines()
    view, size = memoryview(data), len(data)
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    while start < size:
        end = data.find(b"\n", start + PIECE) + 1 or size  # a newline is never inside
        cut, cost = cut_piece(str(view[start:end], "utf-8", "replace"), budget,
                              lambda: data.count(b"\n") + (not data.endswith(b"\n")))
        lines += cut
        lines.cost += cost
        start = end
    return lines


def cut_piece(piece: str, budget: MemoryBudget, lines_in_all: Callable[[], int]
              ) -> tuple[list[str], int]:
    """(the lines of ``piece``, what they take), charged to ``budget``; past it,
    OverBudget, which says how many lines there are in all (``lines_in_all``)."""
    cut = split_lines(piece)
    shared = 0  # (looked for only among tiny lines, where it matters)
    if 4 * len(cut) > len(piece):
        shared = shared_strings(list(map(len, cut)), piece)
    cost = text_cost(piece, len(cut), shared)
    if not budget.fits(cost):
        budget.lines = lines_in_all()
        raise OverBudget(budget.message())
    budget.charge(cost, lines=len(cut))
    return cut, cost


# -- rows: what they take, charged a chunk of lines at a time -------------------------------

#: Characters of lines made into rows between two looks at the memory budget (fewer
#: lines when they are long): what one look lets through stays small.
CHUNK_CHARS = 32 * 1024
CHUNK_LINES = 4096
class Chunks:
    """The lines of a parse from ``start``, a chunk at a time, for a loop that makes
    their rows and charges them (:meth:`charge`) to the block's memory budget
    (:func:`current_budget`). Lines that are the core's own (the budget's ``owned``:
    the source's list already let go) are let go once charged, so lines and rows are
    not both held. A line longer than 2 x CHUNK_CHARS comes alone. Without a budget (a
    parser called on its own) the lines come in one chunk."""

    def __init__(self, lines: Sequence[str], start: int = 0) -> None:
        self.lines, self.start = lines, start
        self.budget: MemoryBudget | None = current_budget()
        self.text = ""  # the chunk's lines, joined by newlines

    def __iter__(self) -> Iterator[list[str]]:
        lines, budget, pos = self.lines, self.budget, self.start
        if budget is None:
            yield lines if pos == 0 and type(lines) is list else list(lines[pos:])
            return
        consume, end, step = lines is budget.owned, len(lines), 64
        while pos < end:
            chunk = lines[pos:pos + step]
            if type(chunk) is not list:
                chunk = list(chunk)
            self.text = "\n".join(chunk)
            chars = len(self.text) + 1 - len(chunk)
            if chars > 2 * CHUNK_CHARS and len(chunk) > 1:  # up to its first long line
                lengths = accumulate(map(len, chunk))
                cut = next(i for i, total in enumerate(lengths) if total > CHUNK_CHARS)
                chunk = chunk[:cut or 1]
                self.text = "\n".join(chunk)
                chars = len(self.text) + 1 - len(chunk)
            yield chunk
            if consume:  # (a line a token holds is still charged, as that token)
                lines[pos:pos + len(chunk)] = [None] * len(chunk)  # type: ignore[index]
                ones = list(map(len, chunk)).count(1)  # (one character: may be shared)
                budget.credit(chars - ones + (len(chunk) - ones) * STR_MIN)
            pos += len(chunk)
            step = max(1, min(CHUNK_LINES, CHUNK_CHARS * len(chunk) // (chars + 1)))

    def charge(self, chunk: list[str], rows: int, tokens: int, lists: int,
               made: list[Row] | None = None) -> None:
        """Charge ``rows`` made of ``chunk``, whose lists (and anything else) take
        ``lists`` bytes; their ``tokens``, each a piece of its line (so their text is at
        most the lines'). Given the rows ``made``, tokens Python shares are found when
        they are tiny (where it matters)."""
        if self.budget is None:
            return
        text = self.text
        count, shared = len(text) + 1 - len(chunk), 0
        if made is not None and count < 3 * tokens:
            sized = list(map(len, chain.from_iterable(made)))
            count, shared = sum(sized), shared_strings(sized, text)
        header = STR_ASCII if text.isascii() else STR_WIDE
        self.budget.charge(lists + (tokens - shared) * header + count * char_width(text),
                           rows=rows, tokens=tokens)

    def check_long(self, chunk: list[str], most: Callable[[str], int]) -> None:
        """Before a line longer than CHUNK_CHARS is made into a row: OverBudget if, with
        ``most`` of its tokens, that row could not fit."""
        if self.budget is None or len(chunk) != 1 or len(chunk[0]) <= CHUNK_CHARS:
            return
        line, budget = chunk[0], self.budget
        tokens = most(line)
        if not budget.fits(9 * tokens + 160 + tokens * STR_WIDE + len(line) * char_width(line)):
            budget.rows, budget.tokens = budget.rows + 1, budget.tokens + tokens
            raise OverBudget(budget.message())
