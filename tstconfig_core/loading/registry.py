"""The plugins of every group: found through entry points, loaded on first use.

Entry points are listed from tstconfig's index of them (see
:mod:`tstconfig_core.loading.index`), without importing any plugin; a plugin
module is imported only when a run first uses its name. tstconfig's own
plugins are imported directly; a third party's are loaded with stevedore,
with a failure callback and a conflict resolver, so nothing is dropped
silently. An import failure, a name that is unknown or disabled, or two
distributions registering the same name, raises :class:`PluginLoadError`,
which names the entry point and its distribution(s) and becomes an error at
the definition line that used it.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from tstconfig_core.api import PluginError
from tstconfig_core.loading.groups import Group
from tstconfig_core.limits import TimeLimitExceeded, time_limit
from tstconfig_core.loading.index import EntryPoint, installed, load
from tstconfig_core.signals import PASS_THROUGH

#: The distribution of the built-in plugins, which cannot be disabled.
CORE_DISTRIBUTION = "tstconfig"
#: Comma-separated distributions whose plugins are ignored, as if not installed.
DISABLE_VARIABLE = "TSTCONFIG_DISABLE_PLUGINS"
#: The distribution named for plugins given to the registry directly (the testing kit).
GIVEN_DISTRIBUTION = "(given directly)"


class PluginLoadError(PluginError):
    """A plugin cannot be used: unknown, disabled, failing to import, a conflict, wrong type."""


def canonical(name: str) -> str:
    """A distribution name as packaging compares them (``Foo_Bar`` is ``foo-bar``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def describe(ep: EntryPoint) -> str:
    """``name = module:attr`` in group (from distribution VERSION)."""
    return (f"entry point '{ep.name} = {ep.value}' in {ep.group} "
            f"(distribution {' '.join(filter(None, (ep.dist, ep.version)))})")


class PluginRegistry:
    """The plugins of every group, loaded on first use and kept.

    ``disabled`` names distributions whose entry points are left out, as if
    they were not installed (the core's own cannot be disabled). ``given`` maps a group's
    name (``tstconfig.assertions``) to ``{name: plugin}``: plugins used as if installed,
    without being installed (:mod:`tstconfig_core.testing`); each replaces an installed
    plugin of the same name.
    """

    def __init__(self, disabled: Iterable[str] = (), *, import_timeout: float = 60.0,
                 given: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self.disabled = {canonical(d.strip()) for d in disabled if d.strip()} - {CORE_DISTRIBUTION}
        self.given = {group: dict(plugins) for group, plugins in (given or {}).items()}
        #: Seconds a plugin's import and creation may take (a hung import is an error).
        self.import_timeout = import_timeout
        self._entry_points: dict[str, list[EntryPoint]] = {}
        self._switched_off: dict[str, dict[str, str]] = {}  # group -> name -> distribution
        self._names: dict[str, frozenset[str]] = {}
        self._loaded: dict[tuple[str, str, bool], Any] = {}
        self._failed: dict[tuple[str, str, bool], PluginLoadError] = {}

    def entry_points(self, group: Group) -> list[EntryPoint]:
        """The group's entry points, sorted by name, none imported."""
        if group.name not in self._entry_points:
            given = self.given.get(group.name, {})
            found = sorted([ep for ep in installed()
                            if ep.group == group.name and ep.name not in given]
                           + [_given_entry(group, name, plugin)
                              for name, plugin in given.items()],
                           key=lambda ep: (ep.name, ep.value))
            self._entry_points[group.name] = [ep for ep in found
                                              if canonical(ep.dist) not in self.disabled]
            self._switched_off[group.name] = {ep.name: ep.dist for ep in found
                                              if canonical(ep.dist) in self.disabled}
        return self._entry_points[group.name]

    def disabled_provider(self, group: Group, name: str) -> str | None:
        """The disabled distribution that registers ``name`` in ``group``, if any."""
        self.entry_points(group)
        return self._switched_off[group.name].get(name)

    def names(self, group: Group) -> list[str]:
        return sorted(self._name_set(group))

    def has(self, group: Group, name: str) -> bool:
        return name in self._name_set(group)

    def _name_set(self, group: Group) -> frozenset[str]:
        if group.name not in self._names:
            self._names[group.name] = frozenset(ep.name for ep in self.entry_points(group))
        return self._names[group.name]

    def unavailable(self, group: Group, name: str) -> str:
        """Why ``name`` is no plugin of ``group``: its distribution is disabled, or it is
        unknown (with the names that are known)."""
        dist = self.disabled_provider(group, name)
        if dist:
            return (f"{group.kind} {name!r} comes from the distribution {dist}, which is "
                    f"disabled ({DISABLE_VARIABLE} or --disable-plugins)")
        return f"unknown {group.kind} {name!r}; known: {', '.join(self.names(group))}"

    def load(self, group: Group, name: str) -> Any:
        """The object an entry point names (imported now, once)."""
        key = (group.name, name, False)
        if key not in self._loaded:
            if not self.has(group, name):
                raise PluginLoadError(self.unavailable(group, name))
            self._loaded[key] = self._remembered(key, lambda: self._load(group, name))
        return self._loaded[key]

    def _remembered(self, key: tuple[str, str, bool], make: Callable[[], Any]) -> Any:
        """``make()``, bounded in time; a failure is kept, so a broken plugin is imported
        (and waited for) once per run, not once per use."""
        if key in self._failed:
            raise self._failed[key]
        try:
            with time_limit(self.import_timeout):
                return make()
        except PluginLoadError as exc:
            self._failed[key] = exc
            raise

    def is_core(self, group: Group, name: str) -> bool:
        """Whether ``name`` is tstconfig's own plugin (and nobody else's)."""
        found = [ep for ep in self.entry_points(group) if ep.name == name]
        return len(found) == 1 and canonical(found[0].dist) == CORE_DISTRIBUTION

    def is_ready(self, group: Group, name: str) -> bool:
        """Whether ``name`` can be had without importing a third party's code: it is
        tstconfig's own, or imported already."""
        return (group.name, name, False) in self._loaded or self.is_core(group, name)

    def instance(self, group: Group, name: str) -> Any:
        """The plugin, checked against its group's contract: an instance made once (a class
        is instantiated with no arguments), or for a group that makes one per use (reporters)
        the class itself."""
        key = (group.name, name, True)
        if key not in self._loaded:
            plugin = self.load(group, name)
            self._loaded[key] = self._remembered(key, lambda: self._checked(group, name, plugin))
        return self._loaded[key]

    def _checked(self, group: Group, name: str, plugin: Any) -> Any:
        ep = self._single(group, name)
        if not group.shared:
            if not (isinstance(plugin, type) and issubclass(plugin, group.contract)):
                raise PluginLoadError(f"{group.kind} {name!r} is not a "
                                      f"{_qualified(group.contract)} class; {describe(ep)}")
            return plugin
        try:
            obj = plugin() if isinstance(plugin, type) else plugin
        except PASS_THROUGH:
            raise
        except TimeLimitExceeded:
            raise self._too_slow(ep, "to be created") from None
        except BaseException as exc:  # SystemExit too: a plugin never ends the run
            raise PluginLoadError(
                f"plugin {name!r} could not be created: {type(exc).__name__}: {exc}; "
                f"{describe(ep)}") from exc
        if not isinstance(obj, group.contract):
            raise PluginLoadError(f"plugin {name!r} is not a "
                                  f"{_qualified(group.contract)}; {describe(ep)}")
        return obj

    def describe(self, group: Group, name: str) -> str:
        """The entry point(s) of ``name``, with their distributions, for messages."""
        found = [ep for ep in self.entry_points(group) if ep.name == name]
        return "; ".join(describe(ep) for ep in found) or f"no entry point '{name}' in {group.name}"

    def _single(self, group: Group, name: str) -> EntryPoint:
        found = [ep for ep in self.entry_points(group) if ep.name == name]
        if not found:
            raise PluginLoadError(self.unavailable(group, name))
        if len(found) > 1:
            dists = "; ".join(describe(ep) for ep in found)
            raise PluginLoadError(
                f"{name!r} is registered by more than one plugin in {group.name}: {dists}; "
                "uninstall or disable one of them")
        return found[0]

    def _load(self, group: Group, name: str) -> Any:
        ep = self._single(group, name)
        if ep.dist == GIVEN_DISTRIBUTION:
            return self.given[group.name][name]
        if canonical(ep.dist) == CORE_DISTRIBUTION or name in self._switched_off[group.name]:
            # tstconfig's own modules: no need for stevedore's machinery (or its import
            # time). And where a disabled distribution registers the name too, stevedore
            # would import both before resolving, so the chosen one is loaded alone.
            return self._importing(ep, lambda: load(ep))
        return self._importing(ep, lambda: self._stevedore(group, name, ep))

    def _importing(self, ep: EntryPoint, do: Callable[[], Any]) -> Any:
        try:
            return do()
        except (*PASS_THROUGH, PluginLoadError):
            raise
        except TimeLimitExceeded:
            raise self._too_slow(ep, "to import") from None
        except BaseException as exc:  # SystemExit too: a plugin never ends the run
            raise self._import_failed(ep, exc) from exc

    def _too_slow(self, ep: EntryPoint, what: str) -> PluginLoadError:
        return PluginLoadError(f"plugin {ep.name!r} took longer than {self.import_timeout:g} s "
                               f"{what} (a hung import?); {describe(ep)}")

    def _stevedore(self, group: Group, name: str, ep: EntryPoint) -> Any:
        from stevedore import NamedExtensionManager
        failures: list[BaseException] = []

        def on_failure(_manager: Any, _ep: Any, exc: BaseException) -> None:
            failures.append(exc)

        def on_conflict(namespace: str, conflicted: str, extensions: list[Any]) -> Any:
            raise PluginLoadError(f"{conflicted!r} is registered more than once in {namespace}")

        manager = NamedExtensionManager(group.name, names=[name],
                                        on_load_failure_callback=on_failure,
                                        conflict_resolver=on_conflict)
        if failures:
            if isinstance(failures[0], TimeLimitExceeded):  # (stevedore caught it)
                raise failures[0]
            raise self._import_failed(ep, failures[0]) from failures[0]
        if name not in manager.names():
            raise PluginLoadError(f"plugin {name!r} was not found by stevedore; {describe(ep)}")
        return manager[name].plugin

    @staticmethod
    def _import_failed(ep: EntryPoint, exc: BaseException) -> PluginLoadError:
        return PluginLoadError(f"plugin {ep.name!r} failed to import: {type(exc).__name__}: "
                               f"{exc}; {describe(ep)}")


def _given_entry(group: Group, name: str, plugin: Any) -> EntryPoint:
    """The entry point a plugin given directly stands for, for messages and listings."""
    where = plugin if isinstance(plugin, type) else type(plugin)
    return EntryPoint(name, f"{where.__module__}:{where.__qualname__}", group.name,
                      GIVEN_DISTRIBUTION, "")


def _qualified(contract: type) -> str:
    return f"tstconfig_core.api.{contract.__qualname__}"
