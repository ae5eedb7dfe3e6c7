"""Decoding /proc/net tables, finding socket owners, netstat's layout, and the views.

The tables are tests/fixtures/proc/seed: the machine of the seed page
(sshd, apache2, a mail server), recorded as the kernel prints it; the
listening and accepting views read tests/fixtures/proc/listening, a host with
UDP and unix servers, wildcard and specific binds, and its addresses (10.0.0.5,
127.0.0.1; ::1, 2001:db8::5 and a link-local one).
"""
from __future__ import annotations

import pytest

from conftest import FIXTURES
from tstconfig_core.api import DEFAULT_MAX_SIZE, LocalHost, ReadFile
from tstconfig_plugins.parsers.fixed import cut
from tstconfig_plugins.sources.accepting import (accepting_table, endpoint, local_ipv4,
                                                 local_ipv6)
from tstconfig_plugins.sources.owners import OWNER_REQUESTS, socket_owners
from tstconfig_plugins.sources.sockets import (Found, _ip, gather, listening_table, netstat_table,
                                               parse_table, parse_unix, read_sockets, unix_table)

ROOT = str(FIXTURES / "proc" / "seed")
HOST = FIXTURES / "proc" / "listening"


@pytest.mark.parametrize("hex_address, text", [
    ("00000000", "0.0.0.0"),
    ("0100007F", "127.0.0.1"),
    ("0500000A", "10.0.0.5"),
    ("00000000000000000000000000000000", "::"),
    ("00000000000000000000000001000000", "::1"),
    ("0000000000000000FFFF00000100007F", "::ffff:127.0.0.1"),
    ("000080FE0000000023FEFF010A896745", "fe80::1ff:fe23:4567:890a"),
])
def test_addresses_in_host_byte_order(hex_address, text):
    assert _ip(hex_address) == text


def test_table_rows():
    with open(f"{ROOT}/net/tcp") as fh:
        sockets = parse_table("tcp", fh)
    assert [(s.local, s.foreign, s.state) for s in sockets] == [
        ("0.0.0.0:22", "0.0.0.0:*", "LISTEN"),
        ("0.0.0.0:25", "0.0.0.0:*", "LISTEN"),
        ("10.0.0.5:22", "192.168.1.20:51234", "ESTABLISHED")]
    assert (sockets[1].recv_q, sockets[2].send_q) == (2, 36)
    assert sockets[0].port == 22 and sockets[0].family == "ipv4"


def test_udp_states_as_netstat_shows_them():
    with open(f"{ROOT}/net/udp") as fh:
        sockets = parse_table("udp", fh)
    assert [s.state for s in sockets] == ["", ""]  # unconnected: blank, not CLOSE


def test_lines_that_are_not_sockets_are_skipped():
    assert parse_table("tcp", ["", "garbage", "  sl  local_address", "0: zz:zz 00 0A"]) == []


def test_owners_through_fd_links():
    owners = socket_owners(ROOT, {1001, 1002, 1009, 4242})
    assert owners == {1001: "876/sshd", 1002: "3076/apache2", 1009: "9001/sshd"}
    # 1002 is shared by 3076 and 3077: the lowest PID, as netstat shows it


def test_netstat_layout_matches_the_seed_page():
    lines, positions = netstat_table(read_sockets(ROOT, ("tcp6",)))
    assert positions == (0, 6, 13, 20, 44, 68, 80)  # the seed page's offsets
    assert lines[0] == "Active Internet connections (servers and established)"
    assert lines[1] == ("Proto Recv-Q Send-Q Local Address           Foreign Address"
                        "         State       PID/Program name")
    assert lines[2] == ("tcp6       0      0 :::80                   :::*"
                        "                    LISTEN      3076/apache2")
    assert cut(lines[3], positions) == ["tcp6", "0", "0", ":::22", ":::*", "LISTEN", "876/sshd"]


def test_long_addresses_widen_their_column():
    lines, positions = netstat_table(read_sockets(ROOT, ("udp6",)))
    assert positions == (0, 6, 13, 20, 49, 73, 85)
    assert cut(lines[2], positions)[3] == "fe80::1ff:fe23:4567:890a:546"


def test_listening_view_is_by_port_over_both_families():
    lines, positions = listening_table(read_sockets(ROOT, ("tcp", "tcp6")))
    rows = [cut(line, positions) for line in lines]
    assert rows[0] == ["Port", "Proto", "Local Address", "Program", "PID"]
    assert rows[1:] == [
        ["22", "tcp", "0.0.0.0:22", "sshd", "876"],
        ["22", "tcp6", ":::22", "sshd", "876"],
        ["25", "tcp", "0.0.0.0:25", "master", "4435"],
        ["25", "tcp6", ":::25", "master", "4435"],
        ["80", "tcp6", ":::80", "apache2", "3076"],
        ["443", "tcp6", ":::443", "apache2", "3076"],
    ]  # the ESTABLISHED and TIME_WAIT sockets are not listening


def test_missing_table_has_no_sockets(tmp_path):
    (tmp_path / "net").mkdir()
    assert read_sockets(str(tmp_path), ("tcp6",)) == []


# -- the listening views of UDP and unix sockets ---------------------------------------

def host(*files: str) -> Found:
    """The sockets of the listening fixture's files, with their owners and addresses,
    read as the proc source reads them."""
    answers = LocalHost(proc_root=str(HOST)).answer(
        [*(ReadFile(f"/proc/net/{f}") for f in files), *OWNER_REQUESTS], timeout=10.0,
        max_size=DEFAULT_MAX_SIZE)
    return gather(dict(zip(files, answers)), answers[-2], answers[-1])


def rows(table: tuple[list[str], tuple[int, ...]]) -> list[list[str]]:
    lines, positions = table
    return [cut(line, positions) for line in lines]


def test_a_bound_unconnected_udp_socket_is_listening():
    found = host("udp")
    by_port = {s.port: s.listening for s in found.sockets}
    assert by_port == {53: True, 323: True, 68: True, 514: True, 5353: True,
                       40000: False}  # 40000 is connected to 8.8.8.8:53: a client
    assert parse_table("udp", [  # state 07 but no port: bound to nothing
        "   0: 00000000:0000 00000000:0000 07 00000000:00000000 00:00000000 00000000"
        "     0        0 77 2 0000000000000000 100 0 0 10 0"])[0].listening is False


def test_udp_view_is_by_port_over_both_families():
    assert rows(listening_table(host("udp", "udp6").sockets)) == [
        ["Port", "Proto", "Local Address", "Program", "PID"],
        ["53", "udp", "127.0.0.53:53", "systemd-resolve", "500"],
        ["68", "udp", "0.0.0.0:68", "dhclient", "700"],
        ["323", "udp", "127.0.0.1:323", "chronyd", "600"],
        ["323", "udp6", "::1:323", "chronyd", "600"],
        ["514", "udp", "0.0.0.0:514", "rsyslogd", "800"],
        ["5353", "udp", "0.0.0.0:5353", "avahi-daemon", "900"],
        ["5353", "udp6", ":::5353", "avahi-daemon", "900"],
    ]


def test_unix_lines_as_the_kernel_prints_them():
    with open(HOST / "net" / "unix") as fh:
        sockets = parse_unix(fh.read().split("\n"))
    assert [(u.path, u.type, u.accepting, u.listening) for u in sockets] == [
        ("/run/systemd/private", "stream", True, True),
        ("/run/docker.sock", "stream", True, True),
        ("/run/systemd/journal/dev-log", "dgram", False, True),  # St 03: peers connected
        ("@/tmp/.X11-unix/X0", "stream", True, True),            # abstract: the kernel's @
        ("/run/udev/control", "seqpacket", True, True),
        ("", "stream", False, False),                # one end of a connection
        ("/tmp/bound-only", "stream", False, False),  # bound, but never listen()ed
        ("", "dgram", False, False),                 # an unbound datagram client
        ("/run/my app/api.sock", "stream", True, True),
    ]
    assert parse_unix(["Num       RefCount Protocol Flags    Type St Inode Path", "",
                       "0000: zz"]) == []


def test_a_unix_path_is_taken_as_bound():
    """Any byte but NUL may be in a path, and the kernel prints it as it is: a carriage
    return is part of the path, not the end of a line (only a newline is)."""
    found = gather({"unix": b"Num       RefCount Protocol Flags    Type St Inode Path\n"
                            b"0000000000000000: 00000002 00000000 00010000 0001 01  4001"
                            b" /run/odd\rname \xff\n"}, {}, {})
    assert [u.path for u in found.unix] == ["/run/odd\rname \ufffd"]


def test_unix_view_is_by_path():
    assert rows(unix_table(host("unix").unix)) == [
        ["Path", "Type", "Program", "PID"],
        ["/run/docker.sock", "stream", "dockerd", "1600"],
        ["/run/my app/api.sock", "stream", "dockerd", "1600"],
        ["/run/systemd/journal/dev-log", "dgram", "systemd-journal", "300"],
        ["/run/systemd/private", "stream", "systemd", "1"],
        ["/run/udev/control", "seqpacket", "systemd-udevd", "400"],
        ["@/tmp/.X11-unix/X0", "stream", "Xorg", "1700"],
    ]


def test_all_view_has_every_protocol_and_unix_last():
    found = host("tcp", "tcp6", "udp", "udp6", "unix")
    table = rows(listening_table(found.sockets, found.unix))
    assert {r[1] for r in table[1:]} == {"tcp", "tcp6", "udp", "udp6", "unix"}
    assert [r[:3] for r in table if r[0] == "514"] == [["514", "udp", "0.0.0.0:514"]]
    assert table[-6:][0] == ["-", "unix", "/run/docker.sock", "dockerd", "1600"]
    assert all(r[0] == "-" for r in table[-6:])
    assert len(table) == 1 + 9 + 7 + 6  # TCP listening (not the connection), UDP, unix


# -- the host's addresses, and the accepting view --------------------------------------

def test_the_hosts_addresses():
    assert local_ipv4((HOST / "net" / "fib_trie").read_text()) == ["10.0.0.5", "127.0.0.1"]
    # not 127.0.0.0 (the /8 route), 10.0.0.0 or the broadcast addresses
    assert local_ipv6((HOST / "net" / "if_inet6").read_text()) == [
        "::1", "2001:db8::5", "fe80::1ff:fffe:2345:6789"]
    assert local_ipv4("|-- 300.1.1.1\n  /32 host LOCAL\n|-- x\n") == []
    assert local_ipv6("zz" * 16 + " 01 80 10 80 lo\n") == []


@pytest.mark.parametrize("ip, port, text", [
    ("127.0.0.1", 8080, "127.0.0.1:8080"),
    ("::1", 8080, "[::1]:8080"),
    ("::", 80, "[::]:80"),
    ("::ffff:10.0.0.5", 9100, "[::ffff:10.0.0.5]:9100"),
])
def test_endpoints_put_ipv6_in_brackets(ip, port, text):
    assert endpoint(ip, port) == text


def accepting() -> dict[str, list[list[str]]]:
    found = host("tcp", "tcp6", "udp", "udp6", "fib_trie", "if_inet6")
    by_address: dict[str, list[list[str]]] = {}
    for row in rows(accepting_table(found.sockets, found.ipv4, found.ipv6))[1:]:
        by_address.setdefault(row[0], []).append(row[1:])
    return by_address


def test_a_wildcard_bind_answers_for_each_address_of_its_family():
    rows_ = accepting()
    for address in ("0.0.0.0:22", "127.0.0.1:22", "10.0.0.5:22"):
        assert rows_[address] == [["tcp", "0.0.0.0:22", "sshd", "876"]]
    for address in ("[::]:22", "[::1]:22", "[2001:db8::5]:22", "[fe80::1ff:fffe:2345:6789]:22"):
        assert rows_[address] == [["tcp", "[::]:22", "sshd", "876"]]
    assert rows_["127.0.0.1:514"] == [["udp", "0.0.0.0:514", "rsyslogd", "800"]]


def test_a_specific_bind_answers_for_its_address_only():
    rows_ = accepting()
    assert rows_["127.0.0.1:3000"] == [["tcp", "127.0.0.1:3000", "grafana", "1300"]]
    assert "10.0.0.5:3000" not in rows_ and "0.0.0.0:3000" not in rows_
    assert "127.0.0.1:6379" not in rows_  # redis is on 10.0.0.5 only


def test_the_specific_bind_comes_before_the_wildcard():
    assert accepting()["10.0.0.5:80"] == [["tcp", "10.0.0.5:80", "nginx", "1200"],
                                          ["tcp", "0.0.0.0:80", "nginx", "1200"]]


def test_an_ipv6_wildcard_is_not_claimed_for_ipv4():
    """java listens on [::]:8443 only: whether it takes IPv4 too (IPV6_V6ONLY) is not in
    /proc, so no IPv4 address answers for it."""
    rows_ = accepting()
    assert rows_["[::1]:8443"] == [["tcp", "[::]:8443", "java", "1800"]]
    assert not [a for a in rows_ if a.endswith(":8443") and not a.startswith("[")]


def test_an_ipv4_mapped_bind_answers_for_its_ipv4_address():
    rows_ = accepting()
    bound = ["tcp", "[::ffff:10.0.0.5]:9100", "node_exporter", "1400"]
    assert rows_["10.0.0.5:9100"] == [bound] and rows_["[::ffff:10.0.0.5]:9100"] == [bound]
    assert "127.0.0.1:9100" not in rows_


def test_accepting_lists_no_client_and_no_unix_socket():
    rows_ = accepting()
    assert not [a for a in rows_ if a.endswith(":40000") or a.endswith(":51234")]
    assert {r[0] for rs in rows_.values() for r in rs} == {"tcp", "udp"}
