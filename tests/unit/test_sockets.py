"""Decoding /proc/net tables, finding socket owners, and netstat's layout.

The tables are tests/fixtures/proc/seed: the machine of the seed page
(sshd, apache2, a mail server), recorded as the kernel prints it.
"""
from __future__ import annotations

import pytest

from conftest import FIXTURES
from tstconfig_plugins.parsers.fixed import cut
from tstconfig_plugins.sources.sockets import (
    _ip, listening_table, netstat_table, parse_table, read_sockets, socket_owners)

ROOT = str(FIXTURES / "proc" / "seed")


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
