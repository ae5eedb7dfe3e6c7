"""``tstconfig --list-plugins``: every registered plugin, and whether it works.

Each plugin is imported here (the one place that imports them all), so a
broken one is listed as broken with the reason, and the listing still succeeds.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

from tstconfig_core.loading.groups import ALL, ASSERTIONS, PARSERS, SOURCES, Group
from tstconfig_core.loading.index import installed
from tstconfig_core.loading.registry import PluginLoadError, PluginRegistry, canonical
from tstconfig_core.render import printable

MAX_SUMMARY = 200


def _summary(plugin: Any) -> str:
    """The first line of the plugin's summary (or docstring), whatever its type."""
    text = getattr(plugin, "summary", "") or getattr(plugin, "__doc__", "") or ""
    if not isinstance(text, str):
        return f"(its summary is a {type(text).__name__}, not a text)"
    lines = text.strip().splitlines()
    return printable(lines[0][:MAX_SUMMARY]) if lines else ""


def _reason(exc: BaseException) -> str:
    cause = exc.__cause__
    if cause is None:
        return str(exc).split("; entry point")[0]
    return f"{type(cause).__name__}: {cause}"


def _status(registry: PluginRegistry, group: Group, name: str) -> tuple[str, str]:
    """(status, summary) of one name that only one distribution registers."""
    try:
        plugin = registry.instance(group, name)
    except PluginLoadError as exc:
        return "broken", _reason(exc)
    return "ok", _summary(plugin)


def plugin_rows(registry: PluginRegistry) -> list[list[str]]:
    """[group, name, distribution, version, status, summary] for every entry point."""
    from tstconfig_core.engine.namespace import Namespace
    keywords = Namespace(registry)
    rows = []
    everything = installed()
    for group in ALL:
        eps = registry.entry_points(group)
        counts = Counter(ep.name for ep in eps)
        for ep in eps:
            mine = f"the {group.kind} '{ep.name} = {ep.value}' of {ep.dist} {ep.version}"
            if counts[ep.name] > 1:
                others = sorted({o.dist for o in eps if o.name == ep.name and o != ep})
                status, summary = "conflict", f"also registered by {', '.join(others)}"
            elif group in (SOURCES, ASSERTIONS) and ep.name in keywords.clashes:
                others = [c for c in keywords.owners[ep.name] if c != mine]
                status, summary = "conflict", f"also claimed as {'; '.join(others)}"
            else:
                status, summary = _status(registry, group, ep.name)
                clash = (keywords.option_clashes(ep.name, registry.instance(group, ep.name).options)
                         if status == "ok" and group is PARSERS else None)
                if clash is not None:
                    status, summary = "conflict", clash
            rows.append([group.name, ep.name, ep.dist, ep.version, status, summary])
        for ep in everything:
            if ep.group == group.name and canonical(ep.dist) in registry.disabled:
                rows.append([group.name, ep.name, ep.dist, ep.version, "disabled", ""])
    return rows


def render(registry: PluginRegistry) -> str:
    from tabulate import tabulate
    rows = plugin_rows(registry)
    table = tabulate(rows, headers=["group", "name", "distribution", "version", "status",
                                    "summary"], tablefmt="simple", disable_numparse=True)
    broken = sum(r[4] in ("broken", "conflict") for r in rows)
    note = (f"\n{broken} plugin(s) cannot be used; a definition that uses one gets an error "
            "at that line, and every other definition runs as usual.\n" if broken else "\n")
    return table + "\n" + note
