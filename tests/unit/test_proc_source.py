"""The proc source: paths under the root, default parses, and what it refuses."""
from __future__ import annotations

import os

import pytest

from conftest import FIXTURES
from tstconfig_core.api import PluginError, SourceRequest
from tstconfig_plugins.sources.proc import ProcSource

ROOT = str(FIXTURES / "proc" / "seed")


def read(path: str, root: str = ROOT):
    return ProcSource().read(SourceRequest((path,), 5.0, {"proc_root": root}))


@pytest.mark.parametrize("path, defaults", [
    ("meminfo", {"parse_mode": "keyvalue", "key_separator": ":"}),
    ("876/status", {"parse_mode": "keyvalue", "key_separator": ":"}),
    ("swaps", {"parse_mode": "tokenized", "skip_header_lines": 1}),
    ("sys/net/ipv4/ip_forward", {"parse_mode": "tokenized"}),
    ("/proc/loadavg", {"parse_mode": "tokenized"}),
    ("net/tcp", {"parse_mode": "table", "skip_header_lines": 1,
                 "positions": (0, 6, 13, 20, 44, 68, 80)}),
    ("net/listening", {"parse_mode": "table", "duplicates_policy": "unique",
                       "positions": (0, 6, 12, 36, 52)}),
])
def test_known_files_suggest_a_parse(path, defaults):
    assert dict(read(path).defaults) == defaults


def test_unknown_files_are_read_as_they_are():
    data = read("876/comm")
    assert data.lines == ["sshd"] and not data.defaults


@pytest.mark.parametrize("path, message", [
    ("../etc/passwd", "'..' is not allowed"),
    ("net/../../etc", "'..' is not allowed"),
    ("/etc/passwd", "a path inside /proc"),
    ("", "needs a path"),
    ("nosuch", "No such file"),
])
def test_refused(path, message):
    with pytest.raises(PluginError, match=message):
        read(path)


def test_a_symlink_out_of_the_root_is_refused(tmp_path):
    root = tmp_path / "proc"
    (root / "self").mkdir(parents=True)
    (root / "self" / "root").symlink_to("/")  # as /proc/self/root is
    with pytest.raises(PluginError, match="leads out of /proc"):
        read("self/root/etc/hostname", str(root))


def test_the_real_proc():
    if not os.path.isdir("/proc/self"):
        pytest.skip("no /proc here")
    data = ProcSource().read(SourceRequest(("self/status",), 5.0))  # default root
    assert any(line.startswith("Pid:") for line in data.lines)


def test_a_missing_root_is_an_error(tmp_path):
    with pytest.raises(PluginError, match="cannot read file '/proc/meminfo': No such file"):
        read("meminfo", str(tmp_path / "nope"))


@pytest.mark.parametrize("path", ["sys/kernel/pid_max", "sys/kernel/ostype",
                                  "sys/net/ipv4/ip_local_port_range", "meminfo", "self/status"])
def test_real_proc_files_read_whole(path):
    """Files of /proc report size 0, and /proc/sys ones end at any read past offset 0:
    what the source reads must be what a plain read gives."""
    full = f"/proc/{path}"
    if not os.path.exists(full):
        pytest.skip(f"{full} is not here")
    data = ProcSource().read(SourceRequest((path,), 5.0))
    with open(full, encoding="utf-8", errors="replace") as fh:
        expected = fh.read().splitlines()
    if path == "self/status":  # another process's status: compare the stable part
        assert data.lines[0] == expected[0] and len(data.lines) == len(expected)
    elif path == "meminfo":  # the figures move between two reads; the fields do not
        assert [ln.split(":")[0] for ln in data.lines] == [ln.split(":")[0] for ln in expected]
    else:
        assert data.lines == expected
