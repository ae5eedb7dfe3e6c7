"""Sockets from /proc/net/{tcp,tcp6,udp,udp6}, as ``netstat -pn`` shows them.

The kernel prints addresses as hex words in host byte order; this module
turns each line into a :class:`Socket` and renders netstat's table
(``Proto Recv-Q Send-Q Local Address Foreign Address State PID/Program name``)
at netstat's offsets (0 6 13 20 44 68 80 while addresses fit in 23
characters), so a definition written for ``netstat -plnt`` reads it unchanged.
Owners are found through ``/proc/PID/fd``: a process whose descriptors cannot
be read (another user's, when not root) shows as ``-``, as in netstat.
"""
from __future__ import annotations

import socket
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from tstconfig_core.api import DEFAULT_MAX_SIZE, Entry, ListFolder, LocalHost, ReadFile

TCP_STATES = {
    1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1", 5: "FIN_WAIT2",
    6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT", 9: "LAST_ACK", 10: "LISTEN",
    11: "CLOSING", 12: "NEW_SYN_RECV",
}
ADDRESS_WIDTH = 23  # netstat's minimum
TITLE = "Active Internet connections (servers and established)"
HEADER = ("Proto", "Recv-Q", "Send-Q", "Local Address", "Foreign Address", "State",
          "PID/Program name")


@dataclass(frozen=True)
class Socket:
    proto: str          # tcp, tcp6, udp, udp6
    local: str          # netstat notation: 0.0.0.0:22, :::80
    local_ip: str
    port: int
    foreign: str
    state: str
    recv_q: int
    send_q: int
    inode: int
    owner: str = "-"    # PID/program, or "-"

    @property
    def family(self) -> str:
        return "ipv6" if self.proto.endswith("6") else "ipv4"


def _ip(hex_address: str) -> str:
    """An address as /proc/net prints it (u32 words in host order) in text form."""
    words = [int(hex_address[i:i + 8], 16) for i in range(0, len(hex_address), 8)]
    packed = struct.pack(f"={len(words)}I", *words)
    family = socket.AF_INET if len(packed) == 4 else socket.AF_INET6
    return socket.inet_ntop(family, packed)


def _endpoint(field: str) -> tuple[str, int]:
    address, _, port = field.partition(":")
    return _ip(address), int(port, 16)


def _netstat(ip: str, port: int) -> str:
    return f"{ip}:{port if port else '*'}"


def parse_table(proto: str, lines: Iterable[str]) -> list[Socket]:
    """The sockets of one /proc/net table; lines that are not sockets are skipped."""
    udp = proto.startswith("udp")
    out = []
    for line in lines:
        fields = line.split()
        if len(fields) < 10 or not fields[0].endswith(":") or not fields[0][:-1].isdigit():
            continue
        try:
            local_ip, port = _endpoint(fields[1])
            remote_ip, remote_port = _endpoint(fields[2])
            state_code = int(fields[3], 16)
            tx_queue, _, rx_queue = fields[4].partition(":")
            sock = Socket(
                proto=proto, local=_netstat(local_ip, port), local_ip=local_ip, port=port,
                foreign=_netstat(remote_ip, remote_port),
                state=("" if state_code == 7 else TCP_STATES.get(state_code, "UNKNOWN"))
                if udp else TCP_STATES.get(state_code, "UNKNOWN"),
                recv_q=int(rx_queue, 16), send_q=int(tx_queue, 16), inode=int(fields[9]))
        except (ValueError, OSError, struct.error):
            continue  # a line the kernel would not print; never fatal
        out.append(sock)
    return out


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


def sockets_from(tables: Mapping[str, bytes], fd_lists: Mapping[str, object],
                 comms: Mapping[str, object]) -> list[Socket]:
    """The sockets of the tables (proto -> the bytes of /proc/net/PROTO), with owners."""
    sockets: list[Socket] = []
    for proto, content in tables.items():
        sockets.extend(parse_table(proto, content.decode("ascii", "replace").splitlines()))
    owners = owners_from(fd_lists, comms, {s.inode for s in sockets if s.inode})
    return [Socket(**{**s.__dict__, "owner": owners.get(s.inode, "-")}) for s in sockets]


def read_sockets(proc_root: str, protos: Sequence[str]) -> list[Socket]:
    """The sockets of the given tables of a /proc (a missing table has none), asked of a
    local host the way the proc source asks: for tests and tools."""
    host = LocalHost(proc_root=proc_root)
    answers = host.answer([*(ReadFile(f"/proc/net/{p}") for p in protos), *OWNER_REQUESTS],
                          timeout=10.0, max_size=DEFAULT_MAX_SIZE)
    tables = {p: a for p, a in zip(protos, answers) if isinstance(a, (bytes, bytearray))}
    return sockets_from(tables, answers[-2], answers[-1])  # type: ignore[arg-type]


def socket_owners(proc_root: str, inodes: set[int]) -> dict[int, str]:
    """inode -> ``PID/comm``, for the sockets of a /proc whose owners can be read."""
    host = LocalHost(proc_root=proc_root)
    fd_lists, comms = host.answer(list(OWNER_REQUESTS), timeout=10.0,
                                  max_size=DEFAULT_MAX_SIZE)
    return owners_from(fd_lists, comms, inodes)  # type: ignore[arg-type]


def layout(rows: Sequence[Sequence[str]], minimums: Sequence[int]) -> tuple[list[str], tuple[int, ...]]:
    """Rows as fixed-width lines, and each column's start offset.

    Every column but the last is as wide as its widest cell (and at least its
    minimum) plus one space; numbers (digits only) are right-aligned.
    """
    widths = [max([minimum, *(len(r[i]) for r in rows)]) for i, minimum in enumerate(minimums)]
    starts, offset = [], 0
    for width in widths:
        starts.append(offset)
        offset += width + 1
    starts.append(offset)
    lines = []
    for row in rows:
        cells = []
        for i, width in enumerate(widths):
            cell = row[i]
            cells.append(cell.rjust(width) if cell.isdigit() and i else cell.ljust(width))
        lines.append((" ".join(cells) + " " + row[-1]).rstrip())
    return lines, tuple(starts)


def netstat_table(sockets: Sequence[Socket]) -> tuple[list[str], tuple[int, ...]]:
    """Lines as ``netstat -pn`` prints them (title, header, rows) and the column starts."""
    rows = [(s.proto, str(s.recv_q), str(s.send_q), s.local, s.foreign, s.state, s.owner)
            for s in sockets]
    # netstat's widths: %-5s %6ld %6ld %-23s %-23s %-11s (wider addresses widen their column)
    lines, starts = layout([HEADER, *rows], (5, 6, 6, ADDRESS_WIDTH, ADDRESS_WIDTH, 11))
    return [TITLE, *lines], starts


LISTENING_HEADER = ("Port", "Proto", "Local Address", "Program", "PID")


def listening_table(sockets: Sequence[Socket]) -> tuple[list[str], tuple[int, ...]]:
    """One row per listening TCP socket, first column the port, sorted by port."""
    listening = sorted((s for s in sockets if s.state == "LISTEN"),
                       key=lambda s: (s.port, s.proto, s.local))
    rows = []
    for s in listening:
        pid, _, program = s.owner.partition("/")
        rows.append((str(s.port), s.proto, s.local, program or "-", pid))
    return layout([LISTENING_HEADER, *rows], (5, 5, ADDRESS_WIDTH, 15))
