"""The ``command`` source: run a program without a shell and read its output."""
from __future__ import annotations

from collections.abc import Sequence

from tstconfig_core.api import (Answer, HostError, HostRequest, PluginError, ProgramResult,
                                RunProgram, Source, SourceData, SourceRequest, decode,
                                lines_within)


class CommandSource(Source):
    """Run a program (no shell) in its own process group and read its standard output.

    Standard input is /dev/null. Standard error becomes warnings; the exit
    status is kept for ``exit_status``. Past the timeout, or past the size
    limit of output, the program and all it started are killed and the block
    is an error. Once the program exits, what it left running is killed (after
    a short grace if that still holds its output open, with a warning).
    """

    summary = "run a program and read its output: command PROGRAM ARGS..."
    label = "Command"
    runs_programs = True

    def validate(self, args: Sequence[str]) -> None:
        if not args or not args[0]:
            raise PluginError("command needs a program to run")

    def requests(self, request: SourceRequest) -> list[HostRequest]:
        self.validate(request.args)
        return [RunProgram(tuple(request.args))]

    def build(self, request: SourceRequest, answers: list[Answer]) -> SourceData:
        result = answers.pop()
        if isinstance(result, HostError):
            raise PluginError(str(result))
        assert isinstance(result, ProgramResult)
        warnings = tuple(f"standard error: {line}"
                         for line in decode(result.stderr).splitlines() if line.strip())
        if result.stderr_dropped:
            warnings += (f"... {result.stderr_dropped} more bytes of standard error not shown",)
        if getattr(result, "output_cut", False):
            warnings += ("the program exited, leaving processes that still held its output "
                         "open: they were killed, and what they wrote after its exit is "
                         "not read",)
        status, stdout = result.exit_status, result.stdout
        del result
        # (decoded and cut a piece at a time, within the memory budget of max_size)
        return SourceData(lines_within(stdout, request.max_size), exit_status=status,
                          warnings=warnings)
