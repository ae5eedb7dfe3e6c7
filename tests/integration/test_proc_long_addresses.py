"""The kernel's tcp6 table holding a global IPv6 connection (issue 19): its address is
longer than netstat's 23 characters, so the decoded table's columns widen. The checks
docs/language.md shows read it right; netstat's fixed positions would not."""
from __future__ import annotations

import ipaddress
import re
import shutil
import struct
from pathlib import Path

import pytest

from conftest import FIXTURES, tstconfig

LANGUAGE = Path(__file__).parents[2] / "docs" / "language.md"
SERVER, CLIENT = "2001:db8:85a3:1234:5678:8a2e:370:7334", "2001:db8:ffff:4321:abcd:ef01:2345:6789"


def kernel_address(address: str, port: int) -> str:
    """As /proc/net/tcp6 writes it: four 32-bit words in host (little-endian) order."""
    packed = ipaddress.IPv6Address(address).packed
    words = struct.unpack("<4I", packed)
    return "".join(f"{w:08X}" for w in words) + f":{port:04X}"


@pytest.fixture
def proc(tmp_path: Path) -> Path:
    """The recorded host of test_listening (sshd on :::22), and one connection to sshd
    from a global address (ESTABLISHED; its socket owned by no process shown)."""
    root = tmp_path / "proc"
    shutil.copytree(FIXTURES / "proc" / "listening", root, symlinks=True)
    with open(root / "net" / "tcp6", "a") as tcp6:
        tcp6.write(f"   4: {kernel_address(SERVER, 22)} {kernel_address(CLIENT, 51234)} 01 "
                   "00000000:00000000 00:00000000 00000000     0        0 4001 2 "
                   "0000000000000000 100 0 0 10 0\n")
    return root


def docs_block(starting: str) -> str:
    text = LANGUAGE.read_text(encoding="utf-8")
    return re.search(r"```\n(" + re.escape(starting) + r".*?)```", text, re.S).group(1)


def run(proc: Path, tmp_path: Path, definition: str, *args: str):
    (tmp_path / "netstat.tstconfig").write_text(definition)
    return tstconfig("--proc-root", str(proc), *args, "netstat.tstconfig", cwd=tmp_path)


def test_the_docs_check_of_the_kernel_table_passes_beside_a_long_address(proc, tmp_path):
    example = docs_block("proc net/tcp6\ncolumns")
    assert "positions" not in example and "parse_mode fixed" not in example
    done = run(proc, tmp_path, example)
    assert done.returncode == 0, done.stdout
    # the long row reads whole, by name, as every other row does
    done = run(proc, tmp_path, example.split("property")[0] +
               f"columns \"Local Address\" \"Foreign Address\" State\n"
               f"property {SERVER}:22\nassert_eq {CLIENT}:51234 ESTABLISHED\n"
               "property :::22\nassert_eq :::* LISTEN\n")
    assert done.returncode == 0, done.stdout


def test_netstats_positions_read_the_wrong_columns_there_as_the_docs_say(proc, tmp_path):
    """What the docs warn of: fixed positions cut the long key, read no state, and give
    `:::22` the program `LISTEN      876/sshd` (so an ends-with check hides it)."""
    fixed = ("proc net/tcp6\nparse_mode fixed\npositions 0 6 13 20 44 68 80\n"
             "skip_header_lines 2\ncolumns 3 5 6\n")
    done = run(proc, tmp_path, fixed + "property :::22\nassert_eq \"\" \"LISTEN      876/sshd\"\n"
               f"property {SERVER}:22\nassert_undefined\n")
    assert done.returncode == 0, done.stdout


def test_the_inspect_example_is_what_inspect_prints_there(proc, tmp_path):
    shown = docs_block("$ tstconfig --inspect netstat.tstconfig")
    definition = docs_block("proc net/tcp6\ncolumns")
    done = run(proc, tmp_path, definition, "--inspect")
    assert done.returncode == 0, done.stdout + done.stderr
    printed = shown.split("\n", 1)[1]
    assert printed.rstrip() == done.stdout.rstrip()
