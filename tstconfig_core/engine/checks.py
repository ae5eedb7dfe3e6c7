"""Assertions: every one reached gives exactly one result, with its stable id.

A result is passed or failed; or not run, when the block's source or value
could not be had, or the check itself could not be made (then an error says
why as well). Each result is charged the time since the file's previous one,
so a block's reading and parsing land on the first check that needed them.
"""
from __future__ import annotations

import reprlib
import time
import weakref
from typing import TYPE_CHECKING

from tstconfig_core.api import Assertion
from tstconfig_core.definition import Directive
from tstconfig_core.engine import rowsets, values
from tstconfig_core.engine.block import Block
from tstconfig_core.engine.boundary import MASK, BlockBroken, DirectiveError, calling, plugin
from tstconfig_core.ids import block_part, check_part
from tstconfig_core.loading.groups import ASSERTIONS
from tstconfig_core.model import FAILED, NOT_RUN, PASSED, AssertionResult

if TYPE_CHECKING:
    from tstconfig_core.engine.interpreter import Interpreter


def assertion(it: Interpreter, d: Directive) -> None:
    block = it.need_block(d)
    block.read_due = True
    block.assertions_seen += 1
    block.checked_since_selector = True
    named, block.pending_name = block.pending_name, None
    check = (" ".join(named.shown_args) if named is not None else
             check_part(block.section_name, block.selector, block.keys, d.keyword,
                        d.shown_args))
    if block.id_part is None:  # (a name is given before the block's first assertion)
        block.id_part = block_part(block.directive.keyword, block.directive.shown_args,
                                  block.name)
    ids = (*it.ids.make(block.id_part, check), block.id_part)
    reason = _why_not_run(it, block, d)
    if reason is not None:
        _result(it, d, block, ids, NOT_RUN, reason)
        return
    try:
        d = values.expanded(it, d, checking=True)
    except DirectiveError as exc:
        _result(it, d, block, ids, NOT_RUN, f"the check could not be made: {exc}")
        raise
    try:
        if d.keyword in rowsets.QUANTIFIERS:
            passed, message = rowsets.judge(it, block, d)
        else:
            passed, message = _check(it, block, d)
        if not passed and block.row_files and not block.sensitive:
            message += rowsets.origin(block, block.keys)
    except _Unexplained as exc:  # it failed; its reason is the default one, and an error
        _result(it, d, block, ids, FAILED, exc.fallback)
        raise
    except DirectiveError as exc:
        _result(it, d, block, ids, NOT_RUN, f"the check could not be made: {exc}")
        raise
    _result(it, d, block, ids, PASSED if passed else FAILED, message)


def _why_not_run(it: Interpreter, block: Block, d: Directive) -> str | None:
    """Why the assertion cannot be checked; None when it can."""
    if block.reading and block.data is not None and not block.broken \
            and block.no_value is None and it.ctx.run_assertions:
        return None  # (the usual case, first)
    if block.skipped:
        return block.skipped
    if not it.ctx.run_assertions:
        return "--inspect: no assertion is checked"
    if it.capped:
        return (f"this file has more than {it.max_errors} errors: from there on it was "
                "only read for its assertions")
    if it.ctx.check_only:
        it.guarded(d, lambda: _validate(it, d))
        return "--check: no source is read and no assertion checked"
    if not block.broken:
        try:
            block.need_data()
        except BlockBroken:
            pass
    if block.broken:
        return f"its block has no data: {block.broken_reason}"
    failed = block.no_value
    return None if failed is None else (f"the {failed.keyword} directive at line "
                                        f"{failed.line} selected no value")


def _validate(it: Interpreter, d: Directive) -> None:
    try:
        d = values.expanded(it, d, checking=True)
    except values.NotKnownYet:
        return  # its arguments are known once the source is read
    if d.keyword in rowsets.QUANTIFIERS:
        rowsets.validate(it, d)
        return
    check: Assertion = plugin(it.ctx, ASSERTIONS, d.keyword)
    with calling(it.ctx, ASSERTIONS, d.keyword):
        check.validate(d.args)


def _check(it: Interpreter, block: Block, d: Directive) -> tuple[bool, str]:
    """(passed, why not) of the assertion on the block's value."""
    check: Assertion = plugin(it.ctx, ASSERTIONS, d.keyword)
    mask = (f"{d.keyword} could not check the value: {MASK} (the block is sensitive)"
            if block.sensitive else None)  # (the reason may quote the value)
    seconds = 0.0 if _untimed(it, d.keyword, check) else block.timeout
    with calling(it.ctx, ASSERTIONS, d.keyword, seconds=seconds, what=d.keyword, mask=mask):
        passed = check.check(block.value, d.args)
        if not isinstance(passed, bool):
            raise TypeError(f"check() returned {type(passed).__name__} {passed!r}, not a "
                            "bool")
    if passed:
        return True, ""
    shown = f"{MASK} (the block is sensitive)"  # (the reason may quote the value)
    mask = None if mask is None else f"{d.keyword} could not explain its failure: {shown}"
    try:
        with calling(it.ctx, ASSERTIONS, d.keyword, seconds=block.timeout,
                     what=f"{d.keyword}'s explain()", mask=mask):
            message = check.explain(block.value, d.args)
            if not isinstance(message, str):
                raise TypeError(f"explain() returned {type(message).__name__} "
                                f"{reprlib.repr(message)}, not a str")
    except DirectiveError as exc:
        fallback = shown if block.sensitive else Assertion.explain(check, block.value, d.args)
        raise _Unexplained(str(exc), fallback) from exc
    return False, shown if block.sensitive and message else message


#: Per registry: assertion keyword -> whether it runs without a timer.
_UNTIMED: weakref.WeakKeyDictionary[object, dict[str, bool]] = weakref.WeakKeyDictionary()


def _untimed(it: Interpreter, keyword: str, check: Assertion) -> bool:
    """Whether the check runs without a timer: one of the core's own that takes time
    linear in its value and arguments (``untimed``: an equality, a prefix), so that a
    timer's two system calls are not most of its cost. Any other plugin's has one."""
    registry = it.ctx.registry
    known = _UNTIMED.setdefault(registry, {})
    found = known.get(keyword)
    if found is None:
        found = known[keyword] = (getattr(check, "untimed", False) is True
                                  and registry.is_core(ASSERTIONS, keyword))
    return found


class _Unexplained(DirectiveError):
    """The check failed, and its explain() broke the contract (raised, or returned no
    str): the result is failed with the default reason, and this is an error at the line."""

    def __init__(self, message: str, fallback: str) -> None:
        super().__init__(message)
        self.fallback = fallback


def _result(it: Interpreter, d: Directive, block: Block, ids: tuple[str, str, str],
            outcome: str, message: str) -> None:
    now = time.perf_counter()
    duration, it.clock = now - it.clock, now
    value = None if outcome == NOT_RUN else block.value
    if block.sensitive and value is not None:
        value = (MASK,)
    it.ctx.emit(AssertionResult(  # (by position: one is made per assertion)
        d.file, d.line, block.source_ref, block.section_name, block.keys, value,
        d.keyword, d.shown_args, outcome, message, duration, block.selector, block.sensitive,
        *ids, selected_at=block.selecting.line if block.selecting is not None else None))
