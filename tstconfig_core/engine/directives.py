"""The core's own directives, as a table of small functions of (interpreter, directive).

Parse options (``skip_header_lines``, ``separator``, ...) are a table of their
own in :mod:`tstconfig_core.options`; a parse mode's own options are declared
by its plugin. Assertions are in :mod:`tstconfig_core.engine.checks`.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from tstconfig_core.api import PluginError
from tstconfig_core.definition import Directive
from tstconfig_core.engine.observe import unchecked as unchecked_value
from tstconfig_core.engine.block import NO_ROWS, Block
from tstconfig_core.engine.boundary import DirectiveError, calling, plugin
from tstconfig_core.engine.hints import unknown_section
from tstconfig_core.engine.parsing import parser_options
from tstconfig_core.limits import parse_size
from tstconfig_core.loading.groups import PARSERS, SYNTAXES
from tstconfig_core.options import DUPLICATES_POLICIES, OPTION_DIRECTIVES, OptionError

if TYPE_CHECKING:
    from tstconfig_core.engine.interpreter import Interpreter

Handler = Callable[["Interpreter", Directive], None]
MAX_TIMEOUT = 1_000_000  # seconds: about 11 days
#: Looks like a number, so it cannot be a column name: ``-1``, ``2.5``.
_NUMBER_LIKE = re.compile(r"[+-]?\d+(?:\.\d*)?", re.ASCII)


# -- parse settings -------------------------------------------------------------------

def _breaks_the_block_if_it_fails(handler: Handler) -> Handler:
    """A setting that cannot be made breaks its block: run without it, the block could
    pass a check it was written to fail (a section pattern left out, `sensitive`
    not applied), so its assertions are not run."""
    def run(it: Interpreter, d: Directive) -> None:
        try:
            handler(it, d)
        except DirectiveError as exc:
            if it.block is None or it.block.broken:
                raise
            raise it.block.fail(str(exc)) from None
    run.__doc__ = handler.__doc__
    return run


@_breaks_the_block_if_it_fails
def option(it: Interpreter, d: Directive) -> None:
    """A parse option of the language (the ParseOptions field of the same name)."""
    block = it.settable(d)
    try:
        value = OPTION_DIRECTIVES[d.keyword](d.args)
    except OptionError as exc:
        raise DirectiveError(f"{d.keyword}: {exc}") from None
    block.set_option(d, value)


@_breaks_the_block_if_it_fails
def parser_option(it: Interpreter, d: Directive) -> None:
    """An option the block's parse mode declares (``Parser.options``)."""
    block = it.settable(d)
    convert = parser_options(it.ctx, block)[d.keyword]
    with calling(it.ctx, PARSERS, block.parse_mode):
        try:
            block.options.extra[d.keyword] = convert(d.args)
        except (OptionError, PluginError, ValueError) as exc:  # the person's mistake
            raise DirectiveError(f"{d.keyword}: {exc}") from None
    block.origins.pop(d.keyword, None)  # (a syntax's setting, replaced)


def parse_mode(it: Interpreter, d: Directive) -> None:
    block = it.settable(d)
    block.set_parse_mode(" ".join(d.args))
    block.parse_mode_line = d


def syntax(it: Interpreter, d: Directive) -> None:
    block = it.settable(d)
    name = " ".join(d.args)
    try:
        chosen = plugin(it.ctx, SYNTAXES, name)
        with calling(it.ctx, SYNTAXES, name):
            settings = dict(chosen.settings())
    except DirectiveError as exc:
        raise block.fail(str(exc)) from None
    policy = settings.pop("duplicates_policy", None)
    if policy is not None:
        _set_policy(block, str(policy))
    block.ignore_case = bool(settings.pop("ignore_case", block.ignore_case))
    block.apply(settings, f"syntax {name}", f"syntax {name!r} sets")
    block.explicit.update(settings)  # a syntax is the definition's own choice


@_breaks_the_block_if_it_fails
def timeout(it: Interpreter, d: Directive) -> None:
    block = it.settable(d)
    text = " ".join(d.args)
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= MAX_TIMEOUT:
        raise DirectiveError(f"timeout: expected a number of seconds above 0 (at most "
                             f"{MAX_TIMEOUT}), not {text!r}")
    block.timeout = seconds


@_breaks_the_block_if_it_fails
def max_size(it: Interpreter, d: Directive) -> None:
    block = it.settable(d)
    try:
        block.max_size = parse_size(" ".join(d.args))
    except ValueError as exc:
        raise DirectiveError(f"max_size: {exc}") from None


@_breaks_the_block_if_it_fails
def sensitive(it: Interpreter, d: Directive) -> None:
    """Known from the block's plan before its source is read; set here too, so that
    nothing after this line is shown even if the plan and the lines ever disagree."""
    it.need_block(d).sensitive_directive = True
    if d.args:
        raise DirectiveError("sensitive takes no arguments")


@_breaks_the_block_if_it_fails
def duplicates_policy(it: Interpreter, d: Directive) -> None:
    _set_policy(it.need_block(d), " ".join(d.args))


def _set_policy(block: Block, policy: str) -> None:
    if policy not in DUPLICATES_POLICIES:
        raise DirectiveError(f"unknown duplicates policy {policy!r}; "
                             f"known: {', '.join(DUPLICATES_POLICIES)}")
    block.duplicates_policy = policy
    block.explicit.add("duplicates_policy")
    block.origins.pop("duplicates_policy", None)


# -- selecting a value ------------------------------------------------------------------

def _leaves_no_value_if_it_fails(handler: Handler) -> Handler:
    """A selector that fails leaves no value: the assertions after it, up to the next
    selector, are not run (they must not check the previous property's value)."""
    def run(it: Interpreter, d: Directive) -> None:
        try:
            handler(it, d)
        except DirectiveError:
            if it.block is not None:
                it.block.value, it.block.no_value = None, d
            raise
    run.__doc__ = handler.__doc__
    return run


@_leaves_no_value_if_it_fails
def section(it: Interpreter, d: Directive) -> None:
    block = it.need_block(d)
    name = " ".join(d.args)
    block.section_name = name  # (known even when parsing fails: ids are made of it)
    block.unfiltered = block.filter_failed = None  # a section ends the filters
    block.filtering = False
    block.read_due = block.parse_due = True
    parsed = block.need_rows(d)
    if not d.args:
        block.selected = None
        return
    rows = parsed.sections.get(name)
    if rows is None:
        block.selected, block.filter_failed = NO_ROWS, d  # nothing to select from
        raise DirectiveError(unknown_section(name, list(parsed.sections), block.sensitive))
    block.selected = rows  # type: ignore[assignment]  (the same list: its index is cached)


@_leaves_no_value_if_it_fails
def columns(it: Interpreter, d: Directive) -> None:
    """Column numbers now; column names (table, csv, regex groups) once the rows exist."""
    block = it.need_block(d)
    for arg in d.args:
        if not _is_count(arg) and _NUMBER_LIKE.fullmatch(arg):
            raise DirectiveError(f"columns: {arg!r} is not a column number (0 or more)")
    if all(_is_count(arg) for arg in d.args):
        block.columns = tuple(int(arg) for arg in d.args) or None
        block.pending_columns = None
        return
    block.columns, block.pending_columns = None, d
    if block.parsed is not None:
        block.need_rows(d)  # the names are resolved against every row's parse


def _is_count(text: str) -> bool:
    """ASCII digits only: ``٣`` is a column name, not column 3."""
    return text.isascii() and text.isdigit()


def _selecting(it: Interpreter, d: Directive, selector: str,
               keys: tuple[str, ...] | None = None) -> Block:
    """A selector starts: what it selects is known now; its value once it succeeds.
    Until then (and for good, if it fails) there is no value to check."""
    block = it.need_block(d)
    if block.selecting is not None:
        unchecked_value(it, block)
    block.selecting = d
    block.keys, block.selector, block.read_due = keys, selector, True
    block.parse_due = block.parse_due or selector != "exit_status"
    block.value = None
    block.defaulted = block.default_seen = block.checked_since_selector = False
    block.no_value = d  # until the value is had
    failed = block.filter_failed
    if failed is not None and selector != "exit_status":
        again = "where_clear or section" if failed.keyword == "where" else "a section"
        raise DirectiveError(f"{selector} has no rows to select from: the {failed.keyword} at "
                             f"line {failed.line} failed ({again} starts over)")
    return block


def property_(it: Interpreter, d: Directive) -> None:
    block = _selecting(it, d, "property", d.shown_args)
    block.need_rows(d, lookup=d.args)
    block.value = block.index(len(d.args)).lookup(d.args, block.duplicates_policy)
    block.no_value = None


def section_size(it: Interpreter, d: Directive) -> None:
    block = _selecting(it, d, "section_size")
    block.need_rows(d)
    block.value, block.no_value = (str(len(block.rows())),), None


def exit_status(it: Interpreter, d: Directive) -> None:
    block = _selecting(it, d, "exit_status")
    source = block.directive.keyword
    if (it.ctx.check_only and not block.broken and block.source is not None
            and not block.source.runs_programs):
        raise DirectiveError(f"exit_status needs a command; '{source}' runs no program, so "
                             "it has no exit status")
    status = block.need_data().exit_status
    if status is None:
        raise DirectiveError(f"exit_status needs a command; '{source}' has no exit status")
    block.value, block.no_value = (str(status),), None


def name(it: Interpreter, d: Directive) -> None:
    """Names the block (before its first selector or assertion), else the next assertion."""
    block = it.need_block(d)
    text = " ".join(d.shown_args)  # (as written: an id does not change with a variable)
    if not text.strip():
        raise DirectiveError("name needs a text: the name of this block (before its first "
                             "property, section or assertion) or of the next assertion")
    if not block.read_due:
        if block.name is not None:
            raise DirectiveError(f"this block is named already ({block.name!r}); a name "
                                 "for an assertion goes after its property")
        block.name = text
    elif block.pending_name is not None:
        raise DirectiveError(f"the name at line {block.pending_name.line} has no "
                             "assertion yet; give each assertion one name")
    else:
        block.pending_name = d


from tstconfig_core.engine import checks, guards, rowsets, values  # noqa: E402 (they use Block)

#: The core directives, by keyword (a source directive or an assertion is a plugin's).
CORE: dict[str, Handler] = {
    "section": section, "columns": columns, "property": property_,
    "section_size": section_size, "exit_status": exit_status,
    "duplicates_policy": duplicates_policy, "timeout": timeout, "max_size": max_size,
    "sensitive": sensitive, "syntax": syntax, "parse_mode": parse_mode, "name": name,
    "where": _leaves_no_value_if_it_fails(rowsets.where), "where_clear": rowsets.where_clear,
    "default": values.default, "let": values.let,
    "ignore_case": _breaks_the_block_if_it_fails(guards.ignore_case),
    "allow_missing": _breaks_the_block_if_it_fails(guards.allow_missing),
    "only_if_exists": _breaks_the_block_if_it_fails(guards.only_if_exists),
    **dict.fromkeys(rowsets.QUANTIFIERS, checks.assertion),
}
#: What an assertion's id is made of, besides sources and assertions: past a file's
#: error cap only these are read.
ID_DIRECTIVES = frozenset({"section", "property", "section_size", "exit_status", "name",
                           *rowsets.QUANTIFIERS})
