"""Finding and loading plugins through entry points.

Entry points are listed from tstconfig's index of them (see
:mod:`tstconfig_core.entrypoints`), without importing any plugin; a plugin
module is imported only when a run first uses its name. tstconfig's own
plugins are imported directly; a third party's are loaded with stevedore,
with a failure callback and a conflict resolver, so nothing is dropped
silently. An import failure, or two distributions registering the same name,
raises :class:`PluginLoadError`, which names the entry point and its
distribution(s) and becomes an error at the definition line that used it.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from tstconfig_core.api import PluginError
from tstconfig_core.entrypoints import EntryPoint, installed, load



#: The distribution of the built-in plugins, which cannot be disabled.
CORE_DISTRIBUTION = "tstconfig"
#: Comma-separated distributions whose plugins are ignored, as if not installed.
DISABLE_VARIABLE = "TSTCONFIG_DISABLE_PLUGINS"


class PluginLoadError(PluginError):
    """A registered plugin could not be used (import failure, conflict, wrong type)."""


def canonical(name: str) -> str:
    """A distribution name as packaging compares them (``Foo_Bar`` is ``foo-bar``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def describe(ep: EntryPoint) -> str:
    """``name = module:attr`` in group (from distribution VERSION)."""
    return (f"entry point '{ep.name} = {ep.value}' in {ep.group} "
            f"(distribution {ep.dist} {ep.version})")


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

    def entry_points(self, group: str) -> list[EntryPoint]:
        """The group's entry points, sorted by name, none imported."""
        if group not in self._entry_points:
            found = sorted((ep for ep in installed() if ep.group == group),
                           key=lambda ep: (ep.name, ep.value))
            off = {ep.name: ep.dist for ep in found if canonical(ep.dist) in self.disabled}
            self._entry_points[group] = [ep for ep in found
                                         if canonical(ep.dist) not in self.disabled]
            self._switched_off[group] = off
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

    def _single(self, group: str, name: str) -> EntryPoint:
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
        if canonical(ep.dist) == CORE_DISTRIBUTION or name in self._switched_off[group]:
            # tstconfig's own modules: no need for stevedore's machinery (or its import
            # time). And where a disabled distribution registers the name too, stevedore
            # would import both before resolving, so the chosen one is loaded alone.
            try:
                return load(ep)
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
        if name not in manager.names():
            raise PluginLoadError(f"plugin {name!r} was not found by stevedore; {describe(ep)}")
        return manager[name].plugin

    @staticmethod
    def _import_failed(ep: EntryPoint, exc: BaseException) -> PluginLoadError:
        return PluginLoadError(f"plugin {ep.name!r} failed to import: {type(exc).__name__}: "
                               f"{exc}; {describe(ep)}")
