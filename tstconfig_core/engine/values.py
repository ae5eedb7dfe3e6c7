"""Values kept and given: ``let NAME`` and ``${NAME}``, and ``default VALUE``.

In a file that uses variables (it has a ``let`` line, or ``--var`` is given), a
directive whose arguments hold ``${`` has them replaced before it runs: an
argument that is exactly ``${NAME}`` becomes the value's tokens (so
``assert_eq ${expected}`` compares token by token), ``${NAME}`` inside a longer
argument the value joined with spaces, and ``$$`` a literal ``$``. A directive
without ``${`` is run exactly as written (``$$`` stays ``$$`` there). Reports
and ids show the arguments as written. A file without variables is run as written,
``${`` included: 0.3 files quote APT's own ``${distro_id}``.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, NamedTuple

from tstconfig_core.definition import Directive
from tstconfig_core.engine.boundary import DirectiveError

if TYPE_CHECKING:
    from tstconfig_core.engine.interpreter import Interpreter

#: A variable's name: a letter or _, then letters, digits and _ (ASCII).
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)
_REFERENCE = re.compile(r"\$\$|\$\{([^}]*)\}?")


class Variable(NamedTuple):
    value: tuple[str, ...] | None  # None: the property it was set from was undefined
    line: int | None               # where `let` set it (None: --var)
    sensitive: bool = False        # set from a sensitive block: never shown
    known: bool = True             # False in --check: set, but nothing was read


class NotKnownYet(DirectiveError):
    """``--check`` reads nothing: a variable `let` sets has no value to give."""


def initial(pairs: tuple[tuple[str, str], ...]) -> dict[str, Variable]:
    """The variables a file starts with (``--var NAME=VALUE``: one token each)."""
    return {name: Variable((value,), None) for name, value in pairs}


_LET_LINE = re.compile(r"^[ \t]*let[ \t]", re.MULTILINE)


def names_used(text: str) -> set[str]:
    """The names a definition's ``${NAME}`` references name (as written: valid or not)."""
    return {m.group(1) for m in _REFERENCE.finditer(text) if m.group(1)}


def uses_variables(text: str, pairs: tuple[tuple[str, str], ...]) -> bool:
    """Whether a definition uses variables: ``--var`` was given, or it has a ``let``."""
    return bool(pairs) or _LET_LINE.search(text) is not None


def expanded(it: Interpreter, d: Directive, checking: bool = False) -> Directive:
    """``d`` with its variables replaced (``d`` itself when it uses none). Only an
    assertion (``checking``) may use a variable set in a sensitive block: everywhere else
    the value could reach a report (a source line, an id, an error)."""
    if not it.substituting or not any("${" in arg for arg in d.args):
        return d
    it.checking = checking
    args: list[str] = []
    for arg in d.args:
        whole = NAME.fullmatch(arg[2:-1]) if arg.startswith("${") and arg.endswith("}") else None
        if whole is not None:
            args.extend(_value(it, d, whole.group()))
        else:
            args.append(_REFERENCE.sub(lambda m: _piece(it, d, m), arg))
    return d._replace(args=tuple(args), written=d.args)


def _piece(it: Interpreter, d: Directive, match: re.Match[str]) -> str:
    if match.group() == "$$":
        return "$"
    name = match.group(1)
    if not match.group().endswith("}") or not NAME.fullmatch(name):
        raise DirectiveError(f"{match.group()!r} is not a variable: write ${{NAME}} (a "
                             "letter or _, then letters, digits or _), or $$ for a literal $")
    return " ".join(_value(it, d, name))


def _value(it: Interpreter, d: Directive, name: str) -> tuple[str, ...]:
    found = it.variables.get(name)
    if found is None:
        known = ", ".join(sorted(it.variables)) or "none is set"
        host = it.ctx.settings.host_name
        if host is not None:
            raise DirectiveError(f"variable {name!r} is not set on host {host} (set it in the "
                                 f"inventory's host or group variables, with 'let {name}' "
                                 f"after a property, or --var {name}=VALUE; set: {known})")
        raise DirectiveError(f"variable {name!r} is not set (set it with 'let {name}' after "
                             f"a property, or --var {name}=VALUE; set: {known})")
    if not found.known:
        raise NotKnownYet(f"variable {name!r} is known once the source is read")
    if found.value is None:
        raise DirectiveError(f"variable {name!r} has no value: the property it was set "
                             f"from at line {found.line} was undefined")
    if found.sensitive:
        if not it.checking or it.block is None:
            raise DirectiveError(
                f"variable {name!r} holds a value of a sensitive block: use it only in an "
                f"assertion's arguments (reports show ${{{name}}} there, never the value)")
        it.block.sensitive_directive = True  # the check's reason may quote it
    return found.value


def let(it: Interpreter, d: Directive) -> None:
    """``let NAME``: keep the value the last selector selected, for ``${NAME}``."""
    block = it.need_block(d)
    if len(d.args) != 1 or not NAME.fullmatch(d.args[0]):
        raise DirectiveError("let takes one name: a letter or _, then letters, digits or _ "
                             "(let ratio)")
    name = d.args[0]
    it.variables.pop(name, None)  # a failed let leaves no stale value behind
    if it.ctx.check_only:
        it.variables[name] = Variable(None, d.line, block.sensitive, known=False)
        return
    if block.selector == "none":
        raise DirectiveError(f"let {name} needs a value: put it after a property, "
                             "section_size or exit_status")
    if block.no_value is not None:
        raise DirectiveError(f"let {name}: the {block.no_value.keyword} directive at line "
                             f"{block.no_value.line} selected no value")
    value = None if block.value is None else tuple(block.value)
    it.variables[name] = Variable(value, d.line, block.sensitive)


def default(it: Interpreter, d: Directive) -> None:
    """``default VALUE...``: the value of the property just selected, when it is
    undefined (a program's built-in default, as sshd's ``PermitRootLogin``)."""
    block = it.need_block(d)
    if block.selector != "property" or block.checked_since_selector or block.default_seen:
        raise DirectiveError("default goes right after a property: it is the value of that "
                             "property when the data does not set it")
    if not d.args:
        raise DirectiveError("default needs a value (default \"\" for an empty one)")
    block.default_seen = True
    if block.no_value is None and block.value is None:
        block.value = tuple(d.args)
        block.defaulted = True
