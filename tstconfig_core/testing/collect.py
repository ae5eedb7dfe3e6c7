"""The items of ``pytest --tstconfig``: a definition file, its blocks, its assertions.

Made by :mod:`tstconfig_core.pytest_plugin` once a ``*.tstconfig`` file is collected
(imported then, not in every pytest session). See docs/pytest.md.
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
