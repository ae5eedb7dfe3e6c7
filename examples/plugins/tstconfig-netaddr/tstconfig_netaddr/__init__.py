"""Address and port assertions for tstconfig, on the standard library's ipaddress.

``assert_ip_in NETWORK...``: every token of the value is an address in one of
the networks. ``assert_port_in RANGE...``: every token's port is in one of the
ranges. Tokens may carry a port the way netstat and tstconfig's ``proc``
source write sockets: ``0.0.0.0:22``, ``:::80``, ``::1:631``, ``[::1]:8080``.
An undefined or empty value has no address to check, and passes.
"""
from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence

from tstconfig_core.api import Assertion, PluginError, Value

__version__ = "1.0.0"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Names for the networks people mean most often.
NAMED: dict[str, Callable[[Address], bool]] = {
    "loopback": lambda a: a.is_loopback,
    "private": lambda a: a.is_private,
    "link-local": lambda a: a.is_link_local,
}
_PORT = re.compile(r"\d+|\*")


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


def port_of(token: str) -> int:
    """The port of ``host:port`` or of a bare number; PluginError if it has none."""
    port = token if token.isdigit() else split_socket(token)[1]
    if port is None or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise PluginError(f"{token!r} has no port (expected a number or address:port)")
    return int(port)


def _network_test(arg: str) -> Callable[[Address], bool]:
    if arg in NAMED:
        return NAMED[arg]
    try:
        network: Network = ipaddress.ip_network(arg, strict=False)
    except ValueError:
        known = ", ".join(NAMED)
        raise PluginError(f"{arg!r} is not a network (like 10.0.0.0/8, ::1, or one of "
                          f"{known})") from None
    return lambda a: a in network


def _inside(address: Address, tests: Sequence[Callable[[Address], bool]]) -> bool:
    candidates = [address]
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        candidates.append(address.ipv4_mapped)  # ::ffff:127.0.0.1 is 127.0.0.1
    return any(test(a) for a in candidates for test in tests)


class AssertIpIn(Assertion):
    """Every address in the value lies in one of the networks."""

    summary = "every address in the value is in one of the networks (assert_ip_in CIDR...)"

    def _outside(self, value: Value, args: Sequence[str]) -> list[str]:
        if not args:
            raise PluginError("assert_ip_in needs one or more networks, like 127.0.0.0/8 ::1")
        tests = [_network_test(a) for a in args]
        return [t for t in value or () if not _inside(address_of(t), tests)]

    def check(self, value: Value, args: Sequence[str]) -> bool:
        return not self._outside(value, args)

    def explain(self, value: Value, args: Sequence[str]) -> str:
        return f"outside {' '.join(args)}: {' '.join(self._outside(value, args))}"


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
