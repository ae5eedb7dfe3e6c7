"""``--check`` and ``--list-ids``: what a definition says, without touching the host.

Both run the definitions with the engine in check mode (``Context.check_only``):
every directive is read and validated and every assertion gets its id, but no
source is read, no command run and nothing checked. These reporters print what
that run finds.
"""
from __future__ import annotations

from typing import TextIO

from tstconfig_core.api import (AssertionResult, ErrorEvent, FileStarted, Reporter,
                                RunFinished, WarningEvent, located, printable)


class ProblemLines(Reporter):
    """Errors and warnings as ``ERROR: FILE:LINE: message`` lines (the tools' reports)."""

    def on_error(self, error: ErrorEvent) -> None:
        self.stream.write(located("ERROR:", error) + "\n")

    def on_warning(self, warning: WarningEvent) -> None:
        self.stream.write(located("WARN:", warning) + "\n")


class CheckPrinter(ProblemLines):
    """``--check``: each error and warning where it is, then one line of counts."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        self.files = self.assertions = 0

    def on_result(self, result: AssertionResult) -> None:
        self.assertions += 1

    def on_file_started(self, event: FileStarted) -> None:
        self.files += 1

    def on_run_finished(self, event: RunFinished) -> None:
        s = event.summary
        verdict = "OK" if not s.errors else "FAIL"
        self.stream.write(f"{verdict}: {self.files} definition file(s) checked, "
                          f"{self.assertions} assertion(s), {s.errors} error(s), "
                          f"{s.warnings} warning(s); no source was read and no command run\n")


class IdLister(Reporter):
    """``--list-ids``: one id per line on standard output; errors on standard error."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        super().__init__(out)
        self.err = err

    def on_result(self, result: AssertionResult) -> None:
        self.stream.write(f"{printable(result.id)}\n")

    def on_error(self, error: ErrorEvent) -> None:
        self.err.write(located("ERROR:", error) + "\n")
