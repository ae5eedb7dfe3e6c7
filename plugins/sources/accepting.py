"""The accepting view: for each address a client could connect to, the TCP and UDP
sockets that would take the connection, a wildcard bind answering for every address
of its family that the host has (its IPv4 addresses from /proc/net/fib_trie, its
IPv6 ones from /proc/net/if_inet6)."""
from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence

from tstconfig_plugins.sources.sockets import (ADDRESS_WIDTH, IPAddress, Socket, _program_pid,
                                               layout)

# -- the host's addresses, and what accepts on each ------------------------------------

def local_ipv4(text: str) -> list[str]:
    """The host's IPv4 addresses, from /proc/net/fib_trie: the leaves with a ``/32 host
    LOCAL`` route, as ``ip address`` lists them (127.0.0.1, not all of 127.0.0.0/8)."""
    found: set[ipaddress.IPv4Address] = set()
    leaf = None
    for line in text.splitlines():
        words = line.split()
        if len(words) == 2 and words[0] == "|--":
            leaf = _ipv4(words[1])
        elif leaf is not None and words[:1] == ["/32"] and words[2:3] == ["LOCAL"]:
            found.add(leaf)
    return [_written(a) for a in sorted(found)]


def _ipv4(text: str) -> ipaddress.IPv4Address | None:
    try:
        return ipaddress.IPv4Address(text)
    except ValueError:
        return None  # a line the kernel would not print


def local_ipv6(text: str) -> list[str]:
    """The host's IPv6 addresses, from /proc/net/if_inet6 (32 hex digits in network
    order, then the interface's number, prefix, scope, flags and name)."""
    found: set[ipaddress.IPv6Address] = set()
    for line in text.splitlines():
        words = line.split()
        if words and len(words[0]) == 32:
            try:
                found.add(ipaddress.IPv6Address(bytes.fromhex(words[0])))
            except ValueError:
                continue  # a line the kernel would not print
    return [_written(a) for a in sorted(found)]


def _written(address: IPAddress) -> str:
    """An address as the socket tables write it (``::ffff:127.0.0.1``, which Python
    before 3.13 writes ``::ffff:7f00:1``)."""
    family = socket.AF_INET if address.version == 4 else socket.AF_INET6
    return socket.inet_ntop(family, address.packed)


def endpoint(ip: str, port: int) -> str:
    """``127.0.0.1:8080``, ``[::1]:8080``: IPv6 in brackets, as ``ss`` and URLs write it,
    so an address can be told from its port."""
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


ACCEPTING_HEADER = ("Address", "Proto", "Local Address", "Program", "PID")


def accepting_table(sockets: Sequence[Socket], ipv4: Sequence[str],
                    ipv6: Sequence[str]) -> tuple[list[str], tuple[int, ...]]:
    """One row per address:port a client could reach and a socket that takes it there.

    A socket bound to one address answers for that address; one bound to the wildcard
    (0.0.0.0, ::) answers for the wildcard and for each of the host's addresses of its
    family (``ipv4``, ``ipv6``). A ``::`` socket may take IPv4 too (IPV6_V6ONLY off),
    but /proc does not say, so it is not listed for IPv4 addresses; a socket bound to an
    IPv4-mapped address (``::ffff:10.0.0.5``) is, for that IPv4 address. Rows are sorted
    by port, protocol (tcp, udp: the family is the address's) and address, and for one
    address the socket bound to it comes before a wildcard one, as the kernel chooses.
    """
    rows = []
    for s in sorted((s for s in sockets if s.listening), key=lambda s: (s.local, s.owner)):
        transport = s.proto.rstrip("6")
        for address, direct in _answers_for(s.local_ip, ipv4, ipv6):
            rows.append(((s.port, transport, address.version, int(address), not direct),
                         (endpoint(_written(address), s.port), transport,
                          endpoint(s.local_ip, s.port), *_program_pid(s.owner))))
    rows.sort(key=lambda r: r[0])  # stable: equal keys keep the sockets' order
    return layout([ACCEPTING_HEADER, *(r[1] for r in rows)],
                  (ADDRESS_WIDTH, 5, ADDRESS_WIDTH, 15))


def _answers_for(local_ip: str, ipv4: Sequence[str],
                 ipv6: Sequence[str]) -> list[tuple[IPAddress, bool]]:
    """The addresses a socket bound to ``local_ip`` takes connections on, each with
    whether it is the bound address itself (False: through the wildcard)."""
    address = ipaddress.ip_address(local_ip)
    found = [(address, True)]
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:10.0.0.5 takes IPv4 on 10.0.0.5
        found.append((address, True))
    if address.is_unspecified:
        found += [(ipaddress.ip_address(a), False)
                  for a in (ipv4 if address.version == 4 else ipv6)]
    first: dict[IPAddress, bool] = {}
    for each, direct in found:
        first.setdefault(each, direct)
    return list(first.items())
