"""What an unknown keyword may have meant: a disabled plugin, a parse mode's option in
the wrong place, or a near miss (``did you mean``)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from tstconfig_core.api import PluginError
from tstconfig_core.engine import directives
from tstconfig_core.engine.context import Context
from tstconfig_core.loading.groups import ASSERTIONS, PARSERS, SOURCES
from tstconfig_core.options import OPTION_DIRECTIVES

if TYPE_CHECKING:
    from tstconfig_core.engine.block import Block

#: Keywords longer than this get no "did you mean" (no keyword is near that long).
MAX_KEYWORD = 40


def unknown_keyword(ctx: Context, keyword: str, block: Block | None) -> str:
    """The error for a keyword nothing registered."""
    registry = ctx.registry
    for group in (SOURCES, ASSERTIONS):
        if registry.disabled_provider(group, keyword):
            return registry.unavailable(group, keyword)
    owners = _parsers_with_option(ctx, keyword)
    if owners:
        modes = " or ".join(f"'parse_mode {m}'" for m in owners)
        now = block.parse_mode if block else "not set: no source yet"
        return (f"{keyword!r} is an option of {modes}; put it after that parse_mode "
                f"(this block's parse mode is {now})")
    known = [*directives.CORE, *OPTION_DIRECTIVES, *registry.names(SOURCES),
             *registry.names(ASSERTIONS)]
    if block is not None:
        try:
            known.extend(registry.instance(PARSERS, block.parse_mode).options)
        except PluginError:
            pass
    import difflib
    close = (difflib.get_close_matches(keyword, known, n=1, cutoff=0.6)
             if len(keyword) <= MAX_KEYWORD else [])
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown directive {keyword!r}{hint}"


def _parsers_with_option(ctx: Context, keyword: str) -> list[str]:
    """Parse modes that declare ``keyword``: tstconfig's own, and the third parties' that
    this run has imported already. A suggestion never imports a plugin: its import could
    hang, print, or fail."""
    owners = []
    for name in ctx.registry.names(PARSERS):
        if not ctx.registry.is_ready(PARSERS, name):
            continue
        try:
            parser = ctx.registry.instance(PARSERS, name)
        except PluginError:
            continue  # a broken parser is reported where it is used
        if keyword in parser.options:
            owners.append(name)
    return owners
