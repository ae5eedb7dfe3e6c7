"""Rows as a set: ``where`` filters them, ``assert_all``/``assert_any``/``assert_none``
check each one.

A quantifier applies any assertion (built-in or a plugin's) to the value of each row
the current selector selected, one at a time, where a plain assertion sees their
values joined: ``property 22`` / ``assert_all assert_ip_in 10.0.0.0/8`` checks every
rule of port 22, where ``assert_matches`` on the joined value could match one and
pass. A filter keeps the rows whose column satisfies an assertion.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from tstconfig_core.api import Assertion, PluginError, Row, Value
from tstconfig_core.definition import Directive
from tstconfig_core.engine.boundary import MASK, BlockBroken, DirectiveError, calling, plugin
from tstconfig_core.engine.columns import column_names, column_number, unknown_column
from tstconfig_core.loading.groups import ASSERTIONS

if TYPE_CHECKING:
    from tstconfig_core.engine.block import Block
    from tstconfig_core.engine.interpreter import Interpreter

QUANTIFIERS = ("assert_all", "assert_any", "assert_none")
#: ``where COLUMN OP VALUE``: short operators and the assertions they stand for.
OPERATORS = {"=": "assert_eq", "==": "assert_eq", "!=": "assert_not_eq",
             "~": "assert_matches", "<": "assert_lt", "<=": "assert_le",
             ">": "assert_gt", ">=": "assert_ge", "!~": "assert_matches"}
#: Operators that keep the rows their assertion fails.
NEGATED = frozenset({"!~"})
#: The most rows a failure names (the count says how many there are).
MAX_NAMED_ROWS = 5


# -- the rows a selector selected -------------------------------------------------------

def selected_rows(block: Block) -> list[tuple[str, ...]]:
    """The value of each row the current ``property`` selected, in order."""
    keys = block.keys or ()
    index = block.index(len(keys))
    return [index.value_of(row) for row in index.rows_of(keys, block.duplicates_policy)]


def origin(block: Block, keys: Sequence[str] | None) -> str:
    """Where the rows of ``keys`` came from, when the source read several files."""
    if not block.row_files or block.parsed is None:
        return ""
    index = block.index(len((keys or ())))
    files = list(dict.fromkeys(block.row_files.get(id(row), "?")
                               for row in index.rows_of(keys or (), block.duplicates_policy)))
    if not files:
        return ""
    more = f" and {len(files) - 3} more" if len(files) > 3 else ""
    return f" (from {', '.join(files[:3])}{more})"


# -- filters --------------------------------------------------------------------------

def where(it: Interpreter, d: Directive) -> None:
    """``where COLUMN OP VALUE...``: keep the rows whose COLUMN satisfies OP, an assertion
    (``assert_ip_in``, ``assert_version_ge``) or a short operator (``=``, ``!=``, ``~``,
    ``<``, ``<=``, ``>``, ``>=``, whose value is the rest joined with spaces). Filters add
    up; the next ``section``, ``where_clear`` or source ends them. A filter that fails
    leaves nothing to select from: until one of those, every selector fails (it must not
    select from the rows the filter would have left out)."""
    block = it.need_block(d)
    failed = block.filter_failed
    if failed is not None:
        raise DirectiveError(f"where: the {failed.keyword} at line {failed.line} failed, so "
                             "this one has no rows to filter")
    try:
        _filter(it, block, d)
    except BlockBroken:
        raise  # (the block's own error is reported once, where it was found)
    except BaseException:
        block.filter_failed = d
        raise


def _filter(it: Interpreter, block: Block, d: Directive) -> None:
    if len(d.args) < 2:
        raise DirectiveError("where needs a column and a test: where COLUMN OP VALUE "
                             "(where 2 = tcp, where state ~ LISTEN.*, where src assert_ip_in "
                             "10.0.0.0/8)")
    name, op, rest = d.args[0], d.args[1], d.args[2:]
    keyword = OPERATORS.get(op, op)
    args = (" ".join(rest),) if op in OPERATORS and rest else tuple(rest)
    if not it.ctx.registry.has(ASSERTIONS, keyword):
        raise DirectiveError(f"where: {op!r} is neither an operator ({' '.join(OPERATORS)}) "
                             "nor an assertion")
    check: Assertion = plugin(it.ctx, ASSERTIONS, keyword)
    with calling(it.ctx, ASSERTIONS, keyword):
        check.validate(args)
    block.read_due = block.parse_due = True
    block.need_rows(d)
    names = column_names(block)
    number = column_number(name, names)
    if number is None:
        raise DirectiveError(unknown_column(name, names, block.sensitive, "where"))
    rows = block.rows()
    if not block.filtering:
        block.unfiltered, block.filtering = block.selected, True
    negated = op in NEGATED
    kept = _kept(it, block, d, rows, number,
                 lambda value: check.check(value, args) is not negated)
    block.filtered.append(kept)  # (held: the index caches rows by their list's id)
    block.selected = kept
    block.value, block.no_value = None, d  # a selector must follow


def _kept(it: Interpreter, block: Block, d: Directive, rows: Sequence[Row], number: int,
          test: Callable[[Value], bool]) -> list[Row]:
    kept = []
    with calling(it.ctx, ASSERTIONS, d.args[1], seconds=block.timeout, what=d.args[1],
                 mask=f"{MASK} (the block is sensitive)" if block.sensitive else None):
        for row in rows:
            cell: Value = (row[number],) if number < len(row) else None
            try:
                passed = test(cell)
            except PluginError as exc:
                raise PluginError(f"where: cannot test column {d.args[0]!r} of "
                                  f"{_shown_row(block, row)}: {exc}") from None
            if passed is True:
                kept.append(row)
    return kept


def where_clear(it: Interpreter, d: Directive) -> None:
    """Back to the rows before the first ``where``."""
    block = it.need_block(d)
    if d.args:
        raise DirectiveError("where_clear takes no arguments")
    if block.filtering:
        block.selected, block.unfiltered, block.filtering = block.unfiltered, None, False
    if block.filter_failed is not None and block.filter_failed.keyword == "where":
        block.filter_failed = None  # (a failed section stays failed until the next one)
    block.value, block.no_value = None, d


# -- quantifiers ------------------------------------------------------------------------

def judge(it: Interpreter, block: Block, d: Directive) -> tuple[bool, str]:
    """(passed, why not) of ``assert_all``/``assert_any``/``assert_none ASSERTION ARGS``."""
    check, inner, args = _inner(it, d)
    if block.selector != "property":
        raise DirectiveError(f"{d.keyword} checks rows: it goes after a property (not after "
                             f"{block.selector})")
    values = selected_rows(block)
    if block.defaulted:
        values = [tuple(block.value or ())]
    outcomes: list[bool | str] = []
    with calling(it.ctx, ASSERTIONS, inner, seconds=block.timeout, what=inner,
                 mask=f"{inner} could not check a row: {MASK} (the block is sensitive)"
                 if block.sensitive else None):
        for value in values:
            try:
                passed = check.check(value, args)
            except PluginError as exc:  # this row cannot be shown to pass, nor to fail
                outcomes.append(str(exc))
                continue
            if not isinstance(passed, bool):
                raise TypeError(f"check() returned {type(passed).__name__}, not a bool")
            outcomes.append(passed)
    # (as written: a variable's value is no part of what the message says of the test)
    return _verdict(block, d.keyword, " ".join(d.shown_args), values, outcomes)


def _inner(it: Interpreter, d: Directive) -> tuple[Assertion, str, tuple[str, ...]]:
    if not d.args:
        raise DirectiveError(f"{d.keyword} needs an assertion: {d.keyword} ASSERTION ARGS... "
                             f"({d.keyword} assert_ip_in 10.0.0.0/8)")
    inner, args = d.args[0], tuple(d.args[1:])
    if inner in QUANTIFIERS:
        raise DirectiveError(f"{d.keyword}: {inner} checks rows, not one row's value")
    if not it.ctx.registry.has(ASSERTIONS, inner):
        raise DirectiveError(f"{d.keyword}: {inner!r} is not an assertion")
    check: Assertion = plugin(it.ctx, ASSERTIONS, inner)
    with calling(it.ctx, ASSERTIONS, inner):
        check.validate(args)
    return check, inner, args


def validate(it: Interpreter, d: Directive) -> None:
    """``--check``: the assertion named exists and takes its arguments, after a property."""
    _inner(it, d)
    block = it.block
    if block is not None and block.selector not in ("property", "none"):
        raise DirectiveError(f"{d.keyword} checks rows: it goes after a property (not after "
                             f"{block.selector})")


def _verdict(block: Block, keyword: str, test: str, values: list[tuple[str, ...]],
             outcomes: list[bool | str]) -> tuple[bool, str]:
    """A row the assertion could not check (its message in ``outcomes``) is shown neither
    to pass nor to fail: it fails ``assert_all`` and ``assert_none`` alike, named with why."""
    count = len(values)
    if keyword == "assert_all":
        if not values:  # "every rule is from 10/8" is not shown by there being no rule
            return False, ("no row selected: assert_all needs at least one row (to check "
                           "that there is none, use assert_undefined)")
        bad = [i for i, ok in enumerate(outcomes) if ok is not True]
        said = f"{len(bad)} of {count} row(s) fail {test}"
    elif keyword == "assert_any":
        if True in outcomes:
            return True, ""
        bad = [i for i, ok in enumerate(outcomes) if ok is not False]
        said = (f"none of {count} row(s) satisfies {test}" if count else
                f"no row selected: none satisfies {test}")
        return False, said + (f": {_rows_named(block, values, bad, outcomes)}" if bad else "")
    else:
        bad = [i for i, ok in enumerate(outcomes) if ok is not False]
        unsure = sum(isinstance(outcomes[i], str) for i in bad)
        said = (f"{len(bad)} of {count} row(s) satisfy {test}" if not unsure else
                f"{len(bad) - unsure} of {count} row(s) satisfy {test}, and {unsure} cannot "
                "be checked")
    if not bad:
        return True, ""
    return False, f"{said}: {_rows_named(block, values, bad, outcomes)}"


def _rows_named(block: Block, values: list[tuple[str, ...]], which: list[int],
                outcomes: list[bool | str]) -> str:
    if block.sensitive:
        return MASK
    named = [repr(" ".join(values[i])) + (f" (cannot be checked: {outcomes[i]})"
                                          if isinstance(outcomes[i], str) else "")
             for i in which[:MAX_NAMED_ROWS]]
    more = f", and {len(which) - MAX_NAMED_ROWS} more" if len(which) > MAX_NAMED_ROWS else ""
    files = _files_of(block, which)
    return ", ".join(named) + more + files


def _files_of(block: Block, which: list[int]) -> str:
    if not block.row_files:
        return ""
    index = block.index(len(block.keys or ()))
    rows = index.rows_of(block.keys or (), block.duplicates_policy)
    files = dict.fromkeys(block.row_files.get(id(rows[i]), "?") for i in which
                          if i < len(rows))
    return f" (in {', '.join(list(files)[:3])})" if files else ""


def _shown_row(block: Block, row: Row) -> str:
    if block.sensitive:
        return f"a row ({MASK}: the block is sensitive)"
    text = " ".join(row)
    return repr(text if len(text) <= 80 else text[:77] + "...")
