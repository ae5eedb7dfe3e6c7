"""Settings that decide whether and how a block reads: ``only_if_exists``,
``allow_missing``, ``ignore_case``, and the options a parse mode requires."""
from __future__ import annotations

import glob as globbing
from typing import TYPE_CHECKING

from tstconfig_core.api import HostError, NoSuchPath, PluginError, StatPath
from tstconfig_core.definition import Directive
from tstconfig_core.engine.boundary import DirectiveError
from tstconfig_core.loading.groups import PARSERS

if TYPE_CHECKING:
    from tstconfig_core.engine.block import Block
    from tstconfig_core.engine.interpreter import Interpreter


def _flag(it: Interpreter, d: Directive) -> Block:
    block = it.settable(d)
    if d.args:
        raise DirectiveError(f"{d.keyword} takes no arguments")
    return block


def ignore_case(it: Interpreter, d: Directive) -> None:
    """Keys are compared without case (sshd's keywords: ``permitrootlogin`` is
    ``PermitRootLogin``); values are compared as they are."""
    _flag(it, d).ignore_case = True


def allow_missing(it: Interpreter, d: Directive) -> None:
    """A missing file, or a pattern that matches none, gives no lines instead of an
    error: its properties are undefined (``assert_undefined`` passes)."""
    block = _flag(it, d)
    if block.read_due:
        raise DirectiveError("allow_missing comes after this block's data was already read;"
                             " move it up, before the first section/property/assertion")
    block.allow_missing = True


def only_if_exists(it: Interpreter, d: Directive) -> None:
    """``only_if_exists PATH...``: the block is skipped, its assertions reported not run
    with the reason, when a path (or every match of a pattern) is not on the host: a
    check of sshd on a machine without sshd says so instead of failing."""
    block = it.settable(d)
    if not d.args:
        raise DirectiveError("only_if_exists needs one or more paths (or patterns)")
    if block.skipped or it.ctx.check_only or not block.reading:
        return
    host = it.ctx.host
    for path in d.args:
        if globbing.has_magic(path):
            try:
                found = bool(host.matches(path))
            except HostError as exc:  # (a folder that cannot be looked in)
                raise DirectiveError(f"only_if_exists: cannot tell whether anything matches "
                                     f"{path!r}: {exc}") from None
        else:
            answer = host.answer([StatPath(path)], block.timeout, block.max_size)[0]
            if isinstance(answer, HostError) and not isinstance(answer, NoSuchPath):
                raise DirectiveError(f"only_if_exists: cannot tell whether {path!r} exists: "
                                     f"{answer}")
            found = not isinstance(answer, NoSuchPath)
        if not found:
            block.skipped = (f"skipped: {path!r} does not exist on {host.name} "
                             f"(only_if_exists at line {d.line})")
            return


def check_required(block: Block) -> None:
    """A parse mode must have the options it requires (``keyvalue`` without
    ``key_separator`` would give no rows, and every check would fail as undefined instead
    of saying what is wrong). One the definition chose is checked before the source is
    read, so nothing is read or run for a block that cannot be parsed: the definition's
    options count. One the source suggested is checked once its suggestions are applied:
    an option the source suggests (a field, or one of the parse mode's own) counts too."""
    suggested = block.data is not None
    if ("parse_mode" in block.explicit) == suggested:
        return  # (chosen: checked before reading already; suggested: not known yet)
    try:
        parser = block.ctx.registry.instance(PARSERS, block.parse_mode)
    except PluginError:
        return  # reported where it is used
    required = getattr(parser, "requires", None) or ()
    missing = [name for name in sorted(required)
               if name not in block.explicit and name not in block.options.extra
               and not (suggested and name in block.origins)]
    if missing:
        at = block.parse_mode_line or block.directive
        names = ", ".join(missing)
        whose = (f" ({block.origins['parse_mode']})"
                 if suggested and "parse_mode" in block.origins else "")
        block.report(at, str(block.fail(
            f"parse_mode {block.parse_mode}{whose} needs {names}: add '{missing[0]} ...' to "
            "the block (it has no default)")))
        from tstconfig_core.engine.boundary import BlockBroken
        raise BlockBroken()
