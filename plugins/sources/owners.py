"""Who owns a socket: the process whose descriptors link to its inode, found through
/proc/PID/fd and named by /proc/PID/comm, as netstat -p and ss -p find it."""
from __future__ import annotations

from collections.abc import Mapping

from tstconfig_core.api import DEFAULT_MAX_SIZE, Entry, ListFolder, LocalHost, ReadFile


#: A process's name is at most 15 characters (TASK_COMM_LEN): a larger comm is no name.
MAX_COMM = 4096

#: What finding the owners of sockets asks of the host: every process's descriptors (the
#: links name the socket inodes) and names, in one round; links that lead out of /proc
#: are not followed (a crafted --proc-root), and a name is read only so far.
OWNER_REQUESTS = (ListFolder("/proc/[0-9]*/fd", glob=True, within="/proc"),
                  ReadFile("/proc/[0-9]*/comm", glob=True, within="/proc", max_size=MAX_COMM))


def owners_from(fd_lists: Mapping[str, object], comms: Mapping[str, object],
                inodes: set[int]) -> dict[int, str]:
    """inode -> ``PID/comm`` for the sockets whose owner's descriptors could be read.

    ``fd_lists`` and ``comms`` are the host's answers to OWNER_REQUESTS. Processes are
    taken in PID order and the first owner wins, so a socket shared by a parent and its
    workers shows the parent, as netstat does.
    """
    owners: dict[int, str] = {}
    if not inodes or not isinstance(fd_lists, Mapping) or not isinstance(comms, Mapping):
        return owners  # (an answer that is an error: no owner is known)
    by_pid = sorted((int(path.split("/")[2]), path.split("/")[2], entries)
                    for path, entries in fd_lists.items()
                    if _number(path.split("/")[2]) and isinstance(entries, tuple))
    for pid, folder, entries in by_pid:
        found = [inode for inode in (_inode(e) for e in entries)
                 if inode in inodes and inode not in owners]
        if found:
            name = comms.get(f"/proc/{folder}/comm")
            shown = name.decode("utf-8", "replace").rstrip("\n") if isinstance(
                name, (bytes, bytearray)) else ""
            for inode in dict.fromkeys(found):
                owners[inode] = f"{pid}/{shown or '-'}"
            if len(owners) == len(inodes):
                break
    return owners


def _number(text: str) -> bool:
    """ASCII digits only (``str.isdigit`` takes '²', which ``int`` refuses)."""
    return text.isascii() and text.isdigit()


def _inode(entry: Entry) -> int | None:
    target = entry.target if isinstance(entry, Entry) and isinstance(entry.target, str) else ""
    if target.startswith("socket:[") and target.endswith("]") and _number(target[8:-1]):
        return int(target[8:-1])
    return None


def socket_owners(proc_root: str, inodes: set[int]) -> dict[int, str]:
    """inode -> ``PID/comm``, for the sockets of a /proc whose owners can be read."""
    host = LocalHost(proc_root=proc_root)
    fd_lists, comms = host.answer(list(OWNER_REQUESTS), timeout=10.0,
                                  max_size=DEFAULT_MAX_SIZE)
    return owners_from(fd_lists, comms, inodes)  # type: ignore[arg-type]
