"""Every keyword a definition can use is one namespace.

The core's directives, its parse options, the sources and the assertions are
all written the same way (``keyword args``), and a parse mode's own options
join them inside its blocks. A name claimed twice (a third party's source
called ``assert_defined``, an assertion called ``property``, a parse mode
declaring ``columns`` as its option) is never settled by lookup order, which
would let one plugin silently hijack another's checks: every line that uses
it is an error naming both claims, and ``--list-plugins`` shows the clash.
Parse-mode and syntax names are values, not keywords; two distributions
registering one of those are caught by the registry.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from tstconfig_core.loading.groups import ASSERTIONS, SOURCES

if TYPE_CHECKING:
    from tstconfig_core.loading.registry import PluginRegistry

CORE_DIRECTIVE = "a directive of tstconfig's core"
CORE_OPTION = "a parse option of tstconfig's core"


class Namespace:
    """Who claims each keyword, and the keywords more than one claims."""

    __slots__ = ("owners", "clashes")

    def __init__(self, registry: PluginRegistry) -> None:
        from tstconfig_core.engine.directives import CORE
        from tstconfig_core.options import OPTION_DIRECTIVES
        owners: dict[str, list[str]] = {}
        kinds: dict[str, set[str]] = {}
        for keyword in CORE:
            owners[keyword], kinds[keyword] = [CORE_DIRECTIVE], {"core"}
        for keyword in OPTION_DIRECTIVES:
            if keyword not in owners:  # (parse_mode is both)
                owners[keyword], kinds[keyword] = [CORE_OPTION], {"core"}
        for group in (SOURCES, ASSERTIONS):
            for ep in registry.entry_points(group):
                owners.setdefault(ep.name, []).append(
                    f"the {group.kind} '{ep.name} = {ep.value}' of {ep.dist} {ep.version}")
                kinds.setdefault(ep.name, set()).add(group.kind)
        self.owners = owners
        #: keyword -> the error for every line that uses it. (Two plugins of one group
        #: registering a name is the registry's error, said where the name is used.)
        self.clashes = {keyword: _clash(keyword, owners[keyword])
                        for keyword, of in kinds.items() if len(of) > 1}

    def option_clashes(self, mode: str, options: Iterable[str]) -> str | None:
        """Why parse mode ``mode`` cannot be used, if one of its options is a keyword
        something else claims."""
        taken = sorted(o for o in options if o in self.owners)
        if not taken:
            return None
        claims = "; ".join(f"{o!r} is {self.owners[o][0]}" for o in taken)
        return (f"parse mode {mode!r} declares option(s) that are keywords already: "
                f"{claims}; a definition could not tell them apart, so the parse mode "
                "cannot be used (rename its options)")


def _clash(keyword: str, claims: list[str]) -> str:
    return (f"{keyword!r} is claimed more than once in the keywords a definition can use: "
            f"{'; '.join(claims)}; a line using it is not run (uninstall or disable one "
            "of them: TSTCONFIG_DISABLE_PLUGINS or --disable-plugins)")
