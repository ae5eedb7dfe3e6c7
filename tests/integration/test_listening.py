"""The listening views of UDP and unix sockets, and the accepting view, through the CLI.

First on tests/fixtures/proc/listening, a recorded host (sshd on 22 in both families,
rsyslogd on UDP 514, docker's socket, a java server on [::]:8443 only, ...); then on
this machine's real /proc, with sockets a listener process binds on 0.0.0.0, 127.0.0.1,
:: and in a temporary folder, found with no netstat or ss involved.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import FIXTURES, has_ipv6, tstconfig

HOST = FIXTURES / "proc" / "listening"


def check(tmp: Path, definition: str, *args: str) -> dict:
    """tstconfig's JSON report on ``definition`` (no program on PATH: no netstat, no ss)."""
    (tmp / "d.tstconfig").write_text(textwrap.dedent(definition), encoding="utf-8")
    empty = tmp / "empty-path"
    empty.mkdir(exist_ok=True)
    result = tstconfig(*args, "-r", "json", "d.tstconfig", cwd=tmp,
                       env={"PATH": str(empty)})
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return json.loads(result.stdout)


def all_passed(doc: dict, tested: int) -> bool:
    failed = [r for r in doc["results"] if r["outcome"] != "passed"]
    assert not failed and not doc["errors"], (failed, doc["errors"])
    return doc["summary"]["passed"] == tested


# -- on a recorded host ----------------------------------------------------------------

def test_net_listening_still_means_tcp(tmp_path):
    """A check written before UDP was listed keeps its meaning: 'nothing on 514' was
    about rsh, and syslog on UDP 514 does not break it; 'anything on 514' asks
    net/listening/all."""
    doc = check(tmp_path, """\
        proc net/listening
        columns Port Program
        property 514
        assert_undefined
        property 22
        assert_eq sshd
        proc net/listening/tcp
        columns Port Program
        property 514
        assert_undefined
        property 8443
        assert_eq java
        proc net/listening/udp
        columns Port Program
        property 514
        assert_eq rsyslogd
        property 22
        assert_undefined
        columns Port Proto
        property 323
        assert_eq udp udp6
        proc net/listening/all
        columns Port Proto
        property 514
        assert_eq udp
        property 22
        assert_eq tcp tcp6
        section_size
        assert_eq 22
        """, "--proc-root", str(HOST))
    assert all_passed(doc, 10)


def test_unix_sockets_by_path(tmp_path):
    doc = check(tmp_path, """\
        proc net/listening/unix
        property /run/docker.sock
        assert_eq stream dockerd 1600
        property "/run/my app/api.sock"
        assert_eq stream dockerd 1600
        property @/tmp/.X11-unix/X0
        assert_eq stream Xorg 1700
        property /run/systemd/journal/dev-log
        assert_eq dgram systemd-journal 300
        property /tmp/bound-only
        assert_undefined
        columns Path Type
        property /run/udev/control
        assert_eq seqpacket
        proc net/listening/all
        columns "Local Address" Proto
        property /run/docker.sock
        assert_eq unix
        """, "--proc-root", str(HOST))
    assert all_passed(doc, 7)


def test_accepting_answers_by_address(tmp_path):
    doc = check(tmp_path, """\
        proc net/accepting
        property 127.0.0.1:22
        assert_defined
        property 127.0.0.1:22 tcp
        assert_eq 0.0.0.0:22 sshd 876
        property 127.0.0.1:22 udp
        assert_undefined
        property [::1]:22
        assert_eq tcp [::]:22 sshd 876
        property 127.0.0.1:514 udp
        assert_eq 0.0.0.0:514 rsyslogd 800
        property 127.0.0.1:3000
        assert_defined
        property 10.0.0.5:3000
        assert_undefined
        property 127.0.0.1:8443
        assert_undefined
        property [::1]:8443
        assert_defined
        property 10.0.0.5:9100
        assert_eq tcp [::ffff:10.0.0.5]:9100 node_exporter 1400
        columns Address Proto "Local Address"
        property 10.0.0.5:80 tcp
        assert_eq 10.0.0.5:80 0.0.0.0:80
        """, "--proc-root", str(HOST))
    assert all_passed(doc, 11)


def copy_of_host(tmp: Path, *without: str) -> Path:
    root = tmp / "proc"
    shutil.copytree(HOST, root, symlinks=True)
    for name in without:
        (root / "net" / name).unlink()
    return root


@pytest.mark.parametrize("missing, family", [("fib_trie", "IPv4"), ("if_inet6", "IPv6")])
def test_accepting_without_the_hosts_addresses_is_an_error(tmp_path, missing, family):
    """Without the list of addresses a wildcard socket would answer for none of them, and
    assert_undefined on one would pass: an error instead, that says what is missing."""
    root = copy_of_host(tmp_path, missing)
    doc = check(tmp_path, "proc net/accepting\nproperty 10.0.0.5:22\nassert_undefined\n"
                "property [::1]:22\nassert_undefined\n", "--proc-root", str(root))
    assert doc["summary"]["passed"] == 0 and len(doc["errors"]) == 1
    message = doc["errors"][0]["message"]
    assert f"cannot read /proc/net/{missing}" in message
    assert f"needs the host's {family} addresses" in message


def test_accepting_needs_no_addresses_without_wildcard_sockets(tmp_path):
    """Nothing is bound to every address: each socket answers for its own address alone."""
    root = copy_of_host(tmp_path, "fib_trie", "if_inet6", "tcp6", "udp6")
    tables = root / "net"
    for name in ("tcp", "udp"):
        lines = (tables / name).read_text().splitlines(keepends=True)
        (tables / name).write_text("".join(l for l in lines if " 00000000:" not in l[:20]))
    doc = check(tmp_path, "proc net/accepting\nproperty 127.0.0.1:3000\nassert_defined\n"
                "property 10.0.0.5:22\nassert_undefined\n", "--proc-root", str(root))
    assert all_passed(doc, 2)


def test_views_without_ipv6_tables(tmp_path):
    """A kernel without IPv6 has no tcp6, udp6 or if_inet6: the views list IPv4 alone."""
    root = copy_of_host(tmp_path, "tcp6", "udp6", "if_inet6")
    doc = check(tmp_path, """\
        proc net/listening/all
        columns Port Proto
        property 323
        assert_eq udp
        proc net/accepting
        property 127.0.0.1:22
        assert_defined
        """, "--proc-root", str(root))
    assert all_passed(doc, 2)
    (root / "net" / "unix").unlink()
    doc = check(tmp_path, "proc net/listening/unix\nproperty /run/docker.sock\n"
                "assert_undefined\n", "--proc-root", str(root))
    assert "cannot read /proc/net/unix" in doc["errors"][0]["message"]
    assert doc["summary"]["passed"] == 0


@pytest.mark.parametrize("view, table", [("net/listening", "tcp"),
                                         ("net/listening/udp", "udp")])
def test_a_view_without_its_ipv4_table_is_an_error(tmp_path, view, table):
    """A tree with no socket tables (a disk image's empty /proc) once gave net/listening
    no rows, and 'nothing listens on 23' passed there."""
    root = copy_of_host(tmp_path, table)
    doc = check(tmp_path, f"proc {view}\nproperty 23\nassert_undefined\n",
                "--proc-root", str(root))
    assert doc["summary"]["passed"] == 0
    assert f"cannot read /proc/net/{table}" in doc["errors"][0]["message"]


# -- on this machine, with sockets a listener binds --------------------------------------

LISTENER = textwrap.dedent('''\
    import json, socket, sys
    KINDS = {"tcp": (socket.AF_INET, socket.SOCK_STREAM),
             "tcp6": (socket.AF_INET6, socket.SOCK_STREAM),
             "udp": (socket.AF_INET, socket.SOCK_DGRAM),
             "stream": (socket.AF_UNIX, socket.SOCK_STREAM),
             "dgram": (socket.AF_UNIX, socket.SOCK_DGRAM),
             "seqpacket": (socket.AF_UNIX, socket.SOCK_SEQPACKET),
             "bound": (socket.AF_UNIX, socket.SOCK_STREAM)}
    with open("/proc/self/comm", "w") as fh:
        fh.write(sys.argv[1])
    port, held = 0, []
    for spec in sys.argv[2:]:  # KIND:ADDRESS; the IP ones share one port
        kind, _, address = spec.partition(":")
        s = socket.socket(*KINDS[kind])
        if kind == "tcp6":
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        if s.family == socket.AF_UNIX:
            s.bind(address.replace("@", "\\0", 1) if address.startswith("@") else address)
        else:
            s.bind((address, port))
            port = s.getsockname()[1]
        if s.type != socket.SOCK_DGRAM and kind != "bound":
            s.listen()
        held.append(s)
    print(json.dumps(port), flush=True)
    sys.stdin.read()  # until the test closes our standard input
''')


@pytest.fixture
def short_dir() -> Iterator[Path]:
    """A folder with a short path: a unix socket's path has at most 107 bytes."""
    path = Path(tempfile.mkdtemp(prefix="tst-"))
    yield path
    shutil.rmtree(path)


@contextlib.contextmanager
def listener(folder: Path, name: str, *specs: str) -> Iterator[tuple[int, int]]:
    """A process named ``name`` holding the sockets of ``specs``: (its PID, the port)."""
    script = folder / "listener.py"
    script.write_text(LISTENER, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script), name, *specs],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        yield proc.pid, json.loads(proc.stdout.readline())
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)


def test_a_wildcard_listener_answers_on_loopback(short_dir):
    with listener(short_dir, "tstaccept", "tcp:0.0.0.0") as (pid, port):
        doc = check(short_dir, f"""\
            proc net/accepting
            property 127.0.0.1:{port}
            assert_defined
            property 127.0.0.1:{port} tcp
            assert_eq 0.0.0.0:{port} tstaccept {pid}
            property 127.0.0.1:{port} udp
            assert_undefined
            property 0.0.0.0:{port}
            assert_defined
            proc net/listening
            columns Port "Local Address" Program
            property {port}
            assert_eq 0.0.0.0:{port} tstaccept
            """)
    assert all_passed(doc, 5)


def test_a_loopback_listener_is_not_on_every_address(short_dir):
    with listener(short_dir, "tstaccept", "tcp:127.0.0.1") as (pid, port):
        doc = check(short_dir, f"""\
            proc net/accepting
            columns Address Program PID
            property 127.0.0.1:{port}
            assert_eq tstaccept {pid}
            property 0.0.0.0:{port}
            assert_undefined
            """)
    assert all_passed(doc, 2)


@pytest.mark.skipif(not has_ipv6(), reason="no IPv6 in this kernel")
def test_an_ipv6_wildcard_answers_for_ipv6_only(short_dir):
    """An IPV6_V6ONLY socket on [::]: /proc cannot tell it from one that takes IPv4 too,
    and 127.0.0.1 is not claimed for either."""
    with listener(short_dir, "tstaccept6", "tcp6:::") as (pid, port):
        doc = check(short_dir, f"""\
            proc net/accepting
            property [::1]:{port} tcp
            assert_eq [::]:{port} tstaccept6 {pid}
            property [::]:{port}
            assert_defined
            property 127.0.0.1:{port}
            assert_undefined
            """)
    assert all_passed(doc, 3)


def test_a_bound_udp_socket_is_listening_on_udp(short_dir):
    with listener(short_dir, "tstudp", "udp:127.0.0.1") as (pid, port):
        doc = check(short_dir, f"""\
            proc net/listening/udp
            columns Port Proto "Local Address" Program PID
            property {port}
            assert_eq udp 127.0.0.1:{port} tstudp {pid}
            proc net/listening
            property {port}
            assert_undefined
            proc net/listening/all
            columns Port Proto
            property {port}
            assert_eq udp
            proc net/accepting
            property 127.0.0.1:{port} udp
            assert_eq 127.0.0.1:{port} tstudp {pid}
            """)
    assert all_passed(doc, 4)


def test_unix_sockets_this_test_bound(short_dir):
    abstract = f"@tstconfig-test-{os.getpid()}"
    sockets = {"stream": short_dir / "api sock", "dgram": short_dir / "log.sock",
               "seqpacket": abstract, "bound": short_dir / "idle.sock"}
    with listener(short_dir, "tstunix", *(f"{k}:{p}" for k, p in sockets.items())) as (pid, _):
        doc = check(short_dir, f"""\
            proc net/listening/unix
            property "{sockets['stream']}"
            assert_eq stream tstunix {pid}
            property {sockets['dgram']}
            assert_eq dgram tstunix {pid}
            property {abstract}
            assert_eq seqpacket tstunix {pid}
            property {sockets['bound']}
            assert_undefined
            proc net/listening/all
            columns "Local Address" Port Proto
            property {sockets['dgram']}
            assert_eq - unix
            """)
    assert all_passed(doc, 5)


def ours(view: str) -> list[list[str]]:
    from tstconfig_core.api import SourceRequest
    from tstconfig_plugins.parsers.fixed import cut
    from tstconfig_plugins.sources.proc import ProcSource
    data = ProcSource().read(SourceRequest((view,), 10.0, {}))
    positions = data.defaults["positions"]
    return [cut(line, positions) for line in data.lines[1:]]


def test_udp_view_agrees_with_netstat(short_dir):
    """Where netstat is installed, it is the oracle: ``netstat -uln`` lists the same
    unconnected UDP sockets, at the same addresses."""
    netstat = shutil.which("netstat")
    if netstat is None:
        pytest.skip("netstat is not installed (it is only the oracle here)")
    with listener(short_dir, "tstudp", "udp:127.0.0.1"):
        mine = {(row[1], row[2]) for row in ours("net/listening/udp")}
        out = subprocess.run([netstat, "-uln"], capture_output=True, text=True).stdout
    theirs = {tuple(line.split()[0:4:3]) for line in out.splitlines()[2:] if line.strip()}
    assert mine == theirs
    assert any(address.startswith("127.0.0.1:") for _, address in mine)


SS_UNIX = re.compile(r"(u_str|u_seq)\s+LISTEN\s+\d+\s+\d+\s+(.*?)\s+\d+\s+\*\s+\d+\s*")


def test_unix_view_agrees_with_ss(short_dir):
    """Where ss is installed, it is the oracle for the sockets in listen(): ``ss -xln``
    shows them LISTEN, at the same paths."""
    ss = shutil.which("ss")
    if ss is None:
        pytest.skip("ss is not installed (it is only the oracle here)")
    path = short_dir / "api.sock"
    with listener(short_dir, "tstunix", f"stream:{path}", f"dgram:{short_dir / 'log'}"):
        mine = {row[0] for row in ours("net/listening/unix") if row[1] != "dgram"}
        out = subprocess.run([ss, "-xlnH"], capture_output=True, text=True).stdout
    theirs = {m.group(2) for m in map(SS_UNIX.fullmatch, out.splitlines()) if m}
    # (only the sockets made here: others come and go while the two look)
    ours_here = {p for p in mine if p.startswith(str(short_dir))}
    assert ours_here == {p for p in theirs if p.startswith(str(short_dir))} == {str(path)}
