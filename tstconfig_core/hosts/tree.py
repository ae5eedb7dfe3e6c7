"""Process trees: finding every process below a command and killing them all, and the
watchdog that does it for tstconfig once tstconfig is killed outright (``kill -9``).

The standard library only: the watchdog imports just this module, in a Python started
with ``-S -I``, so that it is small and starts fast (``_signal``, not ``signal``, whose
enums import half of the standard library: 10 of the watchdog's 20 ms).
"""
from __future__ import annotations

import _signal as signal  # (the same functions and numbers, without the enums)
import os

TYPE_CHECKING = False  # (typing is not imported either: 20 ms more)
if TYPE_CHECKING:
    from collections.abc import Iterable

_children_files: bool | None = None  # /proc/PID/task/TID/children (CONFIG_PROC_CHILDREN)


def children(pid: int, leader_only: bool = False) -> frozenset[int]:
    """The children of a process, from its threads' ``children`` files (else from a scan
    of every process's parent, slower). Empty when it is gone. ``leader_only``: those of
    its main thread, which is where its adopted orphans go (one read, not one a thread)."""
    global _children_files
    if _children_files is False:
        return frozenset(p for p, parent in _parents().items() if parent == pid)
    found: set[int] = set()
    try:
        tasks = [str(pid)] if leader_only else os.listdir(f"/proc/{pid}/task")
    except OSError:
        return frozenset()
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", "rb") as f:
                found.update(int(p) for p in f.read().split())
        except FileNotFoundError:
            if _children_files is None and os.path.isdir(f"/proc/{pid}/task/{tid}"):
                _children_files = False  # a kernel without them: scan instead
                return children(pid)
        except (OSError, ValueError):
            pass  # the thread or the process ended meanwhile
    _children_files = True
    return frozenset(found)


def _parents() -> dict[int, int]:
    """pid -> parent pid, of every process."""
    parents = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return parents
    for name in names:
        if name.isdigit():
            fields = _stat(int(name))
            if fields:
                parents[int(name)] = int(fields[1])
    return parents


def _stat(pid: int) -> list[bytes]:
    """The fields of /proc/PID/stat after the name (state, ppid, ...), or []."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rpartition(b")")[2].split()
    except OSError:
        return []


def descendants(roots: Iterable[int]) -> list[int]:
    """The roots and every process below them."""
    found, seen, pending = [], set(), list(roots)
    while pending:
        pid = pending.pop()
        if pid not in seen:
            seen.add(pid)
            found.append(pid)
            pending.extend(children(pid))
    return found


def signal_quietly(pid: int, signum: int) -> bool:
    """Signal a process (a group: -PGID); False if it is not ours to signal."""
    try:
        os.kill(pid, signum)
    except PermissionError:  # another user's (a set-user-ID program, when not root)
        return False
    except OSError:  # gone already
        pass
    return True


def kill_trees(roots: Iterable[int], groups: Iterable[int] = (), rounds: int = 50) -> set[int]:
    """SIGKILL the roots, everything below them, and the process groups. All are stopped
    first (SIGSTOP) and looked at again until nothing new appears, since a stopped process
    can fork no more and its children cannot move away; then all are killed at once.
    Returns the processes that could not be signalled (another user's)."""
    groups = list(groups)
    for group in groups:
        signal_quietly(-group, signal.SIGSTOP)
    roots = set(roots)
    stopped: set[int] = set()
    refused: set[int] = set()
    for _ in range(rounds):
        new = [pid for pid in descendants(roots) if pid not in stopped]
        if not new:
            break
        for pid in new:
            if not signal_quietly(pid, signal.SIGSTOP):
                refused.add(pid)
        stopped.update(new)
        roots = stopped
    for pid in stopped - refused:
        signal_quietly(pid, signal.SIGKILL)
    for group in groups:
        signal_quietly(-group, signal.SIGKILL)
    return refused


def watch(fd: int = 0, period: float = 0.2) -> None:
    """The watchdog: on ``fd``, a socket from tstconfig, each message brings a pidfd of a
    command started. When the socket ends (tstconfig exited, or was killed), each command
    that still runs is killed with all below it. It looks every ``period`` seconds, not at
    each message (a command costs tstconfig no wake-up of it), and forgets the commands
    that ended. A pidfd names that very process, never one that took its pid later."""
    import select
    import socket
    import time
    for signum in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM, signal.SIGPIPE):
        signal.signal(signum, signal.SIG_IGN)
    running: list[int] = []
    with socket.socket(fileno=fd) as sock:
        sock.setblocking(False)
        while True:
            try:
                message, fds, _, _ = socket.recv_fds(sock, 64, 4)
            except BlockingIOError:
                ended = select.select(running, [], [], 0)[0]  # (a pidfd of one that exited)
                for pidfd in ended:
                    running.remove(pidfd)
                    os.close(pidfd)
                time.sleep(period)
                continue
            except OSError:
                break
            if not message and not fds:
                break  # tstconfig is gone
            running.extend(fds)
    stopped = []
    for pidfd in running:
        try:  # stopped, it cannot exit and leave its pid to another process meanwhile
            signal.pidfd_send_signal(pidfd, signal.SIGSTOP)
        except OSError:
            continue  # it ended
        pid = _pid_of(pidfd)
        if pid > 0:
            stopped.append(pid)
    kill_trees(stopped, groups=stopped)  # (each command leads a process group of its own)
    for pidfd in running:
        try:
            signal.pidfd_send_signal(pidfd, signal.SIGKILL)
        except OSError:
            pass


def _pid_of(pidfd: int) -> int:
    try:
        with open(f"/proc/self/fdinfo/{pidfd}", "rb") as f:
            for line in f:
                if line.startswith(b"Pid:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return -1


if __name__ == "__main__":
    watch()
