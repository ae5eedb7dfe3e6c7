"""tstconfig under pytest (registered through the ``pytest11`` entry point).

- Fixtures for plugin authors: ``tstconfig_run`` runs a definition in-process with
  the plugins of ``tstconfig_plugins`` (override it in a conftest.py) and those given,
  and returns a :class:`tstconfig_core.testing.RunResult`.
- ``pytest --tstconfig checks/`` (or ``tstconfig = true`` in the ini file) collects
  ``*.tstconfig`` files: each block is a collector and each assertion an item, so a
  node id is the assertion's stable id (``checks/ssh.tstconfig::BLOCK::CHECK``, the
  file named from the rootdir). A file runs once, when its first item runs. A failure
  shows the 0.3 failure block, an error is a pytest error, a not-run assertion is
  skipped with its reason and a waived failure is an xfail. With ``--tstconfig-host``
  each assertion is an item per host (``CHECK[web1]``).

pytest imports this module in every session of every project where tstconfig is
installed: only pytest is imported here; tstconfig itself once a file is collected.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tstconfig", "tstconfig definition files")
    group.addoption("--tstconfig", action="store_true", default=False,
                    help="Collect *.tstconfig files: every assertion is a test item, its "
                         "node id the assertion's stable id (also: ini option tstconfig).")
    group.addoption("--tstconfig-host", action="append", default=[], metavar="URL",
                    dest="tstconfig_hosts",
                    help="Check this host instead of this machine (as tstconfig --host "
                         "takes it: ssh://[USER@]HOST[:PORT]); repeatable.")
    group.addoption("--tstconfig-ssh-config", metavar="FILE",
                    help="The ssh client configuration for --tstconfig-host (ssh -F FILE).")
    group.addoption("--tstconfig-var", action="append", default=[], metavar="NAME=VALUE",
                    dest="tstconfig_vars", help="A variable of every definition; repeatable.")
    group.addoption("--tstconfig-waivers", metavar="FILE",
                    help="Known failures to accept (tstconfig --waivers): reported xfail.")
    group.addoption("--tstconfig-timeout", type=float, default=None, metavar="SECONDS",
                    help="As tstconfig --timeout (default 60).")
    group.addoption("--tstconfig-root", metavar="DIR",
                    help="Check the folder tree under DIR as if it were the host.")
    parser.addini("tstconfig", type="bool", default=False,
                  help="Collect *.tstconfig files (as --tstconfig).")


class _Hooks:
    @pytest.hookspec
    def pytest_tstconfig_options(self, path: Any, config: pytest.Config) -> dict[str, Any]:
        """The options of the runs of the definition file at ``path`` (a conftest.py's
        hook applies below its folder): those of ``run_definition`` (``plugins``,
        ``variables``, ``cwd``, ``proc_root``, ``root``, ``files``, ``commands``...).
        Deeper conftests win; ``plugins`` and ``variables`` are merged, and the
        command line's --tstconfig-* options win over all of them."""


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(_Hooks)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "tstconfig: an assertion of a tstconfig definition file")
    if _collecting(config):  # the command line's options, checked before anything runs
        from tstconfig_core.api import located
        from tstconfig_core.testing.collect import TstconfigWarning
        from tstconfig_core.testing.settings import KEY, command_line
        config.stash[KEY] = found = command_line(config)
        if found.get("waivers") is not None and not hasattr(config, "workerinput"):
            for warning in found["waivers"].warnings(unused=False):  # (expired ones)
                config.issue_config_time_warning(TstconfigWarning(located("WARN:", warning)),
                                                 stacklevel=2)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, items: list[pytest.Item]) -> None:
    """Definition files pytest's own scan passes over (a FIFO, a link to nothing or in a
    loop, a file named only ``.tstconfig``) are errors, as tstconfig makes them: never a
    check left out in silence."""
    if _collecting(session.config):
        from tstconfig_core.testing.collect import missed
        items[:0] = missed(session)


def _collecting(config: pytest.Config) -> bool:
    try:
        return bool(config.getoption("tstconfig") or config.getini("tstconfig"))
    except ValueError as exc:  # (an ini value that is no boolean)
        raise pytest.UsageError(f"the ini option tstconfig: {exc}") from None


def pytest_collect_file(file_path: Any, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix != ".tstconfig" or not _collecting(parent.config):
        return None
    from tstconfig_core.testing.collect import DefinitionFile
    return DefinitionFile.from_parent(parent, path=file_path)


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> Iterator[None]:
    """With --tstconfig, --junitxml's file is made to Ant's JUnit schema once written."""
    yield
    config = session.config
    path = getattr(config.option, "xmlpath", None)
    if path and _collecting(config) and not hasattr(config, "workerinput"):
        import os
        if os.path.isfile(path):
            from tstconfig_core.testing.junit import to_ant
            to_ant(path)


@pytest.fixture
def tstconfig_plugins() -> dict[str, dict[str, Any]]:
    """The plugins every ``tstconfig_run`` of a test uses, as ``{group: {name: plugin}}``:
    none by default. A plugin's conftest.py returns its own, e.g.
    ``from_pyproject(ROOT / "pyproject.toml")``, so they are used without installing."""
    return {}


@pytest.fixture
def tstconfig_run(tstconfig_plugins: dict[str, dict[str, Any]]) -> Any:
    """``tstconfig_run(text, **options)``: :func:`tstconfig_core.testing.run_definition`
    with the plugins of ``tstconfig_plugins`` as well as those given."""
    from tstconfig_core.testing import run_definition

    def run(text: str, **options: Any) -> Any:
        plugins = {group: dict(named) for group, named in tstconfig_plugins.items()}
        for group, named in (options.pop("plugins", None) or {}).items():
            plugins.setdefault(group, {}).update(named)
        return run_definition(text, plugins=plugins, **options)
    return run
