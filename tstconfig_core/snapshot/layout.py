"""A definition's lines as a snapshot rewrites them: its blocks, and in each block the
scope of each selector, whose assertions are replaced by one pinned value.

The lines are read as the engine reads them (:func:`definition_lines`,
:func:`parse_line`, the run's own ``is_source``), so line numbers and blocks are the
engine's, and a value read at a line belongs to the scope that line is in.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from tstconfig_core.definition import Directive, definition_lines, parse_line

SELECTORS = ("property", "section_size", "exit_status")
#: What ends the lines that may name a block (the engine's ``read_due``): a ``name``
#: after one of these, or after an assertion, names the next assertion instead.
_READS = frozenset({*SELECTORS, "section", "where"})
#: Besides assertions and names, what may stand in a scope that ``--all-rows`` replaces
#: (``section`` lines stay: they select the rows of the scopes kept).
_PLAIN = frozenset({"section"})


class Line(NamedTuple):
    number: int
    text: str
    keyword: str | None  # None: a blank or comment line (or one that is no directive)


@dataclass
class Scope:
    """The lines from a selector to the next selector or source; for a block's first
    lines, from its source to its first selector (the value is undefined there)."""

    opener: int                      # the selector's line, or the source's
    selector: str | None             # None: the block's first lines
    assertions: list[int] = field(default_factory=list)
    plain: bool = True               # nothing in it but assertions, names and sections

    @property
    def probe(self) -> tuple[str, int] | None:
        """Where the value is read: just before the first assertion (what it checks),
        else just after the selector (where the pinned assertion goes); None: nowhere."""
        if self.assertions:
            return "before", self.assertions[0]
        return None if self.selector is None else ("after", self.opener)


@dataclass
class BlockSpan:
    source: Line
    last: int                        # the line of its last directive
    sensitive: bool = False


class Layout(NamedTuple):
    lines: list[Line]
    blocks: dict[int, BlockSpan]     # by the line of their source
    scope_of: dict[int, Scope]       # each line of a block (blank ones too) -> its scope
    names: dict[int, int]            # a line naming an assertion -> that assertion's line

    @property
    def scopes(self) -> list[Scope]:
        return list({id(s): s for s in self.scope_of.values()}.values())

    def dropped(self, assertion: int, pinned: Callable[[Scope], bool]) -> bool:
        """Whether an assertion line gives way to its scope's pinned one (every one does
        but the first, whose place the pin takes)."""
        scope = self.scope_of[assertion]
        return pinned(scope) and scope.assertions[0] != assertion


def read_layout(text: str, is_source: Callable[[str], bool],
                is_assertion: Callable[[str], bool]) -> Layout:
    lines = [Line(number, raw, _keyword(raw, number))
             for number, raw in enumerate(definition_lines(text), start=1)]
    blocks: dict[int, BlockSpan] = {}
    scope_of: dict[int, Scope] = {}
    names: dict[int, int] = {}
    block: BlockSpan | None = None
    scope = Scope(0, None)
    waiting: list[int] = []          # names of the next assertion
    reads = False                    # the block's name can no longer be given
    for line in lines:
        keyword = line.keyword
        if keyword is not None and is_source(keyword):
            block = blocks[line.number] = BlockSpan(line, line.number)
            scope, waiting, reads = Scope(line.number, None), [], False
        elif block is None:
            continue  # before the first source: kept as written
        elif keyword is None:
            pass
        elif keyword in SELECTORS:
            scope = Scope(line.number, keyword)
        elif is_assertion(keyword):
            scope.assertions.append(line.number)
            names.update(dict.fromkeys(waiting, line.number))
            waiting = []
        elif keyword == "name":
            if reads:
                waiting.append(line.number)
        else:
            scope.plain = scope.plain and keyword in _PLAIN
            block.sensitive = block.sensitive or keyword == "sensitive"
        if keyword is not None:
            block.last = line.number
            reads = reads or keyword in _READS or is_assertion(keyword)
        scope_of[line.number] = scope
    return Layout(lines, blocks, scope_of, names)


def _keyword(raw: str, number: int) -> str | None:
    item = parse_line(raw, number, "")
    return item.keyword if isinstance(item, Directive) else None
