"""The weekly ops examples (issue 14) on hosts made for them: they pass on a host as it
should be and fail, naming what is wrong, on one that has drifted. (On this machine
they run in CI as the README's first command: tstconfig examples/*.tstconfig.)"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from conftest import FIXTURES, tstconfig
from reporting import validate_json

EXAMPLES = Path(__file__).parents[2] / "examples"


def host(tmp_path: Path, sshd_config: str, drop_ins: dict[str, str]) -> Path:
    """A folder tree with an sshd configuration, and an /etc/passwd that names the
    files' owner (whoever runs the tests) root."""
    root = tmp_path / "host"
    (root / "etc/ssh/sshd_config.d").mkdir(parents=True)
    (root / "etc/ssh/sshd_config").write_text(sshd_config)
    for name, text in drop_ins.items():
        (root / "etc/ssh/sshd_config.d" / name).write_text(text)
    (root / "etc/passwd").write_text(f"root:x:{os.getuid()}:{os.getgid()}:root:/root:/bin/sh\n")
    (root / "etc/group").write_text(f"root:x:{os.getgid()}:\n")
    key = root / "etc/ssh/ssh_host_ed25519_key"
    key.write_text("not a key\n")
    key.chmod(0o600)
    return root


def run(tmp_path: Path, definition: Path, *args: str) -> dict:
    report = tmp_path / "r.json"
    result = tstconfig("-r", f"json:{report}", *args, str(definition), cwd=tmp_path)
    assert "Traceback" not in result.stderr, result.stderr
    return validate_json(report)


def failed(report: dict) -> list[str]:
    return [f"{r['line']} {r['message']}" for r in report["results"] if r["outcome"] == "failed"]


DEBIAN = "Include /etc/ssh/sshd_config.d/*.conf\nKbdInteractiveAuthentication no\nUsePAM yes\n" \
         "X11Forwarding yes\nPrintMotd no\nAcceptEnv LANG LC_*\n"


def test_sshd_passes_on_a_debian_host_with_a_hardening_drop_in(tmp_path):
    root = host(tmp_path, DEBIAN, {"50-hardening.conf": "permitrootlogin no\nMaxAuthTries 3\n"})
    report = run(tmp_path, EXAMPLES / "weekly-sshd.tstconfig", "--root", str(root))
    assert report["summary"]["failed"] == 0 and report["errors"] == []
    assert report["summary"]["passed"] == 9


def test_sshd_fails_where_the_host_drifted(tmp_path):
    """The drop-in is read first and wins; the main file's later value does not count;
    a Match block is not the global setting; the key is readable by its group."""
    root = host(tmp_path, DEBIAN + "PermitRootLogin no\nMatch User backup\n  MaxAuthTries 2\n",
                {"10-vendor.conf": "PERMITROOTLOGIN yes\nmaxauthtries 10\n"})
    (root / "etc/ssh/ssh_host_ed25519_key").chmod(0o640)
    report = run(tmp_path, EXAMPLES / "weekly-sshd.tstconfig", "--root", str(root))
    drop_in = "/etc/ssh/sshd_config.d/10-vendor.conf"  # (as the host sees it)
    assert failed(report) == [
        "17 'yes' is not one of ['no', 'prohibit-password', 'without-password']"
        f" (from {drop_in})",
        f"38 10 is not <= 6 (from {drop_in})",
        "56 1 of 1 row(s) fail assert_mode_max 0600: '0640'"]


def test_sshd_is_skipped_with_its_reason_where_there_is_none(tmp_path):
    (tmp_path / "empty").mkdir()
    report = run(tmp_path, EXAMPLES / "weekly-sshd.tstconfig", "--root", str(tmp_path / "empty"))
    assert {r["outcome"] for r in report["results"]} == {"not_run"}
    assert all(r["message"].startswith("skipped: '/etc/ssh/sshd_config' does not exist")
               for r in report["results"])
    assert report["errors"] == [] and report["summary"]["failed"] == 0


def test_a_pending_security_update_fails_the_packages_check(tmp_path):
    """examples/README.md's apt check, on recorded `apt-get --simulate upgrade` output."""
    readme = (EXAMPLES / "README.md").read_text()
    text = readme[readme.index("```\n# `apt-get --simulate upgrade`"):].split("```")[1]
    apt_block = text[text.index("command apt-get"):]
    recorded = FIXTURES / "ops" / "apt" / "security-pending.txt"
    definition = tmp_path / "apt.tstconfig"
    definition.write_text(apt_block.replace(apt_block.splitlines()[0], f"file {recorded}")
                          .replace("only_if_exists /usr/bin/apt-get\n", ""))
    report = run(tmp_path, definition)
    assert failed(report) == [
        "6 2 of 3 row(s) satisfy assert_matches .*-security.*: 'libssl3 Debian-Security:12/"
        "stable-security ', 'openssl Debian:12.11/stable, Debian-Security:12/stable-security '"]


def test_ports_fails_where_telnet_and_tftp_listen(tmp_path):
    """A recorded /proc where inetd's telnet listens on every IPv4 address (so it also
    accepts on 127.0.0.1:23) and tftp on UDP 69."""
    proc = tmp_path / "proc"
    shutil.copytree(FIXTURES / "proc" / "listening", proc, symlinks=True)
    with open(proc / "net/tcp", "a") as tcp:
        tcp.write("  90: 00000000:0017 00000000:0000 0A 00000000:00000000 00:00000000 "
                  "00000000     0        0 7701 1 0000000000000000 100 0 0 10 0\n")
    with open(proc / "net/udp", "a") as udp:
        udp.write(" 9000: 00000000:0045 00000000:0000 07 00000000:00000000 00:00000000 "
                  "00000000     0        0 7702 2 0000000000000000 0\n")
    (proc / "7700/fd").mkdir(parents=True)
    (proc / "7700/comm").write_text("in.telnetd\n")
    (proc / "7700/fd/3").symlink_to("socket:[7701]")
    report = run(tmp_path, EXAMPLES / "weekly-ports.tstconfig", "--proc-root", str(proc))
    assert failed(report) == [
        "13 the property is defined: 'in.telnetd'",
        "25 the property is defined: '-'",
        "35 the property is defined: 'tcp 0.0.0.0:23 in.telnetd 7700'",
        "42 1 of 24 row(s) satisfy assert_in telnetd in.telnetd in.rshd in.rlogind in.rexecd "
        "vsftpd in.tftpd tftpd: 'in.telnetd'"]
