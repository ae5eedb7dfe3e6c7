"""The one place where a plugin's failure becomes a located error.

A plugin that raises :class:`PluginError` reports the person's mistake: its
message is the error. Anything else it raises (``SystemExit`` and
``GeneratorExit`` too) is the plugin's bug: the error names the plugin and its
distribution. Neither stops the run. Only Ctrl-C, the signals that stop a run
and the engine's own control flow pass through. A block that is ``sensitive``
shows neither message, since either may quote its data.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tstconfig_core.api import PluginError
from tstconfig_core.limits import TimeLimitExceeded, time_limit
from tstconfig_core.loading.groups import PARSERS, SOURCES
from tstconfig_core.signals import PASS_THROUGH

if TYPE_CHECKING:
    from tstconfig_core.engine.context import Context
    from tstconfig_core.loading.groups import Group

MASK = "<masked>"
MAX_MESSAGE = 400


class DirectiveError(Exception):
    """A directive cannot be carried out; the message is for the person who wrote it."""


class TimedOut(DirectiveError):
    """A plugin ran past the block's timeout."""


class BlockBroken(Exception):
    """The block has no data (its source or parse failed); already reported."""


#: What passes through every guard around plugin code: Ctrl-C, the signals and
#: --exitfirst that stop a run, and the engine's own errors raised inside a guard.
ENGINE_FLOW = (*PASS_THROUGH, DirectiveError, BlockBroken)


def bounded(message: str) -> str:
    """A message cut to a readable length (a 10 MB line must not become a 10 MB error)."""
    if len(message) <= MAX_MESSAGE:
        return message
    return f"{message[:MAX_MESSAGE]}... ({len(message)} characters)"


def timed_out(what: str, seconds: float, *, reading: bool = False) -> str:
    why = "" if reading else "a regular expression that backtracks without end? "
    return (f"{what} took longer than the block's timeout of {seconds:g} s ({why}raise it "
            "with 'timeout SECONDS')")


def plugin(ctx: Context, group: Group, name: str) -> Any:
    """The plugin ``name`` of ``group``; one that is unknown, disabled or broken, or a
    parse mode whose options clash with other keywords, is an error at the directive
    that named it."""
    try:
        found = ctx.registry.instance(group, name)
    except PluginError as exc:
        raise DirectiveError(str(exc)) from exc
    if group is PARSERS:
        clash = ctx.namespace.option_clashes(name, found.options)
        if clash is not None:
            raise DirectiveError(clash)
    return found


class calling:  # noqa: N801 (read as a phrase: ``with calling(ctx, SOURCES, "file"):``)
    """Run plugin code: what it raises becomes a DirectiveError for the person.

    ``seconds`` bounds it (``what`` names the work in the message); ``mask``, when
    given, stands in for a message that could quote a sensitive block's data.
    """

    __slots__ = ("ctx", "group", "name", "what", "mask", "_limit")

    def __init__(self, ctx: Context, group: Group, name: str, *, seconds: float = 0.0,
                 what: str = "", mask: str | None = None) -> None:
        self.ctx, self.group, self.name, self.what, self.mask = ctx, group, name, what, mask
        self._limit = time_limit(seconds)

    def __enter__(self) -> None:
        self._limit.__enter__()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 _tb: object) -> bool:
        self._limit.__exit__()
        if kind is None or issubclass(kind, ENGINE_FLOW):
            return False  # Ctrl-C, a stopping signal, the engine's own flow
        if issubclass(kind, TimeLimitExceeded):
            raise TimedOut(timed_out(self.what, self._limit.seconds,
                                     reading=self.group is SOURCES)) from None
        if issubclass(kind, PluginError):
            message = str(exc)
        else:  # anything else: SystemExit, GeneratorExit, a BaseException of its own
            if self.ctx.debug and issubclass(kind, Exception):
                return False  # --debug: the traceback
            message = failed(self.ctx, self.group, self.name, exc)
        raise DirectiveError(self.mask if self.mask is not None else message) from exc


def failed(ctx: Context, group: Group, name: str, exc: BaseException | None) -> str:
    """The error for a plugin's bug: what it raised, and which plugin it is."""
    return (f"{group.kind} plugin {name!r} failed: {type(exc).__name__}: {exc}; "
            f"{ctx.registry.describe(group, name)}")
