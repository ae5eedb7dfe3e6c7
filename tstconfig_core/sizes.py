"""What Python's objects take on this interpreter: strings, lists as rows, sections.

The memory budget (:mod:`tstconfig_core.memory`) charges a block's data at these
sizes, measured from this interpreter once, when first imported.
"""
from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable

#: What holding one object takes at most, from the sizes of this interpreter: a pointer
#: in a list that grew (1/8 over); a string's header (its characters aside) when they
#: are all ASCII and when not, and the allocator's rounding up to 16 bytes.
POINTER = 9
STR_ASCII = sys.getsizeof("") + 15
STR_WIDE = sys.getsizeof("\U0001f600") - 4 + 15
#: What a string Python does not share takes at least: an ASCII one's header.
STR_MIN = sys.getsizeof("")


def _rounded(size: int) -> int:
    return size + (-size) % 16 + (16 if size > 512 else 0)  # (past 512 bytes: malloc's)


def _row_sizes(make: Callable[[int], list[str]]) -> tuple[int, ...]:
    """What a list row of k tokens takes, for k below 64, made as ``make(k)`` makes it:
    the list and its array of slots (with the room it has to grow), each rounded up."""
    empty = sys.getsizeof([])
    return tuple(_rounded(empty) + _rounded(sys.getsizeof(make(k)) - empty) for k in range(64))


#: What a row takes by its number of tokens: a list grown by appends (a comprehension,
#: re.findall, re.split), one made by str.split (room for several tokens at once), one
#: copied to its size. (A dict takes about as much per section, its list too.)
GROWN_ROWS = _row_sizes(lambda k: ["" for _ in range(k)])
SPLIT_ROWS = _row_sizes(lambda k: ("a," * k)[:-1].split(",") if k else [])
EXACT_ROWS = _row_sizes(lambda k: [""] * k)
#: A row copied to its size takes this and 8 bytes a token, at most.
EXACT_ROW = max(size - 8 * k for k, size in enumerate(EXACT_ROWS))
SECTION = 2 * GROWN_ROWS[0] + STR_WIDE


def rows_bytes(lengths: list[int], sizes: tuple[int, ...]) -> int:
    """What rows of ``lengths`` tokens take, made as ``sizes`` says (their tokens aside),
    with a pointer to each in a list. (Rows of one length, the usual case, in C.)"""
    if not lengths:
        return 0
    low = min(lengths)
    if low == max(lengths):
        return len(lengths) * (_row_size(sizes, low) + POINTER)
    return sum(_row_size(sizes, k) * n for k, n in Counter(lengths).items()) \
        + POINTER * len(lengths)


def _row_size(sizes: tuple[int, ...], tokens: int) -> int:
    return sizes[tokens] if tokens < len(sizes) else 9 * tokens + 160  # (grown by appends)
