"""The ``command`` source: run a program without a shell and read its output."""
from __future__ import annotations

from collections.abc import Sequence

from tstconfig_core.api import (Answer, HostError, HostRequest, PluginError, ProgramResult,
                                RunProgram, Source, SourceData, SourceRequest, decode,
                                split_lines)



class CommandSource(Source):
    """Run a program (no shell) in its own process group and read its standard output.

    Standard input is /dev/null. Standard error becomes warnings; the exit
    status is kept for ``exit_status``. Past the timeout, or past the size
    limit of output, the whole process group is killed and the block is an
    error; so is any child left running when the program exits.
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
        warnings = (decode(result.stderr).rstrip("\n"),) if result.stderr.strip() else ()
        if result.stderr_dropped:
            warnings += (f"... {result.stderr_dropped} more bytes of standard error not shown",)
        status, stdout = result.exit_status, result.stdout
        del result
        text = decode(stdout)
        del stdout  # the bytes need not stay while the text is cut into lines (the peak)
        return SourceData(split_lines(text), exit_status=status, warnings=warnings)
