"""The proc source on this machine's real /proc: sockets a test opens, found by port.

A listener process (a real one, not a mock) renames itself through
/proc/self/comm and listens on 127.0.0.1 and on ::1 (the IPv6 part only where
the kernel has IPv6); tstconfig must find it, with its PID and name, through
``proc``, with no netstat or ss involved.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import FIXTURES, has_ipv6, normalized, tstconfig

LISTENER = textwrap.dedent('''\
    import socket, sys
    name, families = sys.argv[1], sys.argv[2].split(",")
    with open("/proc/self/comm", "w") as fh:
        fh.write(name)
    port, held = 0, []
    for family in families:
        if family == "ipv4":
            s = socket.socket(socket.AF_INET)
            s.bind(("127.0.0.1", port))
        else:
            s = socket.socket(socket.AF_INET6)
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s.bind(("::1", port))
        s.listen()
        port = s.getsockname()[1]
        held.append(s)
    print(port, flush=True)
    sys.stdin.read()  # until the test closes our standard input
''')


IPV6 = has_ipv6()
FAMILIES = ["ipv4", "ipv6"] if IPV6 else ["ipv4"]


def as_nobody() -> list[str]:
    """A command prefix that drops to nobody, or skip when this cannot be done here."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        pytest.skip("dropping to another user needs root and setpriv")
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder every user may read (pytest's tmp_path is private to its owner)."""
    path = Path(tempfile.mkdtemp(prefix="tstconfig-proc-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path)


@contextlib.contextmanager
def listener(folder: Path, name: str, families: list[str], prefix: list[str] = ()):
    script = folder / "listener.py"
    script.write_text(LISTENER, encoding="utf-8")
    script.chmod(0o644)
    proc = subprocess.Popen([*prefix, sys.executable, str(script), name, ",".join(families)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        port = int(proc.stdout.readline())
        yield proc.pid, port
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)


def run(folder: Path, definition: str, prefix: list[str] = ()) -> subprocess.CompletedProcess:
    """tstconfig on ``definition``, with a PATH where no program (netstat, ss) can be found."""
    path = folder / "d.tstconfig"
    path.write_text(textwrap.dedent(definition), encoding="utf-8")
    path.chmod(0o644)
    empty = folder / "empty-path"
    empty.mkdir(exist_ok=True)
    return subprocess.run([*prefix, sys.executable, "-m", "tstconfig_core", str(path)],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PATH": str(empty), "PYTHONDONTWRITEBYTECODE": "1"})


def socket_checks(pid: int, port: int) -> str:
    checks = f"""\
        proc net/listening
        columns Port Program
        property {port}
        assert_eq tstlisten
        columns Port PID
        property {port}
        assert_eq {pid}
        columns Port Proto
        property {port}
        assert_eq {" ".join(["tcp", "tcp6"][:len(FAMILIES)])}
        proc net/tcp
        columns "Local Address" State "PID/Program name"
        property 127.0.0.1:{port}
        assert_eq LISTEN {pid}/tstlisten
        """
    if IPV6:
        checks += f"""\
        proc net/tcp6
        parse_mode fixed
        positions 0 6 13 20 44 68 80
        skip_header_lines 2
        columns 3 6
        property ::1:{port}
        assert_eq {pid}/tstlisten
        """
    return checks


def expect_all_pass(result: subprocess.CompletedProcess, tested: int) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stdout
    assert f"Assertions tested: {tested}" in result.stdout


def test_finds_a_socket_this_test_opened(shared_dir):
    with listener(shared_dir, "tstlisten", FAMILIES) as (pid, port):
        result = run(shared_dir, socket_checks(pid, port))
    expect_all_pass(result, 5 if IPV6 else 4)


def test_finds_its_own_sockets_when_not_root(shared_dir):
    """A user who is not root sees the owner of their own sockets (others' show '-')."""
    nobody = as_nobody()
    with listener(shared_dir, "tstlisten", FAMILIES, nobody) as (pid, port):
        result = run(shared_dir, socket_checks(pid, port), nobody)
        expect_all_pass(result, 5 if IPV6 else 4)
        # and a root-owned socket's owner is not visible to nobody
        with listener(shared_dir, "rootlisten", ["ipv4"]) as (_root_pid, root_port):
            hidden = run(shared_dir, f"""\
                proc net/listening
                columns Port Program
                property {root_port}
                assert_eq -
                """, nobody)
    expect_all_pass(hidden, 1)


def test_the_seed_example_on_proc_passes_here(shared_dir):
    """The seed page's checks, by port, against servers listening on this machine."""
    with contextlib.ExitStack() as stack:
        _, ssh = stack.enter_context(listener(shared_dir, "sshd", FAMILIES))
        _, http = stack.enter_context(listener(shared_dir, "apache2", FAMILIES[-1:]))
        _, https = stack.enter_context(listener(shared_dir, "apache2", FAMILIES[-1:]))
        with socket.socket() as probe:  # a port that nothing listens on
            probe.bind(("127.0.0.1", 0))
            closed = probe.getsockname()[1]
        result = run(shared_dir, f"""\
            proc net/listening
            columns Port Program
            property {ssh}
            assert_eq sshd
            property {http}
            assert_eq apache2
            property {https}
            assert_eq apache2
            section_size
            assert_ge {len(FAMILIES) + 2}
            property {closed}
            assert_undefined
            """)
    expect_all_pass(result, 5)


def test_inspect_shows_the_cuts_and_column_numbers(workdir):
    result = tstconfig("--proc-root", "proc/seed", "--inspect", "cases/inspect.tstconfig",
                       cwd=workdir)
    assert result.returncode == 0, result.stdout + result.stderr
    golden = FIXTURES / "cases" / "inspect.inspect"
    got = normalized(result.stdout)
    if os.environ.get("TSTCONFIG_UPDATE_GOLDEN"):
        golden.write_text(got, encoding="utf-8")
    assert got == golden.read_text(encoding="utf-8")
    assert "    |     |      |      |                       |" in got  # the cuts
    assert "3→0" in got and "6→1" in got  # raw column → column after 'columns'


def test_inspect_runs_no_assertion_and_reports_errors(workdir):
    result = tstconfig("--inspect", "cases/errors.tstconfig", cwd=workdir)
    assert result.returncode == 2
    assert "ASSERTION FAILED" not in result.stdout and "SUMMARY" not in result.stdout
    assert "ERROR: cases/errors.tstconfig:6: unknown directive 'prperty'" in result.stdout
    assert tstconfig("--inspect", "-r", "json", "cases/errors.tstconfig",
                     cwd=workdir).returncode == 2


def test_proc_root_from_the_environment(workdir):
    definition = "proc meminfo\ncolumns 0 1\nproperty MemTotal\nassert_eq 8040772\n"
    moved = tstconfig("-", cwd=workdir, input=definition,
                      env={"TSTCONFIG_PROC_ROOT": str(workdir / "proc" / "seed")})
    assert moved.returncode == 0, moved.stdout
    missing = tstconfig("--proc-root", str(workdir / "nope"), "-", cwd=workdir, input=definition)
    assert missing.returncode == 2 and "does not exist" in missing.stderr


def test_tables_agree_with_netstat(shared_dir):
    """Where netstat is installed, it is the oracle: the same rows, the same cells."""
    netstat = shutil.which("netstat")
    if netstat is None:
        pytest.skip("netstat is not installed (it is only the oracle here)")
    from tstconfig_plugins.parsers.fixed import cut
    from tstconfig_plugins.sources.sockets import netstat_table, read_sockets
    with listener(shared_dir, "tstlisten", FAMILIES):
        ours = set()
        for table in ("tcp", "tcp6"):
            lines, positions = netstat_table(read_sockets("/proc", (table,)))
            ours |= {tuple(cut(line, positions)[:6]) for line in lines[2:]
                     if cut(line, positions)[5] == "LISTEN"}
        out = subprocess.run([netstat, "-tln"], capture_output=True, text=True).stdout
    theirs = {tuple(cut(line, (0, 6, 13, 20, 44, 68))) for line in out.splitlines()[2:]}
    assert ours == theirs
    assert any(row[3].startswith("127.0.0.1:") for row in ours)
