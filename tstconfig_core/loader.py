"""Finding and loading plugins through entry points, with stevedore.

Entry points are listed without importing anything (stevedore's cache); a
plugin module is imported only when a run first uses its name. Loading never
drops a plugin silently: an import failure or two distributions registering
the same name raise :class:`PluginLoadError`, which names the entry point and
its distribution(s) and becomes an error at the definition line that used it.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

from tstconfig_core.api import PluginError

log = logging.getLogger(__name__)

GROUPS = {
    "sources": "tstconfig.sources",
    "parsers": "tstconfig.parsers",
    "syntaxes": "tstconfig.syntaxes",
    "assertions": "tstconfig.assertions",
    "reporters": "tstconfig.reporters",
}


#: The distribution of the built-in plugins, which cannot be disabled.
CORE_DISTRIBUTION = "tstconfig"
#: Comma-separated distributions whose plugins are ignored, as if not installed.
DISABLE_VARIABLE = "TSTCONFIG_DISABLE_PLUGINS"


class PluginLoadError(PluginError):
    """A registered plugin could not be used (import failure, conflict, wrong type)."""


def canonical(name: str) -> str:
    """A distribution name as packaging compares them (``Foo_Bar`` is ``foo-bar``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def distributions(group: str) -> dict[tuple[str, str], tuple[str, str]]:
    """(entry point name, value) -> (distribution, version) for one group.

    Read from the installed metadata, so only asked for when a message, a
    listing or a disabled distribution needs it.
    """
    from importlib.metadata import entry_points
    return {(ep.name, ep.value): (ep.dist.name, ep.dist.version)
            for ep in entry_points(group=group) if ep.dist is not None}


def distribution_of(group: str, name: str, value: str) -> str:
    """``dist VERSION`` of the entry point."""
    dist = distributions(group).get((name, value))
    return f"{dist[0]} {dist[1]}" if dist else "an unknown distribution"


def describe(ep: Any) -> str:
    """``name = module:attr`` in group (from distribution VERSION)."""
    return (f"entry point '{ep.name} = {ep.value}' in {ep.group} "
            f"(distribution {distribution_of(ep.group, ep.name, ep.value)})")


class PluginRegistry:
    """The plugins of every group, loaded on first use and kept.

    ``disabled`` names distributions whose entry points are left out, as if
    they were not installed (the core's own cannot be disabled).
    """

    def __init__(self, disabled: Iterable[str] = ()) -> None:
        self.disabled = {canonical(d.strip()) for d in disabled if d.strip()} - {CORE_DISTRIBUTION}
        self._entry_points: dict[str, list[Any]] = {}
        self._switched_off: dict[str, dict[str, str]] = {}  # group -> name -> distribution
        self._names: dict[str, frozenset[str]] = {}
        self._loaded: dict[tuple[str, str], Any] = {}

    def entry_points(self, group: str) -> list[Any]:
        """The group's entry points, sorted by name, none imported."""
        if group not in self._entry_points:
            from stevedore import NamedExtensionManager
            manager = NamedExtensionManager(group, names=[])
            found = sorted(manager.list_entry_points(), key=lambda ep: (ep.name, ep.value))
            off: dict[str, str] = {}
            if self.disabled:
                dists = distributions(group)
                kept = []
                for ep in found:
                    dist = dists.get((ep.name, ep.value), ("", ""))[0]
                    if canonical(dist) in self.disabled:
                        off[ep.name] = dist
                    else:
                        kept.append(ep)
                found = kept
            self._entry_points[group], self._switched_off[group] = found, off
        return self._entry_points[group]

    def disabled_provider(self, group: str, name: str) -> str | None:
        """The disabled distribution that registers ``name`` in ``group``, if any."""
        self.entry_points(group)
        return self._switched_off[group].get(name)

    def describe(self, group: str, name: str) -> str:
        """The entry point(s) of ``name``, with their distributions, for messages."""
        found = [ep for ep in self.entry_points(group) if ep.name == name]
        return "; ".join(describe(ep) for ep in found) or f"no entry point '{name}' in {group}"

    def names(self, group: str) -> list[str]:
        return sorted(self._name_set(group))

    def has(self, group: str, name: str) -> bool:
        return name in self._name_set(group)

    def _name_set(self, group: str) -> frozenset[str]:
        if group not in self._names:
            self._names[group] = frozenset(ep.name for ep in self.entry_points(group))
        return self._names[group]

    def load(self, group: str, name: str) -> Any:
        """The object an entry point names (imported now, once)."""
        key = (group, name)
        if key not in self._loaded:
            self._loaded[key] = self._load(group, name)
        return self._loaded[key]

    def instance(self, group: str, name: str, contract: type) -> Any:
        """The plugin as an instance of ``contract`` (a class is instantiated once)."""
        key = (group, name, "instance")
        if key not in self._loaded:
            plugin = self.load(group, name)
            ep = self._single(group, name)
            try:
                obj = plugin() if isinstance(plugin, type) else plugin
            except Exception as exc:
                raise PluginLoadError(
                    f"plugin {name!r} could not be created: {type(exc).__name__}: {exc}; "
                    f"{describe(ep)}") from exc
            if not isinstance(obj, contract):
                raise PluginLoadError(
                    f"plugin {name!r} is not a {contract.__module__}.{contract.__qualname__}; "
                    f"{describe(ep)}")
            self._loaded[key] = obj
        return self._loaded[key]

    def _single(self, group: str, name: str) -> Any:
        found = [ep for ep in self.entry_points(group) if ep.name == name]
        if not found:
            raise KeyError(name)
        if len(found) > 1:
            dists = "; ".join(describe(ep) for ep in found)
            raise PluginLoadError(
                f"{name!r} is registered by more than one plugin in {group}: {dists}; "
                "uninstall or disable one of them")
        return found[0]

    def _load(self, group: str, name: str) -> Any:
        ep = self._single(group, name)
        if name in self._switched_off[group]:
            # A disabled distribution registers this name too. stevedore imports every
            # entry point of a name before resolving, so load the chosen one alone.
            try:
                return ep.load()
            except Exception as exc:
                raise self._import_failed(ep, exc) from exc
        from stevedore import NamedExtensionManager
        failures: list[BaseException] = []

        def on_failure(_manager: Any, _ep: Any, exc: BaseException) -> None:
            failures.append(exc)

        def on_conflict(namespace: str, conflicted: str, extensions: list[Any]) -> Any:
            raise PluginLoadError(f"{conflicted!r} is registered more than once in {namespace}")

        manager = NamedExtensionManager(group, names=[name],
                                        on_load_failure_callback=on_failure,
                                        conflict_resolver=on_conflict)
        if failures:
            raise self._import_failed(ep, failures[0]) from failures[0]
        log.debug("loaded %s from %s", name, ep.value)
        return manager[name].plugin

    @staticmethod
    def _import_failed(ep: Any, exc: BaseException) -> PluginLoadError:
        return PluginLoadError(f"plugin {ep.name!r} failed to import: {type(exc).__name__}: "
                               f"{exc}; {describe(ep)}")
