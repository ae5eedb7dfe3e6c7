"""Sockets from /proc/net/{tcp,tcp6,udp,udp6,unix}, as ``netstat -pn`` and ``ss`` show them.

The kernel prints addresses as hex words in host byte order; this module
turns each line into a :class:`Socket` and renders netstat's table
(``Proto Recv-Q Send-Q Local Address Foreign Address State PID/Program name``)
at netstat's offsets (0 6 13 20 44 68 80 while addresses fit in 23
characters), so a definition written for ``netstat -plnt`` reads it unchanged.
Owners are found through ``/proc/PID/fd``: a process whose descriptors cannot
be read (another user's, when not root) shows as ``-``, as in netstat.

The listening views (by port, by unix path) and the accepting view (by the
address a client would connect to) are tables of the same sockets, for checks
that ask "is anything serving here" rather than "which line of which table".
"""
from __future__ import annotations

import ipaddress
import re
import socket
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

from tstconfig_core.api import DEFAULT_MAX_SIZE, LocalHost, ReadFile
from tstconfig_plugins.sources.owners import OWNER_REQUESTS, owners_from

TCP_STATES = {
    1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1", 5: "FIN_WAIT2",
    6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT", 9: "LAST_ACK", 10: "LISTEN",
    11: "CLOSING", 12: "NEW_SYN_RECV",
}
ADDRESS_WIDTH = 23  # netstat's minimum
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
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

    @property
    def listening(self) -> bool:
        """TCP in LISTEN; UDP bound to a port and unconnected (the kernel's state 07,
        which netstat leaves blank), the sockets ``ss -ulpn`` lists: UDP has no listen(),
        a bound socket takes datagrams from anyone."""
        if self.proto.startswith("udp"):
            return self.state == "" and self.port != 0
        return self.state == "LISTEN"


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


# -- unix sockets ----------------------------------------------------------------------

UNIX_TYPES = {1: "stream", 2: "dgram", 5: "seqpacket"}
ACCEPTCON = 0x10000  # the Flags bit of a socket in listen() (__SO_ACCEPTCON)
#: Num: RefCount Protocol Flags Type St Inode [Path]; the path follows one space, as is.
_UNIX_LINE = re.compile(r"[0-9A-Fa-f]+: [0-9A-Fa-f]+ [0-9A-Fa-f]+ ([0-9A-Fa-f]+) "
                        r"([0-9A-Fa-f]+) [0-9A-Fa-f]+ +(\d+)(?: (.*))?")


@dataclass(frozen=True)
class UnixSocket:
    path: str           # as the kernel prints it: /run/x.sock, @abstract, "" if unbound
    type: str           # stream, dgram, seqpacket
    accepting: bool     # in listen(): the kernel's __SO_ACCEPTCON flag
    inode: int
    owner: str = "-"

    @property
    def listening(self) -> bool:
        """A stream or seqpacket socket in listen(), or a bound datagram socket: those a
        client can reach by path. (A datagram socket's state column says ``connected``
        as soon as a peer connects to it, so it cannot tell a server from a client.)"""
        return self.accepting or (self.type == "dgram" and self.path != "")


def parse_unix(lines: Iterable[str]) -> list[UnixSocket]:
    """The sockets of /proc/net/unix; lines that are not sockets are skipped. Abstract
    names come with the kernel's leading ``@``."""
    out = []
    for line in lines:
        match = _UNIX_LINE.fullmatch(line)
        if not match:
            continue
        flags, kind, inode, path = match.groups()
        code = int(kind, 16)
        out.append(UnixSocket(path=path or "", type=UNIX_TYPES.get(code, str(code)),
                              accepting=bool(int(flags, 16) & ACCEPTCON), inode=int(inode)))
    return out


def _listening_unix(unix: Sequence[UnixSocket]) -> list[UnixSocket]:
    return sorted((u for u in unix if u.listening), key=lambda u: (u.path, u.type, u.inode))


class Found(NamedTuple):
    """What the views are made of: the sockets of the files read (of unix, the listening
    ones), with their owners, and the host's addresses (empty when not read)."""

    sockets: list[Socket]
    unix: list[UnixSocket]
    ipv4: list[str]
    ipv6: list[str]


def gather(files: Mapping[str, bytes], fd_lists: Mapping[str, object],
           comms: Mapping[str, object]) -> Found:
    """Decode the files of /proc/net read (name -> bytes: tcp, tcp6, udp, udp6, unix,
    fib_trie, if_inet6) and find the sockets' owners."""
    sockets: list[Socket] = []
    for proto in ("tcp", "tcp6", "udp", "udp6"):
        if proto in files:
            sockets.extend(parse_table(proto, _text(files[proto]).splitlines()))
    # at newlines only: a path may hold \r and the other breaks str.splitlines() knows
    unix = parse_unix(_text(files["unix"]).split("\n")) if "unix" in files else []
    unix = [u for u in unix if u.listening]  # the thousands of connections are shown nowhere
    inodes = {s.inode for s in sockets if s.inode} | {u.inode for u in unix if u.inode}
    owners = owners_from(fd_lists, comms, inodes)
    from tstconfig_plugins.sources.accepting import local_ipv4, local_ipv6
    return Found(
        sockets=[replace(s, owner=owners.get(s.inode, "-")) for s in sockets],
        unix=[replace(u, owner=owners.get(u.inode, "-")) for u in unix],
        ipv4=local_ipv4(_text(files["fib_trie"])) if "fib_trie" in files else [],
        ipv6=local_ipv6(_text(files["if_inet6"])) if "if_inet6" in files else [])


def _text(content: bytes) -> str:
    """The kernel's text; a unix path is bytes as bound, shown as UTF-8 where it is."""
    return content.decode("utf-8", "replace")


def sockets_from(tables: Mapping[str, bytes], fd_lists: Mapping[str, object],
                 comms: Mapping[str, object]) -> list[Socket]:
    """The sockets of the tables (proto -> the bytes of /proc/net/PROTO), with owners."""
    return gather(tables, fd_lists, comms).sockets


def read_sockets(proc_root: str, protos: Sequence[str]) -> list[Socket]:
    """The sockets of the given tables of a /proc (a missing table has none), asked of a
    local host the way the proc source asks: for tests and tools."""
    host = LocalHost(proc_root=proc_root)
    answers = host.answer([*(ReadFile(f"/proc/net/{p}") for p in protos), *OWNER_REQUESTS],
                          timeout=10.0, max_size=DEFAULT_MAX_SIZE)
    tables = {p: a for p, a in zip(protos, answers) if isinstance(a, (bytes, bytearray))}
    return sockets_from(tables, answers[-2], answers[-1])  # type: ignore[arg-type]


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


# -- the views ------------------------------------------------------------------------

LISTENING_HEADER = ("Port", "Proto", "Local Address", "Program", "PID")


def listening_table(sockets: Sequence[Socket],
                    unix: Sequence[UnixSocket] = ()) -> tuple[list[str], tuple[int, ...]]:
    """One row per listening socket, first column the port, sorted by port; unix
    sockets (``net/listening/all``) last, with no port (``-``) and their path as the
    address."""
    listening = sorted((s for s in sockets if s.listening),
                       key=lambda s: (s.port, s.proto, s.local))
    rows = [(str(s.port), s.proto, s.local, *_program_pid(s.owner)) for s in listening]
    rows += [("-", "unix", u.path, *_program_pid(u.owner)) for u in _listening_unix(unix)]
    return layout([LISTENING_HEADER, *rows], (5, 5, ADDRESS_WIDTH, 15))


def _program_pid(owner: str) -> tuple[str, str]:
    pid, _, program = owner.partition("/")
    return program or "-", pid


UNIX_HEADER = ("Path", "Type", "Program", "PID")


def unix_table(unix: Sequence[UnixSocket]) -> tuple[list[str], tuple[int, ...]]:
    """One row per listening unix socket, keyed by its path, sorted by path."""
    rows = [(u.path, u.type, *_program_pid(u.owner)) for u in _listening_unix(unix)]
    return layout([UNIX_HEADER, *rows], (ADDRESS_WIDTH, 9, 15))
