"""``--check`` and ``--list-ids``: what a definition says, without touching the host.

Both run the definitions with the engine in check mode (``FileRun.check_only``):
every directive is read and validated and every assertion gets its id, but no
source is read, no command run and nothing checked. These observers print what
that run finds.
"""
from __future__ import annotations

from typing import TextIO

from tstconfig_core.model import (AssertionResult, ErrorEvent, Event, FileStarted,
                                  RunFinished, WarningEvent)
from tstconfig_core.render import located, printable


class CheckPrinter:
    """``--check``: each error and warning where it is, then one line of counts."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.files = self.assertions = 0

    def __call__(self, event: Event) -> None:
        write = self.stream.write
        if isinstance(event, AssertionResult):
            self.assertions += 1
        elif isinstance(event, FileStarted):
            self.files += 1
        elif isinstance(event, ErrorEvent):
            write(located("ERROR:", event) + "\n")
        elif isinstance(event, WarningEvent):
            write(located("WARN:", event) + "\n")
        elif isinstance(event, RunFinished):
            s = event.summary
            verdict = "OK" if not s.errors else "FAIL"
            write(f"{verdict}: {self.files} definition file(s) checked, {self.assertions} "
                  f"assertion(s), {s.errors} error(s), {s.warnings} warning(s); no source "
                  "was read and no command run\n")


class IdLister:
    """``--list-ids``: one id per line on standard output; problems on standard error."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out = out
        self.err = err

    def __call__(self, event: Event) -> None:
        if isinstance(event, AssertionResult):
            self.out.write(f"{printable(event.id)}\n")
        elif isinstance(event, ErrorEvent):
            self.err.write(located("ERROR:", event) + "\n")
