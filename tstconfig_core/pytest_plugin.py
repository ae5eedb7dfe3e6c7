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

import warnings
from collections.abc import Iterator
from typing import Any

import pytest


class TstconfigWarning(UserWarning):
    """A WARN line of a definition file (its location and message)."""


class _Failed(Exception):
    """An assertion that failed: its result, for the failure block."""


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


def _collecting(config: pytest.Config) -> bool:
    return bool(config.getoption("tstconfig") or config.getini("tstconfig"))


def pytest_collect_file(file_path: Any, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix != ".tstconfig" or not _collecting(parent.config):
        return None
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


def _options(node: pytest.Collector) -> dict[str, Any]:
    """The kit's options for a file: its conftests' hooks, then the command line's."""
    config = node.config
    found: dict[str, Any] = {}
    for given in reversed(node.ihook.pytest_tstconfig_options(path=node.path, config=config)):
        for key, value in (given or {}).items():
            if key in ("plugins", "variables"):
                merged = found.setdefault(key, {})
                for name, inner in value.items():
                    merged[name] = ({**merged.get(name, {}), **inner} if key == "plugins"
                                    else inner)
            else:
                found[key] = value
    variables = found.setdefault("variables", {})
    for text in config.getoption("tstconfig_vars"):
        name, equals, value = text.partition("=")
        if not equals or not name:
            raise pytest.UsageError(f"--tstconfig-var takes NAME=VALUE, not {text!r}")
        variables[name] = value
    if config.getoption("tstconfig_timeout") is not None:
        found["timeout"] = config.getoption("tstconfig_timeout")
    if config.getoption("tstconfig_root"):
        found["root"] = config.getoption("tstconfig_root")
    return found


def _fleet(config: pytest.Config) -> dict[str, Any]:
    hosts = config.getoption("tstconfig_hosts")
    if not hosts:
        return {}
    from tstconfig_core.fleet.targets import HostSettings
    return {"targets": hosts,
            "host_settings": HostSettings(ssh_config=config.getoption("tstconfig_ssh_config"))}


def _host_names(config: pytest.Config) -> list[str | None]:
    hosts = config.getoption("tstconfig_hosts")
    if not hosts:
        return [None]
    from tstconfig_core.fleet.targets import TargetError, from_command_line, unique
    try:
        return [t.name for t in unique(from_command_line(hosts, ()))]
    except TargetError as exc:
        raise pytest.UsageError(f"--tstconfig-host: {exc}") from None


class DefinitionFile(pytest.File):
    """A definition file: its blocks, found without reading or running anything."""

    def collect(self) -> Iterator[pytest.Collector | pytest.Item]:
        from tstconfig_core.finding import read_definition
        from tstconfig_core.testing import run_definition
        self.shown = self.nodeid.split("::")[0]  # the path from the rootdir: the ids' FILE
        try:
            self.text = read_definition(str(self.path))[1]
        except OSError as exc:
            raise self.CollectError(f"cannot read {self.shown}: {exc.strerror or exc}") from None
        checked = run_definition(self.text, name=self.shown, check_only=True,
                                 **self.options())
        hosts = _host_names(self.config)
        blocks: dict[str, DefinitionBlock] = {}
        for result in checked.results:
            block = blocks.get(result.block)
            if block is None:
                block = blocks[result.block] = DefinitionBlock.from_parent(self, name=result.block)
            block.checks.append((result.name, result.line, result.id))
        self.hosts = hosts
        self.order: list[AssertionItem] = []  # every item, in the file's order
        self._outcome: dict[str | None, Any] | None = None
        if not blocks:  # nothing to check: one item runs the file, for its errors
            yield AssertionItem.from_parent(self, name="(no assertion)", line=1, id=None,
                                            host=hosts[0])
        yield from blocks.values()

    def options(self) -> dict[str, Any]:
        if not hasattr(self, "_options"):
            self._options = _options(self)
        return dict(self._options)

    def outcome(self) -> dict[str | None, Any]:
        """The file's run, once: results by (host, id), and which item each error and
        warning is reported on."""
        if self._outcome is None:
            from tstconfig_core.testing import run_definition
            options = self.options()
            waivers = self.config.getoption("tstconfig_waivers")
            done = run_definition(self.text, name=self.shown, waivers=waivers,
                                  **options, **_fleet(self.config))
            self._outcome = {"results": {(r.host, r.id): r for r in done.results},
                             "problems": _placed(done.events, self.order), "run": done}
        return self._outcome


def _placed(events: list[Any], items: list[AssertionItem]) -> dict[int, list[Any]]:
    """Each error and warning on an item of its host: the first assertion at or after its
    line, else the last one (a file-wide error: the first)."""
    from tstconfig_core.api import ErrorEvent, WarningEvent
    placed: dict[int, list[Any]] = {}
    for event in events:
        if not isinstance(event, (ErrorEvent, WarningEvent)):
            continue
        mine = [item for item in items if item.host == event.host] or items
        if not mine:
            continue
        line = event.line or 0
        target = next((i for i in mine if i.line >= line), mine[-1])
        placed.setdefault(id(target), []).append(event)
    return placed


class DefinitionBlock(pytest.Collector):
    """A block of a definition file: its assertions (per host, in a fleet run)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checks: list[tuple[str, int, str]] = []

    def collect(self) -> Iterator[pytest.Item]:
        file: DefinitionFile = self.parent  # type: ignore[assignment]
        for host in file.hosts:
            for name, line, id in self.checks:
                shown = name if host is None else f"{name}[{host}]"
                yield AssertionItem.from_parent(self, name=shown, line=line, id=id, host=host)


class AssertionItem(pytest.Item):
    """One assertion of a definition file (on one host)."""

    def __init__(self, *args: Any, line: int, id: str | None, host: str | None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line, self.check_id, self.host = line, id, host
        self.add_marker("tstconfig")
        self.definition.order.append(self)
        self.result: Any = None

    @property
    def definition(self) -> DefinitionFile:
        node = self.parent
        while not isinstance(node, DefinitionFile):
            node = node.parent
        return node

    def setup(self) -> None:
        from tstconfig_core.api import ErrorEvent, located
        outcome = self.definition.outcome()
        problems = outcome["problems"].get(id(self), [])
        for warning in problems:
            if not isinstance(warning, ErrorEvent):
                warnings.warn_explicit(TstconfigWarning(located("WARN:", warning)),
                                       TstconfigWarning, str(self.path), warning.line or 1)
        errors = [located("ERROR:", e) for e in problems if isinstance(e, ErrorEvent)]
        if errors:  # (an error in setup: pytest reports the item as an error)
            pytest.fail("\n".join(errors), pytrace=False)
        self.result = outcome["results"].get((self.host, self.check_id))
        if self.check_id is not None and self.result is None:
            from tstconfig_core.api import RunFinished
            end = next((e for e in outcome["run"].events if isinstance(e, RunFinished)), None)
            why = end.stopped if end is not None and end.stopped else (
                "no result had this id: did a variable change it?")
            pytest.fail(f"{self.check_id}: not checked ({why})", pytrace=False)

    def runtest(self) -> None:
        from tstconfig_core.api import FAILED, NOT_RUN, WAIVED
        result = self.result
        if result is None or result.passed:
            return
        if result.outcome == FAILED:
            raise _Failed(result)
        if result.outcome == WAIVED:
            pytest.xfail(f"waived: {result.waiver}")
        if result.outcome == NOT_RUN:
            try:  # (shown at the assertion's line, as a skip mark's reason is)
                raise pytest.skip.Exception(f"not run: {result.message}",
                                            _use_item_location=True)
            except TypeError:  # (a pytest without that keyword)
                pytest.skip(f"not run: {result.message}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        if isinstance(excinfo.value, _Failed):
            from tstconfig_core.api import failure_block, labelled
            result = excinfo.value.args[0]
            return "\n".join(("ASSERTION FAILED", failure_block(result).rstrip(),
                              labelled("Reason", result.message),
                              labelled("At", f"{result.file}:{result.line}")))
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Any, int, str]:
        return self.path, self.line - 1, f"{self.definition.shown}:{self.line}: {self.name}"
