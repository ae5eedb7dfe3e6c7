"""The sshd test hosts themselves: fleet tests trust them to be what they claim."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sshhosts import SshTestHosts


def ssh(hosts: SshTestHosts, alias: str, command: str, *options: str,
        env: dict[str, str] | None = None, timeout: float = 30) -> subprocess.CompletedProcess:
    """``ssh -F CLIENT_CONFIG [OPTIONS] ALIAS COMMAND``, bounded in time."""
    return subprocess.run(["ssh", "-F", str(hosts.client_config), *options, alias, command],
                          capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, env=env)


@pytest.mark.parametrize("host, color", [("h1", "blue"), ("h2", "blue"), ("h3", "red")])
def test_each_host_answers_with_its_own_setenv(ssh_hosts: SshTestHosts, host: str,
                                               color: str) -> None:
    done = ssh(ssh_hosts, host, 'echo "$TST_HOST $TST_COLOR"')
    assert (done.returncode, done.stdout, done.stderr) == (0, f"{host} {color}\n", "")


def test_hosts_listen_on_loopback_only(ssh_hosts: SshTestHosts) -> None:
    for host in ssh_hosts.hosts.values():
        listening = [line for line in host.log.read_text().splitlines()
                     if line.startswith("Server listening")]
        assert listening == [f"Server listening on 127.0.0.1 port {host.port}."]
    known = ssh_hosts.known_hosts.read_text().splitlines()
    for host in ssh_hosts.hosts.values():
        assert any(line.startswith(f"[127.0.0.1]:{host.port} ssh-ed25519 ") for line in known)


def test_client_variables_are_not_accepted(ssh_hosts: SshTestHosts) -> None:
    env = dict(os.environ, TST_SENT="from-client", TST_HOST="from-client")
    done = ssh(ssh_hosts, "h2", 'echo "[$TST_SENT] $TST_HOST"', "-o", "SendEnv=TST_*", env=env)
    assert done.stdout == "[] h2\n"


def test_unreachable_alias_fails_fast(ssh_hosts: SshTestHosts) -> None:
    began = time.monotonic()
    done = ssh(ssh_hosts, "down", "true", timeout=10)
    assert done.returncode == 255
    assert "Connection refused" in done.stderr
    assert time.monotonic() - began < 3


def test_unknown_names_stay_on_loopback(ssh_hosts: SshTestHosts) -> None:
    done = ssh(ssh_hosts, "no-such-host.example.com", "true", timeout=10)
    assert done.returncode == 255
    assert "connect to host 127.0.0.1 port 1: Connection refused" in done.stderr


def test_wrong_host_key_is_refused(ssh_hosts: SshTestHosts) -> None:
    before = ssh_hosts.accepted_connections("h1")
    done = ssh(ssh_hosts, "badkey", "echo reached")
    assert done.returncode == 255
    assert "Host key verification failed" in done.stderr
    assert done.stdout == ""
    assert ssh_hosts.accepted_connections("h1") == before


def test_accepted_connections_counts_each_ssh(ssh_hosts: SshTestHosts) -> None:
    counts = [ssh_hosts.accepted_connections("h2")]
    for _ in range(2):
        assert ssh(ssh_hosts, "h2", "true").returncode == 0
        counts.append(ssh_hosts.accepted_connections("h2"))
    assert counts == [counts[0], counts[0] + 1, counts[0] + 2]


def test_aliases_spread_round_robin(ssh_hosts: SshTestHosts) -> None:
    names = ssh_hosts.aliases(7, prefix="rr")
    assert names == [f"rr{i:03d}" for i in range(1, 8)]
    with ThreadPoolExecutor(len(names)) as pool:
        answers = [d.stdout.strip() for d in pool.map(
            lambda name: ssh(ssh_hosts, name, "echo $TST_HOST"), names)]
    assert answers == ["h1", "h2", "h3", "h1", "h2", "h3", "h1"]


def banner(sock: socket.socket) -> bytes:
    """The first bytes sshd sends: its version line, or nothing where it dropped us."""
    try:
        return sock.recv(64)
    except OSError:
        return b""


def test_many_connections_waiting_at_once(ssh_hosts: SshTestHosts) -> None:
    """sshd's default MaxStartups (10:30:100) drops connections beyond 10 still waiting to
    log in, which would make parallel fleet runs fail at random; the hosts take 300."""
    port, before = ssh_hosts.hosts["h3"].port, ssh_hosts.accepted_connections("h3")
    with contextlib.ExitStack() as stack:
        waiting = [stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=10))
                   for _ in range(40)]
        assert all(banner(sock).startswith(b"SSH-2.0-") for sock in waiting)
        with ThreadPoolExecutor(4) as pool:
            done = list(pool.map(lambda _: ssh(ssh_hosts, "h3", "echo $TST_COLOR"), range(4)))
    assert [(d.returncode, d.stdout) for d in done] == [(0, "red\n")] * 4
    assert ssh_hosts.accepted_connections("h3") == before + 4


def test_become_user_has_passwordless_sudo(ssh_become: SshTestHosts) -> None:
    done = ssh(ssh_become, "h1-become", "id -un; sudo -n id -u; echo $TST_HOST")
    assert (done.returncode, done.stdout, done.stderr) == (0, "tstbecome\n0\nh1\n", "")


def test_stop_leaves_no_sshd(openssh: None, tmp_path: Path) -> None:
    with SshTestHosts(tmp_path, {"solo": {"TST_HOST": "solo"}}) as hosts:
        solo = hosts.hosts["solo"]
        assert hosts.start_seconds is not None and hosts.start_seconds < 10
        assert Path(f"/proc/{solo.pid}").exists()
        assert ssh(hosts, "solo", "echo $TST_HOST").stdout == "solo\n"
        assert (tmp_path / "solo" / "sshd.pid").read_text().strip() == str(solo.pid)
    assert not Path(f"/proc/{solo.pid}").exists()
    with pytest.raises(ProcessLookupError):
        os.kill(solo.pid, 0)
    with pytest.raises(ConnectionRefusedError), socket.socket() as sock:
        sock.connect(("127.0.0.1", solo.port))
    hosts.stop()  # again: nothing left to do, no error
