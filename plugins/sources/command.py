"""The ``command`` source: run a program without a shell and read its output."""
from __future__ import annotations

import os
import signal
import subprocess

from tstconfig_core.api import PluginError, Source, SourceData, SourceRequest
from tstconfig_core.definition import decode, split_lines


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class CommandSource(Source):
    """Run a program (no shell) in its own process group and read its standard output.

    Standard error becomes warnings; the exit status is kept for ``exit_status``.
    Past the timeout the whole process group is killed.
    """

    summary = "run a program and read its output: command PROGRAM ARGS..."
    label = "Command"

    def read(self, request: SourceRequest) -> SourceData:
        if not request.args:
            raise PluginError("command needs a program to run")
        program = request.args[0]
        try:
            proc = subprocess.Popen(list(request.args), stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    start_new_session=True)
        except FileNotFoundError:
            raise PluginError(f"command not found: {program!r}") from None
        except PermissionError:
            raise PluginError(f"command not executable (permission denied): {program!r}") from None
        except OSError as exc:
            raise PluginError(f"cannot run {program!r}: {exc.strerror or exc}") from None
        except ValueError as exc:  # e.g. a NUL character in an argument
            raise PluginError(f"cannot run {program!r}: {exc}") from None
        try:
            out, err = proc.communicate(timeout=request.timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            proc.communicate()
            raise PluginError(f"command timed out after {request.timeout:g} s and was killed "
                              "(raise it with 'timeout SECONDS' or --timeout)") from None
        except BaseException:
            _kill_group(proc)
            proc.wait()
            raise
        # Children left in the group must not outlive the block.
        _kill_group(proc)
        status = proc.returncode
        if status < 0:
            status = 128 - status  # killed by a signal: as a shell reports it
        warnings = (decode(err).rstrip("\n"),) if err.strip() else ()
        return SourceData(split_lines(decode(out)), exit_status=status, warnings=warnings)
