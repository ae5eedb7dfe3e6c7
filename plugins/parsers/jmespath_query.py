"""The ``query`` option of ``parse_mode json`` and ``yaml``: a JMESPath expression
(jmespath.org), compiled where it is written, so that a mistake in it is an error at its
line. jmespath, an optional package (the ``jmespath`` extra), is imported only then."""
from __future__ import annotations

import importlib
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from tstconfig_core.api import OptionError, PluginError

#: What ``pip install`` adds each optional package, for the messages that ask for it.
_EXTRAS = {"jmespath": "jmespath", "yaml": "yaml"}
_QUERY = "the query option"


def optional(module: str, what: str) -> ModuleType:
    """Import an optional package when a block first needs it; if it is missing, a
    PluginError that says which extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        extra = _EXTRAS[module.split(".")[0]]
        raise PluginError(f"{what} needs the Python package {module.split('.')[0]!r}, which "
                          f"is not installed here: pip install 'tstconfig[{extra}]'") from None


# -- the query option --------------------------------------------------------------------

class Query:
    """A compiled JMESPath expression; ``--inspect`` shows it as written."""

    __slots__ = ("text", "compiled")

    def __init__(self, text: str, compiled: Any) -> None:
        self.text, self.compiled = text, compiled

    def __str__(self) -> str:
        return self.text

    def search(self, document: object) -> object:
        """The part of ``document`` the expression selects (None: nothing)."""
        exceptions = optional("jmespath.exceptions", _QUERY)
        try:
            return self.compiled.search(document)
        except (exceptions.JMESPathError, ValueError) as exc:  # a function's argument type,
            reason = " ".join(str(exc).split())                # a slice step of 0
        except RecursionError:
            reason = "it nests too deeply for this data"
        raise PluginError(f"query {shown(self.text)!r} cannot be applied to this data: "
                          f"{shown(reason)}")


def compile_query(args: Sequence[str]) -> Query:
    """``query EXPR``: a JMESPath expression (the arguments joined with spaces), compiled
    once, so that a mistake is an error at the ``query`` line, not at each parse. Function
    names and argument counts are checked too: jmespath itself checks them only when the
    expression runs."""
    text = " ".join(args)
    if not text.strip():
        raise OptionError("needs a JMESPath expression, such as [].name (jmespath.org)")
    jmespath = optional("jmespath", _QUERY)
    exceptions = optional("jmespath.exceptions", _QUERY)
    try:
        compiled = jmespath.compile(text)
    except exceptions.JMESPathError as exc:
        raise OptionError(f"{shown(text)!r} is not a JMESPath expression: "
                          f"{_compile_problem(exc, exceptions)}") from None
    except RecursionError:
        raise OptionError(f"{shown(text)!r} is not a JMESPath expression this parser can "
                          "read: it nests too deeply") from None
    problem = _function_problem(compiled.parsed, optional("jmespath.functions", _QUERY))
    if problem:
        raise OptionError(f"{shown(text)!r}: {problem}")
    return Query(text, compiled)


def _compile_problem(exc: Exception, exceptions: ModuleType) -> str:
    """jmespath's reason in one line, with the character it stopped at."""
    if isinstance(exc, exceptions.IncompleteExpressionError):
        return "it ends too soon"
    if isinstance(exc, exceptions.EmptyExpressionError):
        return "it is empty"
    position = getattr(exc, "lex_position", None)
    reason = getattr(exc, "message", None) or getattr(exc, "msg", None) or str(exc)
    reason = " ".join(str(reason).split())
    token = getattr(exc, "token_value", None)
    if position is None:
        return reason
    near = f" ({token!r})" if token not in (None, "") else ""
    return f"{reason} at character {position + 1}{near}"


def _function_problem(tree: object, functions: ModuleType) -> str | None:
    """A call, in a compiled expression's tree, to a function JMESPath does not have, or
    with the wrong number of arguments; None when there is none."""
    table = functions.Functions().FUNCTION_TABLE
    stack = [tree]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue  # a slice's numbers
        stack.extend(node.get("children", ()))
        if node.get("type") != "function_expression":
            continue
        name, given = node["value"], len(node["children"])
        if name not in table:
            known = ", ".join(sorted(table))
            return f"JMESPath has no function {name}(); it has {known}"
        signature = table[name]["signature"]
        variadic = bool(signature) and signature[-1].get("variadic", False)
        if given < len(signature) or (given > len(signature) and not variadic):
            wanted = f"at least {len(signature)}" if variadic else str(len(signature))
            return f"{name}() takes {wanted} argument(s), not {given}"
    return None


def shown(text: str) -> str:
    """As much of a text as a message quotes."""
    return text if len(text) <= 200 else text[:197] + "..."
