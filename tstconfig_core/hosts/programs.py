"""Running a program on this machine, bounded: its own process group, no shell, empty
standard input, one deadline, a cap on its output, and nothing of it left behind."""
from __future__ import annotations

import os
import selectors
import signal
import subprocess
import time
from collections.abc import Sequence

from tstconfig_core.contract.hosts import HostError, ProgramResult, TooLargeAnswer
from tstconfig_core.limits import shown_size

MAX_STDERR = 64 * 1024
_CHUNK = 64 * 1024


_PR_SET_CHILD_SUBREAPER = 36
_subreaper: bool | None = None


def _become_subreaper() -> bool:
    """Ask Linux to give us the orphans of the commands we run, so we can reap them.

    Without it, a command's background child killed with its group is
    reparented to PID 1, which in a container may never reap it: a zombie.
    """
    global _subreaper
    if _subreaper is None:
        try:
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            _subreaper = libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
        except (OSError, AttributeError):
            _subreaper = False
    return _subreaper


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill the command's process group, and reap what of it came back to us."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return
    if not _subreaper:
        return
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        try:
            if os.waitpid(-proc.pid, os.WNOHANG)[0]:
                continue  # reaped one; look for more
        except ChildProcessError:  # none is our child now: is any left to come back to us?
            try:
                os.killpg(proc.pid, 0)
            except (ProcessLookupError, PermissionError):
                return  # the group is gone
        time.sleep(0.005)  # killed but not yet dead, or not yet handed to us


def run_program(argv: Sequence[str], timeout: float, max_size: int) -> ProgramResult:
    """Run ``argv``; its whole process group is killed past the timeout or the size
    limit (a HostError), and any child it left running is killed when it exits."""
    _become_subreaper()
    proc = _start(list(argv))
    try:
        out, err, dropped = _collect(proc, timeout, max_size)
    except BaseException:
        _kill_group(proc)
        proc.wait()
        raise
    _kill_group(proc)  # children left in the group must not outlive the block
    status = proc.returncode
    if status < 0:
        status = 128 - status  # killed by a signal: as a shell reports it
    return ProgramResult(out, bytes(err), status, dropped)  # type: ignore[arg-type] (no copy)


def _start(argv: list[str]) -> subprocess.Popen[bytes]:
    program = argv[0]
    try:
        return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)
    except FileNotFoundError:
        raise HostError(f"command not found: {program!r}") from None
    except PermissionError:
        raise HostError(f"command not executable (permission denied): {program!r}") from None
    except OSError as exc:
        raise HostError(f"cannot run {program!r}: {exc.strerror or exc}") from None
    except ValueError as exc:  # e.g. a NUL character in an argument
        raise HostError(f"cannot run {program!r}: {exc}") from None


def _collect(proc: subprocess.Popen[bytes], timeout: float,
             max_size: int) -> tuple[bytearray, bytearray, int]:
    """Standard output and error until both close and the program exits, within limits."""
    assert proc.stdout is not None and proc.stderr is not None
    deadline = time.monotonic() + timeout
    timed_out = HostError(f"command timed out after {timeout:g} s and was killed "
                          "(raise it with 'timeout SECONDS' or --timeout)")
    out, err, dropped = bytearray(), bytearray(), 0
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        selector.register(proc.stderr, selectors.EVENT_READ)
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise timed_out
            for key, _ in selector.select(remaining):
                chunk = os.read(key.fd, _CHUNK)
                if not chunk:
                    selector.unregister(key.fileobj)
                    key.fileobj.close()
                elif key.fileobj is proc.stdout:
                    out += chunk
                    if len(out) > max_size:
                        raise TooLargeAnswer(
                            f"command printed more than the size limit of "
                            f"{shown_size(max_size)} and was killed (raise it with "
                            "'max_size SIZE' in the block or --max-size)")
                else:
                    keep = max(0, MAX_STDERR - len(err))
                    err += chunk[:keep]
                    dropped += len(chunk) - min(keep, len(chunk))
    try:
        proc.wait(max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        raise timed_out from None
    return out, err, dropped
