"""Address and port assertions for tstconfig, on the standard library's ipaddress.

``assert_ip_in NETWORK...``: every token of the value is an address in one of
the networks. ``assert_port_in RANGE...``: every token's port is in one of the
ranges. Tokens may carry a port the way netstat and tstconfig's ``proc``
source write sockets: ``0.0.0.0:22``, ``:::80``, ``::1:631``, ``[::1]:8080``.
An undefined or empty value has no address to check, and passes.

A token stands for a set of addresses: one address; a network written with its
prefix (``10.0.0.0/8``, ``0.0.0.0/0``); or, for the wildcard (``0.0.0.0``,
``::``), every address of its family, since a server bound to it listens on all
of them. It is in a network when all of that set is, so a wildcard is in
``0.0.0.0/0`` (or ``::/0``) and in no named class: Python calls 0.0.0.0 and ::
private, and a server on 0.0.0.0:3306 is not.
"""
from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence

from tstconfig_core.api import Assertion, PluginError, Value

__version__ = "1.1.0"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Names for the networks people mean most often, as ipaddress defines them (for a
#: network: all of it in one such block; one address is a network of one).
NAMED: dict[str, Callable[[Network], bool]] = {
    "loopback": lambda n: n.is_loopback,
    "private": lambda n: n.is_private,
    "link-local": lambda n: n.is_link_local,
}
_PORT = re.compile(r"\d+|\*")
#: ::ffff:0:0/96, the IPv4-mapped addresses: ::ffff:10.0.0.5 is 10.0.0.5.
MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")


def split_socket(token: str) -> tuple[str, str | None]:
    """(host, port or None) of ``0.0.0.0:22``, ``:::80``, ``[::1]:80``, ``::1``, ``10.0.0.1``.

    A token that reads both as an IPv6 address and as address:port (``::1:631``)
    is read as address:port, the way netstat and the proc source write sockets.
    """
    if token.startswith("["):
        host, _, rest = token[1:].partition("]")
        return host, rest[1:] if rest.startswith(":") else None
    host, sep, port = token.rpartition(":")
    if sep and _PORT.fullmatch(port) and _is_address(host):
        return host, port
    return token, None


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text.partition("%")[0])
    except ValueError:
        return False
    return True


def address_of(token: str) -> Address:
    """The address in a value token (``/prefix`` and ``%zone`` allowed); PluginError if none."""
    host, _ = split_socket(token)
    try:
        if "/" in host:
            return ipaddress.ip_interface(host).ip
        return ipaddress.ip_address(host.partition("%")[0])
    except ValueError:
        raise PluginError(f"{token!r} is not an IP address (or address:port)") from None


def covered(token: str) -> Network:
    """The addresses a value token stands for, as a network; PluginError if none.

    ``10.0.0.5`` and ``[::1]:80`` are one address; ``10.0.0.0/8`` and ``0.0.0.0/0`` a
    network as written; ``10.0.0.5/24`` (host bits set: an interface, as ``ip address``
    writes it) its address; the wildcard ``0.0.0.0`` or ``::`` (``::ffff:0.0.0.0``) every
    address of its family: a server bound to it listens on all of them.
    """
    host, _ = split_socket(token)
    bare, _, zone = host.partition("%")  # fe80::1%eth0/64: the zone is no part of it
    host = bare + zone[zone.find("/"):] if "/" in zone else bare
    try:
        if "/" in host:
            interface = ipaddress.ip_interface(host)
            if interface.ip == interface.network.network_address:
                return interface.network
            address = interface.ip
        else:
            address = ipaddress.ip_address(host)
    except ValueError:
        raise PluginError(f"{token!r} is not an IP address (or address:port)") from None
    if address.is_unspecified:
        return ipaddress.ip_network((address, 0))
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None \
            and address.ipv4_mapped.is_unspecified:
        return MAPPED
    return ipaddress.ip_network(address)


def _ipv4_form(network: Network) -> ipaddress.IPv4Network | None:
    """The IPv4 network an IPv4-mapped one is (::ffff:10.0.0.5/128 is 10.0.0.5/32)."""
    if isinstance(network, ipaddress.IPv6Network) and network.subnet_of(MAPPED):
        return ipaddress.IPv4Network((int(network.network_address) & 0xFFFFFFFF,
                                      network.prefixlen - 96))
    return None


def port_of(token: str) -> int:
    """The port of ``host:port`` or of a bare number; PluginError if it has none."""
    port = token if token.isdigit() else split_socket(token)[1]
    if port is None or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise PluginError(f"{token!r} has no port (expected a number or address:port)")
    return int(port)


def _network_test(arg: str) -> Callable[[Network], bool]:
    if arg in NAMED:
        return _in_class(NAMED[arg])
    try:
        network: Network = ipaddress.ip_network(arg, strict=False)
    except ValueError:
        known = ", ".join(NAMED)
        raise PluginError(f"{arg!r} is not a network (like 10.0.0.0/8, ::1, or one of "
                          f"{known})") from None
    return lambda n: any(form is not None and form.version == network.version
                         and form.subnet_of(network)  # type: ignore[arg-type]
                         for form in (n, _ipv4_form(n)))


def _in_class(test: Callable[[Network], bool]) -> Callable[[Network], bool]:
    """A named class never holds a network holding the wildcard: 0.0.0.0:3306, :::80 and
    0.0.0.0/0 are every address, public ones too, though Python calls 0.0.0.0 and ::
    (and 0.0.0.0/8) private. A mapped network is judged as the IPv4 one it is."""
    def holds(network: Network) -> bool:
        network = _ipv4_form(network) or network
        return not network.network_address.is_unspecified and test(network)
    return holds


def _inside(token: str, tests: Sequence[Callable[[Network], bool]]) -> bool:
    network = covered(token)
    return any(test(network) for test in tests)


class AssertIpIn(Assertion):
    """Every address in the value lies in one of the networks."""

    summary = "every address in the value is in one of the networks (assert_ip_in CIDR...)"

    def _outside(self, value: Value, args: Sequence[str]) -> list[str]:
        if not args:
            raise PluginError("assert_ip_in needs one or more networks, like 127.0.0.0/8 ::1")
        tests = [_network_test(a) for a in args]
        return [t for t in value or () if not _inside(t, tests)]

    def check(self, value: Value, args: Sequence[str]) -> bool:
        return not self._outside(value, args)

    def explain(self, value: Value, args: Sequence[str]) -> str:
        outside = self._outside(value, args)
        everywhere = any((_ipv4_form(n) or n).prefixlen == 0 for n in map(covered, outside))
        why = " (a wildcard, 0.0.0.0 or ::, is every address)" if everywhere else ""
        return f"outside {' '.join(args)}: {' '.join(outside)}{why}"


_RANGE = re.compile(r"(\d+)(?:[-:](\d+))?")


def _port_range(arg: str) -> range:
    match = _RANGE.fullmatch(arg)
    if match:
        low = int(match.group(1))
        high = int(match.group(2) or low)
        if low <= high <= 65535:
            return range(low, high + 1)
    raise PluginError(f"{arg!r} is not a port or a range of ports (22, 1-1023, 8000:8999)")


class AssertPortIn(Assertion):
    """Every port in the value lies in one of the ranges."""

    summary = "every port in the value is in one of the ranges (assert_port_in 22 8000-8999)"

    def _outside(self, value: Value, args: Sequence[str]) -> list[str]:
        if not args:
            raise PluginError("assert_port_in needs one or more ports or ranges, like 22 1-1023")
        ranges = [_port_range(a) for a in args]
        return [t for t in value or () if not any(port_of(t) in r for r in ranges)]

    def check(self, value: Value, args: Sequence[str]) -> bool:
        return not self._outside(value, args)

    def explain(self, value: Value, args: Sequence[str]) -> str:
        return f"outside {' '.join(args)}: {' '.join(self._outside(value, args))}"
