"""Hand-built event streams of a fleet run, as a run feeds them to reporters: three hosts
(web1 passes, web2 fails, down could not be reached), and each reporter's report of them."""
from __future__ import annotations

import io
from pathlib import Path

from tstconfig_core.api import (FAILED, NOT_RUN, PASSED, WAIVED, AssertionResult, ErrorEvent,
                                Event, FileFinished, FileStarted, HostFinished, HostStarted,
                                ReportSettings, RunFinished, RunStarted, SourceRef, Summary,
                                ValueObserved, WarningEvent)
from tstconfig_core.loading.groups import REPORTERS
from tstconfig_core.loading.registry import PluginRegistry
from tstconfig_core.run import Run

REGISTRY = PluginRegistry()
T0 = 1_800_000_000.0  # 2027-01-15T08:00:00Z
FILE, BLOCK = "sshd.tstconfig", "file /etc/ssh/sshd_config"
SOURCE = SourceRef("file", "File", "/etc/ssh/sshd_config")
BANNER = '<script>alert("x")</script>\x1b[31m'  # a value no report may print as it is
WAIVER = "legacy app until OPS-1 (owner ops, expires 2027-06-30)"
DOWN = "ssh: connect to host down port 22: Connection refused"
NAMES = ("text", "json", "junit", "tap", "tap13", "drift")


def check(line: int, prop: str, value: tuple[str, ...] | None, keyword: str, args: str,
          outcome: str, message: str = "", **more: object) -> AssertionResult:
    name = f"{prop} {keyword} {args}".strip()
    return AssertionResult(FILE, line, SOURCE, None, (prop,), value, keyword,
                           tuple(args.split()), outcome, message, 0.001,
                           id=f"{FILE}::{BLOCK}::{name}", name=name, block=BLOCK, **more)


def observed(line: int, prop: str, value: tuple[str, ...] | None, **more: object) -> ValueObserved:
    return ValueObserved(FILE, line, BLOCK, None, prop, value, **more)


def body(*events: Event) -> list[Event]:
    """A host's events: the definition file around ``events``."""
    return [FileStarted(FILE, T0 + 0.5), *events, FileFinished(FILE, 0.2)]


WEB1 = body(check(3, "PermitRootLogin", ("no",), "assert_eq", "no", PASSED),
            check(4, "PermitRootLogin", ("no",), "assert_ne", "yes", PASSED),
            check(6, "Banner", None, "assert_undefined", "", PASSED),
            check(8, "X11Forwarding", ("yes",), "assert_eq", "no", WAIVED,
                  "expected ['no'], got ['yes']", waiver=WAIVER),
            observed(9, "Port", ("22",)),
            check(11, "root", ("<masked>",), "assert_defined", "", PASSED, sensitive=True))
WEB2 = body(WarningEvent(FILE, 2, "sshd -T: deprecated option 'UsePrivilegeSeparation'"),
            check(3, "PermitRootLogin", ("yes",), "assert_eq", "no", FAILED,
                  "expected ['no'], got ['yes']"),
            check(4, "PermitRootLogin", ("yes",), "assert_ne", "yes", FAILED,
                  "expected not ['yes'], got ['yes']"),
            check(6, "Banner", (BANNER,), "assert_undefined", "", FAILED,
                  f"expected undefined, got [{BANNER!r}]"),
            check(8, "X11Forwarding", None, "assert_eq", "no", NOT_RUN,
                  "its section could not be selected"),
            observed(9, "Port", ("2222",)),
            check(11, "root", ("<masked>",), "assert_defined", "", PASSED, sensitive=True))
UNREACHED = f"down could not be checked ({DOWN})"
DOWN_BODY = [ErrorEvent("ssh://down", None, f"cannot check down: {DOWN}"),
             *body(*(check(line, prop, None, keyword, args, NOT_RUN, UNREACHED)
                     for line, prop, keyword, args in
                     ((3, "PermitRootLogin", "assert_eq", "no"),
                      (4, "PermitRootLogin", "assert_ne", "yes"),
                      (6, "Banner", "assert_undefined", ""),
                      (8, "X11Forwarding", "assert_eq", "no"))),
                   observed(9, "Port", None))]
UNREADABLE = ErrorEvent("missing.tstconfig", None, "cannot read: No such file or directory")
HOSTS = {"web1": ("ssh://admin@web1", WEB1, None), "web2": ("ssh://web2:2222", WEB2, None),
         "down": ("ssh://down", DOWN_BODY, DOWN)}


def stream(hosts: dict = HOSTS, before: tuple[Event, ...] = (UNREADABLE,),
           finished: bool = True) -> list[Event]:
    """RunStarted, ``before``, each host framed and its events stamped, RunFinished; with
    ``finished`` False the run is interrupted in the last host (no HostFinished)."""
    total = Summary()
    events: list[Event] = [RunStarted("1.0", "controller", T0), *before]
    for e in before:
        total.count(e)
    for number, (name, (address, events_of, error)) in enumerate(hosts.items()):
        summary = Summary()
        events.append(HostStarted(name, address, T0 + number))
        for event in events_of:
            event = event._replace(host=name)
            if isinstance(event, FileStarted):
                event = event._replace(start_time=T0 + number + 0.5)
            summary.count(event)
            total.count(event)
            events.append(event)
        if finished or number < len(hosts) - 1:
            events.append(HostFinished(name, summary, 0.25 + number, error))
    return events + [RunFinished(total, 1.5, interrupted=not finished)]


def local_stream() -> list[Event]:
    """The run of one host, as before fleets: no Host events, host None everywhere."""
    total = Summary()
    for event in WEB2:
        total.count(event)
    return [RunStarted("1.0", "controller", T0), *WEB2, RunFinished(total, 1.5)]


def reports(events: list[Event], verbosity: int = 0,
            names: tuple[str, ...] = NAMES) -> dict[str, str]:
    """Each reporter's report of ``events``, fed as a run feeds them (Run.emit)."""
    streams = {name: io.StringIO() for name in names}
    reporters = []
    for name, out in streams.items():
        reporter = REGISTRY.instance(REPORTERS, name)(out)
        reporter.configure(ReportSettings(verbosity=verbosity))
        reporters.append(reporter)
    run = Run(reporters, REGISTRY)
    for event in events:
        run.emit(event)
    assert run.broken_reporters == []
    return {name: out.getvalue() for name, out in streams.items()}


def saved(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path
