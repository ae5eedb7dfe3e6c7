"""The options of ``pytest --tstconfig`` runs: the command line's, checked once when the
session starts (a mistake is a usage error, as ``tstconfig`` makes it), and those a
``conftest.py`` gives through the ``pytest_tstconfig_options`` hook, checked per file.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import pytest

#: What a conftest's hook may give (``run_definition``'s options, less the run's own).
HOOK_OPTIONS = frozenset({"plugins", "variables", "cwd", "root", "proc_root", "files",
                          "commands", "host", "timeout", "max_size", "no_commands",
                          "installed"})
#: Options that say which host is checked: the command line's host wins over them all.
HOST_OPTIONS = ("files", "commands", "host", "root", "proc_root")
KEY = pytest.StashKey[dict]()


class OptionsError(Exception):
    """A conftest's hook gave what a run cannot take."""


def command_line(config: pytest.Config) -> dict[str, Any]:
    """The --tstconfig-* options, checked, paths made absolute from where pytest was
    started (a conftest's ``cwd`` must not move them); pytest.UsageError for a mistake."""
    from tstconfig_core.engine.values import NAME
    here = str(config.invocation_params.dir)
    found: dict[str, Any] = {"variables": {}}
    for text in config.getoption("tstconfig_vars"):
        name, equals, value = text.partition("=")
        if not equals or not NAME.fullmatch(name):
            raise pytest.UsageError(f"--tstconfig-var: expected NAME=VALUE, NAME a letter or _ "
                                    f"then letters, digits or _; not {text!r}")
        if name in found["variables"]:
            raise pytest.UsageError(f"--tstconfig-var: {name} is given twice")
        found["variables"][name] = value
    timeout = config.getoption("tstconfig_timeout")
    if timeout is not None:
        from tstconfig_core.testing.runs import timeout_problem
        problem = timeout_problem(timeout)
        if problem:
            raise pytest.UsageError(f"--tstconfig-timeout: {problem}")
        found["timeout"] = timeout
    root = config.getoption("tstconfig_root")
    if root is not None:
        found["root"] = os.path.join(here, root)
        if not os.path.isdir(found["root"]):
            raise pytest.UsageError(f"--tstconfig-root: {root!r} is not a folder")
    ssh_config = config.getoption("tstconfig_ssh_config")
    if ssh_config is not None:
        ssh_config = os.path.join(here, ssh_config)
        if not os.path.isfile(ssh_config):
            raise pytest.UsageError(f"--tstconfig-ssh-config: {ssh_config!r} is not a file")
    found.update(_hosts(config.getoption("tstconfig_hosts"), ssh_config))
    waivers = config.getoption("tstconfig_waivers")
    if waivers is not None:
        from tstconfig_core.waivers import WaiverError, load
        try:
            found["waivers"] = load(os.path.join(here, waivers))
        except WaiverError as exc:
            raise pytest.UsageError(f"--tstconfig-waivers: {exc}") from None
    return found


def _hosts(hosts: list[str], ssh_config: str | None) -> dict[str, Any]:
    if not hosts:
        return {"hosts": [None]}
    from tstconfig_core.fleet.targets import (HostSettings, TargetError, from_command_line,
                                              unique)
    try:
        names = [t.name for t in unique(from_command_line(hosts, ()))]
    except TargetError as exc:
        raise pytest.UsageError(f"--tstconfig-host: {exc}") from None
    return {"hosts": names, "targets": hosts,
            "host_settings": HostSettings(ssh_config=ssh_config)}


def for_file(node: pytest.Collector) -> dict[str, Any]:
    """The options of a file's runs: its conftests' hooks (deeper ones win; ``plugins``
    and ``variables`` merged), then the command line's, which win over all of them.
    OptionsError for what a hook gave wrong."""
    from tstconfig_core.testing.runs import plugin_groups
    found: dict[str, Any] = {"plugins": {}, "variables": {}}
    given = node.ihook.pytest_tstconfig_options(path=node.path, config=node.config)
    for answer in reversed(given):
        if answer is None:
            continue
        if not isinstance(answer, Mapping):
            raise OptionsError(f"a pytest_tstconfig_options hook returned "
                               f"{type(answer).__name__}, not a mapping of options")
        unknown = sorted(set(answer) - HOOK_OPTIONS)
        if unknown:
            raise OptionsError(f"a pytest_tstconfig_options hook gave unknown options "
                               f"{', '.join(map(repr, unknown))}; it may give "
                               f"{', '.join(sorted(HOOK_OPTIONS))}")
        for key, value in answer.items():
            if key in ("plugins", "variables") and not isinstance(value, Mapping):
                raise OptionsError(f"a pytest_tstconfig_options hook gave {key} that is "
                                   f"not a mapping ({type(value).__name__})")
            if key == "plugins":
                try:
                    groups = plugin_groups(value)
                except ValueError as exc:
                    raise OptionsError(f"a pytest_tstconfig_options hook's plugins: {exc}")
                for group, named in groups.items():
                    found["plugins"].setdefault(group, {}).update(named)
            elif key == "variables":
                found["variables"].update(value)
            else:
                found[key] = value
    line = node.config.stash[KEY]
    if "root" in line or "targets" in line:  # the command line's host, over any given
        for key in HOST_OPTIONS:
            found.pop(key, None)
    found["variables"].update(line["variables"])
    found.update({k: v for k, v in line.items()
                  if k in ("root", "timeout", "waivers") and v is not None})
    return found
