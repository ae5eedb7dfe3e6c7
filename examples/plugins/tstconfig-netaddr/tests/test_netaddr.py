"""assert_ip_in and assert_port_in: token reading, the checks, and real sockets."""
from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tstconfig_core.api import PluginError
from tstconfig_netaddr import (AssertIpIn, AssertPortIn, address_of, covered, port_of,
                               split_socket)

HERE = Path(__file__).parent


@pytest.mark.parametrize("token, host, port", [
    ("0.0.0.0:22", "0.0.0.0", "22"),
    (":::80", "::", "80"),
    ("::1:631", "::1", "631"),  # as netstat writes it: the port reading wins
    ("[::1]:8080", "::1", "8080"),
    ("0.0.0.0:*", "0.0.0.0", "*"),
    ("::ffff:127.0.0.1:8080", "::ffff:127.0.0.1", "8080"),
    ("10.0.0.1", "10.0.0.1", None),
    ("::1", "::1", None),
    ("fe80::1%eth0", "fe80::1%eth0", None),
])
def test_split_socket(token, host, port):
    assert split_socket(token) == (host, port)


def test_addresses_and_ports():
    assert str(address_of("10.0.0.5/24")) == "10.0.0.5"
    assert str(address_of("fe80::1%eth0")) == "fe80::1"
    assert port_of("0.0.0.0:22") == 22 and port_of("443") == 443
    for bad in ("sshd", "300.1.1.1", "-"):
        with pytest.raises(PluginError, match="not an IP address"):
            address_of(bad)
    for bad in ("0.0.0.0:*", "10.0.0.1", "70000"):
        with pytest.raises(PluginError, match="has no port"):
            port_of(bad)


@pytest.mark.parametrize("value, networks, passes", [
    (("127.0.0.1:5432", "::1:5432"), ("loopback",), True),
    (("127.0.0.1:5432", "::1:5432"), ("127.0.0.0/8", "::1"), True),
    (("0.0.0.0:6379",), ("loopback",), False),  # every interface is not loopback
    ((":::22",), ("loopback",), False),
    (("::ffff:127.0.0.1:8080",), ("127.0.0.0/8",), True),  # an IPv4-mapped address
    (("10.1.2.3", "192.168.0.9"), ("private",), True),
    (("10.1.2.3", "8.8.8.8"), ("10.0.0.0/8",), False),
    (("fe80::1%eth0:546",), ("link-local",), True),
    ((), ("loopback",), True),   # no address to check
    (None, ("loopback",), True),
])
def test_assert_ip_in(value, networks, passes):
    assertion = AssertIpIn()
    assert assertion.check(value, networks) is passes
    if not passes:
        assert "outside" in assertion.explain(value, networks)


@pytest.mark.parametrize("token, network", [
    ("10.0.0.1", "10.0.0.1/32"),
    ("[::1]:8080", "::1/128"),
    ("10.0.0.5/24", "10.0.0.5/32"),   # an interface, as `ip address` writes it
    ("10.0.0.0/8", "10.0.0.0/8"),     # a network, as written
    ("fe80::%eth0/64", "fe80::/64"),
    ("fe80::1%eth0/64", "fe80::1/128"),
    ("fe80::1%eth0:546", "fe80::1/128"),
    ("0.0.0.0/0", "0.0.0.0/0"),
    ("0.0.0.0:3306", "0.0.0.0/0"),    # the wildcard: every IPv4 address
    (":::80", "::/0"),                # every IPv6 address
    ("::", "::/0"),
    ("[::]:80", "::/0"),
    ("::ffff:0.0.0.0:80", "::ffff:0:0/96"),  # every IPv4 address, IPv4-mapped
])
def test_what_a_token_stands_for(token, network):
    assert str(covered(token)) == network


# A server on the wildcard listens on every address, public ones too: Python's
# ipaddress calls 0.0.0.0 and :: private (and every ::ffff: address, before 3.13).
@pytest.mark.parametrize("value, networks, passes", [
    (("0.0.0.0:3306",), ("private",), False),
    ((":::80",), ("private",), False),
    (("0.0.0.0/0",), ("private",), False),
    (("::/0",), ("private",), False),
    (("0.0.0.0",), ("private",), False),
    (("::ffff:0.0.0.0:80",), ("private",), False),
    (("::ffff:8.8.8.8:53",), ("private",), False),
    (("::ffff:10.0.0.5:9100",), ("private",), True),  # judged as 10.0.0.5
    (("0.0.0.0:3306", ":::80"), ("loopback", "link-local"), False),
    (("0.0.0.0/8",), ("private",), False),     # a network holding 0.0.0.0
    # the user's own networks are taken as written
    (("0.0.0.0:3306",), ("0.0.0.0/0",), True),
    (("0.0.0.0/0",), ("0.0.0.0/0",), True),
    ((":::80",), ("::/0",), True),
    (("::ffff:0.0.0.0:80",), ("0.0.0.0/0",), True),
    (("::ffff:127.0.0.1:80",), ("::ffff:0:0/96",), True),
    (("0.0.0.0:3306",), ("0.0.0.0/8",), False),  # every address is not in 0.0.0.0/8
    ((":::80",), ("0.0.0.0/0",), False),         # nor IPv4: /proc does not say it takes IPv4
    (("0.0.0.0/8",), ("0.0.0.0/8",), True),
    # networks in the value: all of it must be inside
    (("10.0.0.0/8",), ("10.0.0.0/16",), False),
    (("10.1.0.0/16",), ("10.0.0.0/8", "private"), True),
    (("192.168.0.0/16",), ("private",), True),
    (("10.0.0.5/24",), ("10.0.0.0/29",), True),  # an interface: its address
])
def test_a_wildcard_is_every_address(value, networks, passes):
    assert AssertIpIn().check(value, networks) is passes


def test_the_failure_says_a_wildcard_is_every_address():
    assertion = AssertIpIn()
    assert assertion.explain(("127.0.0.1:5432", "0.0.0.0:3306"), ("private",)) == (
        "outside private: 0.0.0.0:3306 (a wildcard, 0.0.0.0 or ::, is every address)")
    assert assertion.explain(("8.8.8.8:53",), ("private",)) == "outside private: 8.8.8.8:53"


@pytest.mark.parametrize("value, ranges, passes", [
    (("0.0.0.0:22", ":::22"), ("22",), True),
    (("22", "80", "443"), ("1-1023",), True),
    (("8080",), ("1-1023",), False),
    (("8443",), ("22", "8000:8999"), True),
    (None, ("22",), True),
])
def test_assert_port_in(value, ranges, passes):
    assert AssertPortIn().check(value, ranges) is passes


@pytest.mark.parametrize("assertion, args, value, message", [
    (AssertIpIn(), ("10.0.0.0/33",), ("10.0.0.1",), "is not a network"),
    (AssertIpIn(), (), ("10.0.0.1",), "needs one or more networks"),
    (AssertIpIn(), ("loopback",), ("LISTEN",), "not an IP address"),
    (AssertPortIn(), ("1023-1",), ("22",), "not a port or a range"),
    (AssertPortIn(), ("22",), ("0.0.0.0:*",), "has no port"),
])
def test_errors(assertion, args, value, message):
    with pytest.raises(PluginError, match=message):
        assertion.check(value, args)


EXAMPLE = (HERE.parent / "examples" / "loopback-only.tstconfig").read_text()


def test_the_example_on_a_recorded_database_host(tstconfig_run):
    result = tstconfig_run(EXAMPLE, proc_root=HERE / "fixtures" / "db-host")
    assert result.ok, result.report()
    assert result.outcomes() == ["passed", "passed"]


def test_the_example_catches_a_leaky_host(tstconfig_run):
    result = tstconfig_run(EXAMPLE, proc_root=HERE / "fixtures" / "leaky-host")
    assert result.exit_status == 1, result.report()
    failed = result.result("(every row) assert_ip_in loopback")
    assert failed.value == ("127.0.0.1:5432", "0.0.0.0:6379", "::ffff:10.0.0.5:9100")


def test_a_socket_this_test_opened_is_on_loopback(tstconfig_run):
    """A real listener on 127.0.0.1 (and ::1 where there is IPv6), checked through this
    machine's /proc."""
    held = [socket.socket()]
    held[0].bind(("127.0.0.1", 0))
    port = held[0].getsockname()[1]
    try:
        six = socket.socket(socket.AF_INET6)
        six.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        six.bind(("::1", port))
        held.append(six)
    except OSError:
        pass  # no IPv6 here: the IPv4 socket alone
    for s in held:
        s.listen()
    try:
        result = tstconfig_run(
            f"proc net/listening\ncolumns Port \"Local Address\"\nproperty {port}\n"
            f"assert_count {len(held)}\nassert_ip_in loopback\nassert_ip_in 10.0.0.0/8\n")
    finally:
        for s in held:
            s.close()
    assert result.outcomes() == ["passed", "passed", "failed"], result.report()
