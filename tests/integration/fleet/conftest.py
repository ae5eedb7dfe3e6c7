"""Fleet fixtures: real sshd test hosts on 127.0.0.1 (tests/sshhosts.py), one set per session.

Where OpenSSH cannot be had (not root, no apt) the fleet tests skip and say why;
with TSTCONFIG_REQUIRE_SSH=1, as CI runs, they fail instead.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from reporting import need
from sshhosts import REQUIRE_SSH, SshTestHosts, ensure_openssh

#: h1 and h2 agree on TST_COLOR and h3 differs, so drift has a majority to name.
HOSTS = {"h1": {"TST_HOST": "h1", "TST_COLOR": "blue"},
         "h2": {"TST_HOST": "h2", "TST_COLOR": "blue"},
         "h3": {"TST_HOST": "h3", "TST_COLOR": "red"}}


@pytest.fixture(scope="session")
def openssh() -> None:
    """OpenSSH installed and sshd able to start here, or the test skipped (failed in CI)."""
    reason = ensure_openssh()
    need(reason is None, REQUIRE_SSH, reason or "")


@pytest.fixture(scope="session")
def ssh_hosts(openssh: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshTestHosts]:
    """h1, h2, h3 running, plus ``down`` (refused at once) and ``badkey`` (h1 under a key
    the client does not trust); reach them with ``ssh -F ssh_hosts.client_config``."""
    with SshTestHosts(tmp_path_factory.mktemp("ssh"), HOSTS) as hosts:
        hosts.add_unreachable_alias("down")
        hosts.add_wrong_key_alias("badkey", "h1")
        yield hosts


@pytest.fixture(scope="session")
def ssh_become(ssh_hosts: SshTestHosts) -> SshTestHosts:
    """ssh_hosts with the ``tstbecome`` sudo user and its ``h1-become``... aliases."""
    reason = ssh_hosts.ensure_sudo_user()
    need(reason is None, REQUIRE_SSH, reason or "")
    return ssh_hosts
