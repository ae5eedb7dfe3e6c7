"""The items of ``pytest --tstconfig``: a definition file, its blocks, its assertions.

Made by :mod:`tstconfig_core.pytest_plugin` once a ``*.tstconfig`` file is collected
(imported then, not in every pytest session). See docs/pytest.md.
"""
from __future__ import annotations

import bisect
import os
import warnings
from collections.abc import Iterator
from typing import Any

import pytest


class TstconfigWarning(UserWarning):
    """A WARN line of a definition file (its location and message)."""


class _Failed(Exception):
    """An assertion that failed: its result, for the failure block."""


class DefinitionFile(pytest.File):
    """A definition file: its blocks, found without reading or running anything."""

    def collect(self) -> Iterator[pytest.Collector | pytest.Item]:
        from tstconfig_core.finding import read_definition
        from tstconfig_core.testing import run_definition
        from tstconfig_core.testing.settings import KEY, OptionsError, for_file
        # the ids' FILE: the path from the rootdir, as the node id has it
        self.shown = os.path.relpath(self.path, self.config.rootpath).replace(os.sep, "/")
        try:
            self.text = read_definition(str(self.path))[1]
        except OSError as exc:
            raise self.CollectError(f"cannot read {self.shown}: {exc.strerror or exc}") from None
        try:
            self.options = for_file(self)
            checked = run_definition(self.text, name=self.shown, check_only=True,
                                     **self.options)
        except (OptionsError, ValueError, TypeError) as exc:
            raise self.CollectError(f"{self.shown}: {exc}") from None
        self.hosts = self.config.stash[KEY]["hosts"]
        starts = _block_lines(self.text, self.shown, checked)
        blocks: dict[tuple[int, str], DefinitionBlock] = {}  # (block number, BLOCK part)
        for result in checked.results:
            key = (bisect.bisect_right(starts, result.line), result.block)
            block = blocks.get(key)
            if block is None:  # (two blocks of one source line: two collectors, one name)
                block = blocks[key] = DefinitionBlock.from_parent(self, name=result.block)
            block.checks.append((result.name, result.line, result.id))
        self._outcome: dict[str, Any] | None = None
        self.every: list[AssertionItem] = []  # every item, selected or not
        if not blocks:  # nothing to check: one item runs the file, for its errors
            yield AssertionItem.from_parent(self, name="(no assertion)", line=1, id=None,
                                            host=self.hosts[0])
        yield from blocks.values()

    def outcome(self) -> dict[str, Any]:
        """The file's run, once: results by (host, id), and which item each error and
        warning is reported on (among the items this session runs)."""
        if self._outcome is None:
            from tstconfig_core.testing import run_definition
            from tstconfig_core.testing.settings import KEY
            line = self.config.stash[KEY]
            fleet = {k: line[k] for k in ("targets", "host_settings") if k in line}
            done = run_definition(self.text, name=self.shown, **self.options, **fleet)
            selected = [i for i in self.session.items
                        if isinstance(i, AssertionItem) and i.definition is self]
            self._outcome = {"results": {(r.host, r.id): r for r in done.results},
                             "run": done, "problems": _placed(done.events, self.every,
                                                              selected, line.get("waivers"))}
        return self._outcome


def _block_lines(text: str, name: str, checked: Any) -> list[int]:
    """The line of each block's source directive, in order."""
    from tstconfig_core.definition import blocks
    from tstconfig_core.loading.groups import SOURCES
    registry = checked._registry
    return [b.source.line for b in blocks(text, name, lambda k: registry.has(SOURCES, k))
            if b.source is not None]


def _placed(events: list[Any], every: list[AssertionItem], selected: list[AssertionItem],
            waivers: Any) -> dict[int, list[Any]]:
    """Each error and warning on the item it concerns: the first assertion at or after
    its line, else the last one (an error of no line, a host's: its first). When that
    one is not selected, the first selected one of its block after the line, so a
    selected assertion that a broken block leaves unchecked is never a mere skip; when
    none of its block is, nobody asked about it. (Whether a waiver matched nothing is a
    question for the whole session, not for one file: left out.)"""
    from tstconfig_core.api import ErrorEvent, WarningEvent
    placed: dict[int, list[Any]] = {}
    ordered = sorted(every, key=lambda i: i.line)
    chosen = set(map(id, selected))
    for event in events:
        if not isinstance(event, (ErrorEvent, WarningEvent)):
            continue
        if waivers is not None and isinstance(event, WarningEvent) and event.file == waivers.path:
            continue
        mine = [item for item in ordered if item.host == event.host] or ordered
        if not mine:
            continue
        if event.line is None:
            target = next((i for i in mine if id(i) in chosen), None)
        else:
            first = next((i for i in mine if i.line >= event.line), mine[-1])
            target = first if id(first) in chosen else next(
                (i for i in mine if id(i) in chosen and i.parent is first.parent
                 and i.line >= min(event.line, first.line)), None)
        if target is not None:
            placed.setdefault(id(target), []).append(event)
    return placed


def missed(session: pytest.Session) -> list[pytest.Item]:
    """An item for each ``*.tstconfig`` entry below the folders given that pytest does not
    collect because it is no regular file (pytest's own folder rules, ``norecursedirs``
    and ``--ignore``, still apply); each is an error when run."""
    import fnmatch
    config = session.config
    skip_dirs = config.getini("norecursedirs")
    ignored = {os.path.abspath(p) for p in config.getoption("ignore") or ()}
    collected = {str(i.path) for i in session.items}
    found: list[pytest.Item] = []
    for arg in config.args:
        top = os.path.join(config.invocation_params.dir, arg.split("::")[0])
        if not os.path.isdir(top) or os.path.islink(top):
            continue
        for folder, dirs, names in os.walk(top):
            dirs[:] = sorted(d for d in dirs if os.path.join(folder, d) not in ignored
                             and not any(fnmatch.fnmatch(d, p) for p in skip_dirs)
                             and not os.path.exists(os.path.join(folder, d, "pyvenv.cfg")))
            for name in sorted(names):
                path = os.path.join(folder, name)
                if (name.endswith(".tstconfig") and path not in collected
                        and path not in ignored and not _collectable(path, name)):
                    shown = os.path.relpath(path, config.rootpath).replace(os.sep, "/")
                    found.append(MissedDefinition.from_parent(
                        session, name=shown, path=path, nodeid=shown))
    return found


def _collectable(path: str, name: str) -> bool:
    """Whether pytest collects it as a file: a regular file (or a link to one) with a
    name before its suffix."""
    return name != ".tstconfig" and os.path.isfile(path)


class MissedDefinition(pytest.Item):
    """A definition file pytest cannot collect: an error, as tstconfig makes it."""

    def setup(self) -> None:
        import stat
        why = "it is named only .tstconfig"
        try:
            mode = os.stat(self.path).st_mode  # (never opened: a FIFO would wait)
            if not stat.S_ISREG(mode):
                why = "a FIFO, not a regular file" if stat.S_ISFIFO(mode) else \
                    "not a regular file"
        except OSError as exc:
            why = exc.strerror or str(exc)
        pytest.fail(f"ERROR: {self.name}: not collected as a definition file: {why}",
                    pytrace=False)

    def runtest(self) -> None:
        """(setup fails)"""

    def reportinfo(self) -> tuple[Any, int, str]:
        return self.path, 0, self.name


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
        self.result: Any = None
        self.definition.every.append(self)
        # The names tstconfig's own -r junit gives the test case, for --junitxml (junit.py)
        file, block = self.definition.shown, getattr(self.parent, "name", None)
        classname = f"{file} [{block}]" if isinstance(self.parent, DefinitionBlock) else file
        if host is not None:
            classname = f"{host}: {classname}"
        self.user_properties += [("tstconfig.classname", classname),
                                 ("tstconfig.name", self.name)]

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
            from tstconfig_core.api import printable
            pytest.xfail(f"waived: {printable(result.waiver or '')}")
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
