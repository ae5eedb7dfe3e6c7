"""What a block must know of its own directives before its source is read."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import NamedTuple

from tstconfig_core.definition import Directive, SyntaxProblem


class BlockPlan(NamedTuple):
    #: An `exit_status` directive: a non-zero exit is then no error.
    checks_exit_status: bool = False
    #: How many assertions the block has (an error that stops the block says so).
    assertions: int = 0
    #: A `sensitive` directive anywhere in the block: nothing of its data is shown.
    sensitive: bool = False
    #: Key count -> the keys the block's `property` lines name (a string each for one
    #: key column, else a tuple): what a narrowed parse keeps and the index holds.
    lookups: Mapping[int, frozenset[object]] = MappingProxyType({})
    #: The block may need more rows than those of the keys its `property` lines name
    #: when it first looks one up (a section, a count, a filter, a quantifier, a column
    #: name; key columns changed after a lookup, lookups of several key counts, a key
    #: made of a variable): its source is read whole, never only the lines of its keys.
    whole: bool = False


#: Directives that need every row of the block.
WHOLE = frozenset({"section", "section_size", "where", "where_clear", "assert_all",
                   "assert_any", "assert_none"})


def plan_block(items: Iterable[Directive | SyntaxProblem],
               is_assertion: Callable[[str], bool]) -> BlockPlan:
    """The plan of one block, from its directives (read once, with the block)."""
    exit_status = sensitive = whole = False
    assertions = 0
    lookups: dict[int, set[object]] = {}
    for item in items:
        if isinstance(item, SyntaxProblem):
            continue  # (an error, or a warning beside its directive)
        keyword = item.keyword
        if keyword in WHOLE or keyword == "columns" and (lookups or not all(
                a.isascii() and a.isdigit() for a in item.args)):
            whole = True
        if keyword == "property":
            keys = item.args
            lookups.setdefault(len(keys), set()).add(keys[0] if len(keys) == 1 else keys)
            whole = whole or len(lookups) > 1 or any("${" in key for key in keys)
        elif keyword == "exit_status":
            exit_status = True
        elif keyword == "sensitive":
            sensitive = True
        elif is_assertion(keyword):
            assertions += 1
    return BlockPlan(exit_status, assertions, sensitive,
                     {n: frozenset(keys) for n, keys in lookups.items()}, whole)
