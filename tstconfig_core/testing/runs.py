"""Running definitions in-process for tests: :func:`run_definition`, :class:`RunResult`."""
from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from tstconfig_core.api import (DEFAULT_MAX_SIZE, AssertionResult, ErrorEvent, Event, Host,
                                Summary, WarningEvent)
from tstconfig_core.hosts.given import CommandAnswer, GivenHost

#: The keyword arguments that give plugins, and their entry-point groups.
PLUGIN_GROUPS = {"sources": "tstconfig.sources", "parsers": "tstconfig.parsers",
                 "syntaxes": "tstconfig.syntaxes", "assertions": "tstconfig.assertions",
                 "reporters": "tstconfig.reporters", "hosts": "tstconfig.hosts"}


class RunResult:
    """What a run gave: every event, in order, and the exit status tstconfig would have."""

    def __init__(self, events: Sequence[Event], exit_status: int, summary: Summary,
                 registry: Any) -> None:
        self.events = list(events)
        self.exit_status = exit_status
        self.summary = summary
        self._registry = registry

    @property
    def results(self) -> list[AssertionResult]:
        return [e for e in self.events if isinstance(e, AssertionResult)]

    @property
    def errors(self) -> list[ErrorEvent]:
        return [e for e in self.events if isinstance(e, ErrorEvent)]

    @property
    def warnings(self) -> list[WarningEvent]:
        return [e for e in self.events if isinstance(e, WarningEvent)]

    @property
    def ok(self) -> bool:
        """Nothing failed and nothing was wrong: exit status 0."""
        return self.exit_status == 0

    def outcomes(self) -> list[str]:
        """Each assertion's outcome, in order: ``passed``, ``failed``, ``waived``, ``not_run``."""
        return [r.outcome for r in self.results]

    def result(self, which: str) -> AssertionResult:
        """The one assertion whose id, CHECK part (``name``) or name given with ``name``
        is ``which``; KeyError naming the ids when there is not exactly one."""
        found = [r for r in self.results if which in (r.id, r.name)]
        if len(found) != 1:
            ids = "\n  ".join(r.id for r in self.results) or "(none)"
            raise KeyError(f"{len(found)} assertions match {which!r}; the ids are:\n  {ids}")
        return found[0]

    def report(self, reporter: str = "text", verbosity: int = 1) -> str:
        """The events as a reporter writes them (the text report, by default with what
        ``-v`` adds: why each check failed, where it is and its id)."""
        import io

        from tstconfig_core.api import ReportSettings
        from tstconfig_core.loading.groups import REPORTERS
        stream = io.StringIO()
        made = self._registry.instance(REPORTERS, reporter)(stream)
        made.configure(ReportSettings(color=False, verbosity=verbosity))
        for event in self.events:
            made.handle(event)
        return stream.getvalue()

    def __repr__(self) -> str:
        s = self.summary
        return (f"<RunResult exit {self.exit_status}: {s.passed} passed, {s.failed} failed, "
                f"{s.waived} waived, {s.not_run} not run, {s.errors} errors>")


def run_definition(text: str, *, name: str = "test.tstconfig", **options: Any) -> RunResult:
    """Run one definition given as text (named ``name`` in ids and messages).

    Options (all keyword): the plugins (``sources``, ``parsers``, ``syntaxes``,
    ``assertions``, ``reporters``, ``hosts``: ``{name: class or instance}``, or
    ``plugins={group: {name: ...}}`` as :func:`from_pyproject` gives); the host:
    ``files`` and ``commands`` (only those, see GivenHost), ``root`` and ``proc_root``
    (a folder tree, as ``--root``/``--proc-root``), or ``host`` (any Host); and as on
    the command line ``variables`` (a mapping), ``timeout``, ``max_size``,
    ``no_commands``, ``waivers`` (a TOML file), ``exitfirst``, and ``installed``
    (False: third-party plugins that are installed are left out). ``targets``, a list
    of hosts as ``--host`` takes them (``ssh://web1``), makes it a fleet run, with
    ``host_settings`` (a HostSettings: ssh config, become...) and ``jobs``.
    ``check_only`` is ``--check``: nothing is read or run, every assertion not run.
    ``cwd``: the folder relative paths in the definitions are read from (the process
    changes into it for the run, and back).
    """
    return _run([(name, text)], **options)


def run_files(paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
              **options: Any) -> RunResult:
    """Run definition files and folders (every ``*.tstconfig`` below), as the command
    line does: one path or a list of them; the options of :func:`run_definition`."""
    from tstconfig_core.finding import expand, read_definition
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]  # (a string is one path, never its characters)
    found: list[tuple[str, str] | ErrorEvent] = []
    for item in expand([os.fspath(p) for p in paths]):
        if isinstance(item, ErrorEvent):
            found.append(item)
            continue
        try:
            found.append(read_definition(item))
        except OSError as exc:  # (as a run reports it)
            found.append(ErrorEvent(item, None, f"cannot read definition file: "
                                                f"{exc.strerror or exc}"))
    return _run(found, **options)


def _run(definitions: Sequence[tuple[str, str] | ErrorEvent], *,
         plugins: Mapping[str, Mapping[str, Any]] | None = None,
         files: Mapping[str, str | bytes] | None = None,
         commands: Mapping[str | Sequence[str], CommandAnswer] | None = None,
         root: str | os.PathLike[str] | None = None,
         proc_root: str | os.PathLike[str] | None = None, host: Host | None = None,
         variables: Mapping[str, str] | None = None, timeout: float = 60.0,
         max_size: int = DEFAULT_MAX_SIZE, no_commands: bool = False,
         waivers: str | os.PathLike[str] | None = None, exitfirst: bool = False,
         installed: bool = True, targets: Sequence[str] | None = None,
         host_settings: Any = None, jobs: int = 8, check_only: bool = False,
         cwd: str | os.PathLike[str] | None = None, **given: Mapping[str, Any]) -> RunResult:
    from tstconfig_core.engine.context import RunSettings
    from tstconfig_core.loading.registry import PluginRegistry
    unknown = set(given) - set(PLUGIN_GROUPS)
    if unknown:
        raise TypeError(f"unknown option(s) {', '.join(sorted(unknown))}; plugins are given "
                        f"as {', '.join(PLUGIN_GROUPS)}")
    groups = plugin_groups(plugins or {})
    for keyword, named in given.items():
        groups.setdefault(PLUGIN_GROUPS[keyword], {}).update(named)
    _check_limits(timeout, max_size, variables or {})
    registry = PluginRegistry(() if installed else _third_parties(), import_timeout=timeout,
                              given=groups)
    settings = RunSettings(timeout=float(timeout), max_size=max_size, no_commands=no_commands,
                           root=_path(root), proc_root=_path(proc_root),
                           variables=tuple((variables or {}).items()))
    hosts = [host, files is not None or commands is not None, root is not None, targets]
    if sum(map(bool, hosts)) > 1:
        raise TypeError("one host: give files and commands, or root, or host, or targets")
    run = _made_run(definitions, registry, settings, waivers, exitfirst, targets,
                    host_settings, jobs, check_only)
    made = None
    if files is not None or commands is not None:
        host = made = GivenHost(files, commands)
    if host is not None:
        run.ctx.host = host
    back = os.getcwd() if cwd is not None else None
    try:
        if cwd is not None:
            os.chdir(cwd)
        status = run.execute([])
    finally:
        if back is not None:
            os.chdir(back)
        if made is not None:
            made.close()
    if status > 128 and any(getattr(e, "interrupted", False) for e in run.events[-1:]):
        _stop(status - 128)
    return RunResult(run.events, status, run.summary, registry)


def _stop(signum: int) -> None:
    """A signal stopped the run: it stops the caller too (a test session), as it would
    have without the run's own handlers, which are gone by now."""
    import signal
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    os.kill(os.getpid(), signum)  # (its handler, or the default: the process ends)


def plugin_groups(plugins: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """``{group: {name: plugin}}`` with each group as its entry-point name
    (``tstconfig.assertions``, or ``assertions`` for short); ValueError for any other."""
    found: dict[str, dict[str, Any]] = {}
    for group, named in plugins.items():
        full = PLUGIN_GROUPS.get(group, group)
        if full not in PLUGIN_GROUPS.values():
            raise ValueError(f"no plugin group {group!r}; the groups are "
                             f"{', '.join(PLUGIN_GROUPS.values())}")
        if not isinstance(named, Mapping):
            raise ValueError(f"the plugins of {group} are a mapping of names to plugins, "
                             f"not {type(named).__name__}")
        found.setdefault(full, {}).update(named)
    return found


def timeout_problem(timeout: object) -> str | None:
    """Why ``timeout`` is no timeout ``--timeout`` would take (None: it is one)."""
    from tstconfig_core.engine.directives import MAX_TIMEOUT
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not (
            0 < timeout <= MAX_TIMEOUT):  # (nan fails both comparisons)
        return f"a number of seconds above 0 (at most {MAX_TIMEOUT}), not {timeout!r}"
    return None


def _check_limits(timeout: object, max_size: object, variables: Mapping[str, object]) -> None:
    """What the command line refuses, refused here too (ValueError)."""
    problem = timeout_problem(timeout)
    if problem:
        raise ValueError(f"timeout: {problem}")
    if isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 1:
        raise ValueError(f"max_size: a whole number of bytes above 0, not {max_size!r}")
    from tstconfig_core.engine.values import NAME
    for name, value in variables.items():
        if not isinstance(name, str) or not NAME.fullmatch(name):
            raise ValueError(f"variables: a name is a letter or _ then letters, digits or _, "
                             f"not {name!r}")
        if not isinstance(value, str):
            raise ValueError(f"variables: the value of {name} is text, not "
                             f"{type(value).__name__}")


def _made_run(definitions: Sequence[tuple[str, str] | ErrorEvent], registry: Any,
              settings: Any, waivers: Any, exitfirst: bool, targets: Sequence[str] | None,
              host_settings: Any, jobs: int, check_only: bool) -> Any:
    """A Run (a FleetRun with ``targets``) of the definitions given, keeping every event."""
    from tstconfig_core.run import Run
    from tstconfig_core.waivers import Waivers, load
    events: list[Event] = []
    fleet: dict[str, Any] = {}
    base: type = Run
    if targets:
        from tstconfig_core.fleet.options import host_maker
        from tstconfig_core.fleet.run import FleetRun
        from tstconfig_core.fleet.targets import HostSettings, from_command_line, unique
        base = FleetRun
        fleet = dict(targets=unique(from_command_line(list(targets), ())), jobs=jobs,
                     make_host=host_maker(registry, host_settings or HostSettings()))

    def given(self: Any, paths: Sequence[str]) -> Iterator[tuple[str, str]]:
        for item in definitions:
            if isinstance(item, ErrorEvent):
                self.emit(item)
            else:
                yield item

    kind = type("KitRun", (base,), {"_definitions": given})
    if waivers is not None and not isinstance(waivers, Waivers):
        waivers = load(os.fspath(waivers))
    run = kind([], registry, settings, waivers=waivers, exitfirst=exitfirst,
               observers=[events.append], check_only=check_only, **fleet)
    run.events = events
    return run


def _path(path: str | os.PathLike[str] | None) -> str | None:
    return None if path is None else os.fspath(path)


def _third_parties() -> list[str]:
    from tstconfig_core.loading.index import installed
    from tstconfig_core.loading.registry import CORE_DISTRIBUTION, canonical
    return sorted({ep.dist for ep in installed() if canonical(ep.dist) != CORE_DISTRIBUTION})
