"""What a name not found may have meant: ``did you mean`` for a section."""
from __future__ import annotations

from tstconfig_core.engine.boundary import MASK


def unknown_section(name: str, names: list[str], sensitive: bool) -> str:
    if not names:
        return (f"section {name!r} is undefined: this block has no sections "
                "(set section_header_pattern or a syntax that has them)")
    if sensitive:  # the names are the data's
        return f"section {name!r} is undefined (its names are {MASK}: the block is sensitive)"
    close = _closest(name, names)
    hint = f"; did you mean {close!r}?" if close else ""
    return f"section {name!r} is undefined{hint}"


#: A section name longer than this gets no "did you mean", and is never suggested.
MAX_SECTION_HINT = 100
#: The most names a suggestion compares, and the most character pairs (difflib costs
#: about the product of the two lengths per name): without them, 300 sections of 20,000
#: characters took a minute. Either way a suggestion costs at most about 0.2 s.
MAX_HINT_NAMES = 1000
MAX_HINT_WORK = 1_000_000


def _closest(name: str, names: list[str]) -> str | None:
    """The section name most like ``name`` (difflib), within a bounded amount of work:
    the first names of the data, as long as the budget lasts (the same names each run)."""
    if len(name) > MAX_SECTION_HINT:
        return None
    candidates: list[str] = []
    work = 0
    for other in names:
        if len(other) > MAX_SECTION_HINT:
            continue
        work += max(len(name), 1) * max(len(other), 1)
        if work > MAX_HINT_WORK or len(candidates) == MAX_HINT_NAMES:
            break
        candidates.append(other)
    import difflib
    close = difflib.get_close_matches(name, candidates, n=1)
    return close[0] if close else None
