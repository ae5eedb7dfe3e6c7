"""Running a program on this machine, bounded: its own process group, no shell, empty
standard input, one deadline, a cap on its output, and nothing of it left behind.

The program is done when it has exited and its output is complete: its pipes closed,
or a short grace (EXIT_GRACE) after its exit, past which what still holds them (a child
it left running) is killed and what was read is the output. Whatever it started is
killed then: its process group, and every process descended from it, those that left
the group (``setsid``) included; tstconfig is the child subreaper of its commands, so
their orphans come back to it to be found, killed and reaped.

A tstconfig killed outright (``kill -9``, the OOM killer) cannot clean up: a watchdog
does. It is started with the first command, in a session of its own (a kill of
tstconfig's process group leaves it), and is handed a pidfd of each command through a
socket; when that socket ends while a command still runs, it kills the command and all
below it. (A parent-death signal, PR_SET_PDEATHSIG, would reach the command only, not
what the command started; set in the child before exec, it costs every command a fork
without vfork (preexec_fn) or an exec of ``setpriv``: here twice, or 1.4 times, the
time to start one. The watchdog costs one start a run, and a message a command.)
"""
from __future__ import annotations

import atexit
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence

from tstconfig_core.contract.hosts import (HostError, ProgramResult,
                                           program_timed_out, program_too_large)
from tstconfig_core.hosts import tree

MAX_STDERR = 64 * 1024
_CHUNK = 64 * 1024
#: Seconds the program's output may stay open after it exited (its pipes drain).
EXIT_GRACE = 0.1
#: Seconds at most to see what a program left behind dead and reaped.
_CLEAN_UP = 2.0
#: Signals that wait while a program's leftovers are killed (they stop a run, or a step).
_HELD = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGALRM}

_PR_SET_CHILD_SUBREAPER = 36
_subreaper: bool | None = None


def _become_subreaper() -> bool:
    """Ask Linux to give us the orphans of the commands we run, so we can find, kill and
    reap them (without it they go to PID 1: out of reach, and a zombie in a container)."""
    global _subreaper
    if _subreaper is None:
        try:
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            _subreaper = libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
        except (OSError, AttributeError):
            _subreaper = False
    return _subreaper


# -- the watchdog ---------------------------------------------------------------------------

_watchdog: tuple[subprocess.Popen[bytes], socket.socket] | None = None
_watchdog_tried = False


def _start_watchdog() -> None:
    """Start the watchdog, the first time: a small Python in a session of its own (a kill
    of tstconfig's process group leaves it), that is handed a pidfd of each command."""
    global _watchdog, _watchdog_tried
    if _watchdog_tried:
        return
    _watchdog_tried = True
    if not (hasattr(os, "pidfd_open") and hasattr(socket, "send_fds")):
        return  # (Linux 5.3 and Python 3.9 have them)
    package_parent = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(tree.__file__))))
    code = (f"import os, sys; sys.path.insert(0, {package_parent!r}); "
            "from tstconfig_core.hosts.tree import watch; watch(); os._exit(0)")
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)  # (not inherited)
    try:
        proc = subprocess.Popen([sys.executable, "-S", "-I", "-c", code], stdin=theirs,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                cwd="/", start_new_session=True)
    except (OSError, ValueError, subprocess.SubprocessError):
        ours.close()
    else:
        ours.setblocking(False)  # a stopped watchdog never holds a run up
        _watchdog = (proc, ours)
        atexit.register(_stop_watchdog)
    finally:
        theirs.close()


def _stop_watchdog() -> None:
    """At exit, nothing is left to watch (each program is cleaned up before its block
    ends): the watchdog is killed, perhaps still starting, and reaped here (left to
    whoever adopts it, a subreaper that never waits would keep it as a zombie)."""
    global _watchdog
    if _watchdog is not None:
        proc, sock = _watchdog
        _watchdog = None
        proc.kill()
        sock.close()
        proc.wait()


def _tell_watchdog(pidfd: int) -> None:
    """Hand the watchdog a pidfd of a command (it forgets it once the command ended)."""
    global _watchdog
    if _watchdog is None:
        return
    try:
        socket.send_fds(_watchdog[1], [b"+"], [pidfd])
    except BlockingIOError:
        pass  # it is behind: this command is not watched
    except OSError:  # it is gone
        _watchdog[1].close()
        _watchdog = None


# -- running --------------------------------------------------------------------------------

def run_program(argv: Sequence[str], timeout: float, max_size: int) -> ProgramResult:
    """Run ``argv`` until it exits and its output is complete. Past the timeout or the
    size limit it is killed (a HostError); whatever it left running is killed too."""
    reaper = _become_subreaper()
    _start_watchdog()
    ours = tree.children(os.getpid(), leader_only=True) if reaper else None  # (the watchdog)
    # A signal that stops the run while the program starts waits until it has a
    # handle here, so the clean-up below always reaches it.
    held = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        proc = _start(list(argv))
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        raise
    pidfd = None
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        pidfd = _exit_watch(proc.pid)
        if pidfd is not None:
            _tell_watchdog(pidfd)
        out, err, dropped, cut = _collect(proc, pidfd, timeout, max_size)
    finally:  # on success too: what it left running must not outlive the block
        held = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)  # (Ctrl-C, SIGTERM, an
        try:                                                    # alarm: after, not during)
            _clean_up(proc, ours)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
            if pidfd is not None:
                os.close(pidfd)
    status = proc.returncode
    if status < 0:
        status = 128 - status  # killed by a signal: as a shell reports it
    return ProgramResult(out, bytes(err), status, dropped,  # type: ignore[arg-type] (no copy)
                         cut)


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


def _exit_watch(pid: int) -> int | None:
    """A descriptor that becomes readable when the process exits (Linux 5.3), or None."""
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


def _collect(proc: subprocess.Popen[bytes], pidfd: int | None, timeout: float,
             max_size: int) -> tuple[bytearray, bytearray, int, bool]:
    """Standard output and error until the program has exited and both are closed, or
    EXIT_GRACE after its exit (then the last item is True: processes it left held them).
    ``pidfd`` (else polling) says when it exits."""
    assert proc.stdout is not None and proc.stderr is not None
    deadline = time.monotonic() + timeout
    out, err, dropped = bytearray(), bytearray(), 0
    exited_at: float | None = None
    poll = 0.0005  # without a pidfd, how often to look whether it exited (doubling)
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        selector.register(proc.stderr, selectors.EVENT_READ)
        if pidfd is not None:
            selector.register(pidfd, selectors.EVENT_READ)
        pipes = 2
        while pipes or exited_at is None:
            now = time.monotonic()
            if now >= deadline:
                raise program_timed_out(timeout)
            wait = deadline - now
            if exited_at is not None:
                if now >= exited_at + EXIT_GRACE:
                    return out, err, dropped, True
                wait = min(wait, exited_at + EXIT_GRACE - now)
            elif pidfd is None:
                wait, poll = min(wait, poll), min(poll * 2, 0.02)
            for key, _ in selector.select(wait):
                if key.fd == pidfd:
                    selector.unregister(pidfd)
                    exited_at = time.monotonic()
                    continue
                chunk = os.read(key.fd, _CHUNK)
                if not chunk:
                    selector.unregister(key.fileobj)
                    pipes -= 1
                elif key.fileobj is proc.stdout:
                    out += chunk
                    if len(out) > max_size:
                        raise program_too_large(max_size)
                else:
                    keep = max(0, MAX_STDERR - len(err))
                    err += chunk[:keep]
                    dropped += len(chunk) - min(keep, len(chunk))
            if exited_at is None and pidfd is None and proc.poll() is not None:
                exited_at = time.monotonic()
        return out, err, dropped, False


# -- what it left behind ----------------------------------------------------------------------

def _clean_up(proc: subprocess.Popen[bytes], ours: frozenset[int] | None) -> None:
    """Kill the program if it still runs, its process group, and every process descended
    from it, until none is left; reap the program and the orphans that came back to us.

    ``ours``: our children before the program started (never touched), or None when we
    are no subreaper (orphans went elsewhere: the group and the program's tree are all
    that is reached).
    """
    pause, deadline = 0.0005, time.monotonic() + _CLEAN_UP
    groups = [proc.pid]  # (its process group: it was started as the leader of one)
    beyond: set[int] = set()  # processes not ours to kill (another user's): not waited for
    while True:
        # In this order: once the program is reaped, its orphans are ours already.
        running = proc.poll() is None
        adopted = (tree.children(os.getpid(), leader_only=True) - ours - {proc.pid}) \
            if ours is not None else frozenset()
        roots = adopted | ({proc.pid} if running else set())
        if roots or groups:
            beyond |= tree.kill_trees(roots, groups)
            groups = []
        for pid in adopted:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
        if not roots - beyond or time.monotonic() > deadline:
            break
        time.sleep(pause)  # killed, not yet dead; or its orphans not yet handed to us
        pause = min(pause * 2, 0.02)
    if proc.returncode is None:  # past the deadline only: a process SIGKILL cannot end
        try:
            proc.wait(0.01)
        except subprocess.TimeoutExpired:
            pass
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()
