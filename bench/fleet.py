#!/usr/bin/env python3
"""The fleet benchmark: ``python bench/fleet.py [--hosts 100] [--sshd 4] [--jobs 8]``.

Starts a few unprivileged sshd on 127.0.0.1 (tests/sshhosts.py: needs root and
OpenSSH) and names ``--hosts`` aliases over them, then checks 20 blocks (files,
commands, /proc) on every alias three ways, and prints for each its wall time, the
peak memory (RSS) of the controller, and the SSH connections per host (sshd's
``Accepted publickey`` lines):

- **fleet**: ``tstconfig --hosts a001,...`` (one round trip per host);
- **(a) tstconfig on each host**: ``ssh HOST tstconfig DEF``, ``--jobs`` at a time
  (what running tstconfig everywhere and gathering reports costs, with it installed);
- **(b) one round trip per block**: the same run with every block's requests sent on
  their own (what tools that ask per resource do).

Goal (issue 15): the fleet in under 10 s for 100 hosts x 20 blocks, and fewer than 1.2
connections per host. ``--quick`` uses 10 hosts, to prove it works (CI).
"""
from __future__ import annotations

import argparse
import concurrent.futures
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from sshhosts import SshTestHosts, ensure_openssh  # noqa: E402

DEFINITION = """\
file /etc/passwd
syntax etc_passwd
property root
assert_defined

file /etc/group
syntax etc_group
property root
assert_defined

file /etc/os-release
parse_mode keyvalue
key_separator =
property ID
assert_defined

file /etc/hostname
property x
assert_undefined

file /etc/ssh/ssh_config
property Host
assert_defined

file /etc/services
property ssh
assert_defined

file /etc/protocols
property tcp
assert_defined

file /etc/nsswitch.conf
property passwd:
assert_defined

file /etc/debian_version
property x
assert_undefined

file /etc/host*.conf
property multi
assert_defined

stat /etc/passwd /etc/shadow /etc/group
columns 0 2
property /etc/passwd
assert_eq 0644

command uname -s
property Linux
assert_defined

command id -u
property 0
assert_defined

command sh -c "echo color=$TST_COLOR"
parse_mode keyvalue
key_separator =
property color

command df -P /
skip_header_lines 1
columns 5 0
property /
assert_defined

command ls /etc
property passwd
assert_defined

proc meminfo
parse_mode keyvalue
key_separator :
property MemTotal
assert_defined

proc sys/kernel/ostype
property Linux
assert_defined

proc loadavg
columns 3
property x
assert_undefined

proc net/dev
skip_header_lines 2
property lo:
assert_defined
"""


def tstconfig() -> str:
    return str(Path(sys.executable).with_name("tstconfig"))


def measure(argv: list[str]) -> tuple[float, float, float]:
    """(wall seconds, peak RSS in MiB, CPU seconds of the controller and its ssh clients)."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{argv[:6]}... exited with {code}: {proc.stderr.read().decode()}")
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def _login_user(hosts: SshTestHosts, wanted: str) -> str:
    """The user the hosts are logged in as. A test user by default: this machine's root
    has a .bashrc that runs ``pyenv init`` (0.2 s of every session), which no target
    would charge the controller for."""
    if wanted == "root":
        return wanted
    reason = hosts.ensure_sudo_user(wanted)
    if reason:
        print(f"(logging in as root: {reason})")
        return "root"
    return wanted


def per_host_tstconfig(config: Path, aliases: list[str], definition: Path,
                       jobs: int, login: str, kex: str | None) -> tuple[float, float, float]:
    """(a): ``ssh HOST tstconfig DEF`` on every host, ``jobs`` at a time."""
    # (a test user reaches this tstconfig through sudo: its Python may be under /root)
    sudo = ["sudo", "-n"] if login != "root" else []

    def one(alias: str) -> int:
        options = ["-o", f"KexAlgorithms={kex}"] if kex else []
        return subprocess.run(["ssh", "-F", str(config), *options, "-l", login, alias, *sudo,
                               tstconfig(), "-q",
                               str(definition)], stdout=subprocess.DEVNULL).returncode
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        codes = list(pool.map(one, aliases))
    if any(c not in (0, 1) for c in codes):
        raise SystemExit(f"(a): exit statuses {sorted(set(codes))}")
    return time.perf_counter() - started, float("nan"), float("nan")


def connections(hosts: SshTestHosts) -> int:
    return sum(hosts.accepted_connections(h) for h in hosts.hosts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--sshd", type=int, default=4)
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--per-block-hosts", type=int, default=20,
                        help="hosts (b) is measured on (it takes 20 connections a host)")
    parser.add_argument("--user", default="tstbecome",
                        help="log in as this test user (its shell reads no start-up "
                             "files); 'root' uses this machine's root and its .bashrc")
    parser.add_argument("--kex", help="KexAlgorithms for the client (default: ssh's own)")
    parser.add_argument("--only", choices=["fleet", "a", "b"], action="append")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.hosts, args.sshd, args.per_block_hosts = 10, 2, 3
    reason = ensure_openssh()
    if reason:
        raise SystemExit(f"cannot start sshd test hosts: {reason}")
    with tempfile.TemporaryDirectory(prefix="tstconfig-fleet-bench-") as tmp:
        folder = Path(tmp)
        definition = folder / "fleet.tstconfig"
        definition.write_text(DEFINITION)
        servers = {f"s{i}": {"TST_COLOR": "red" if i == 0 else "blue"}
                   for i in range(args.sshd)}
        folder.chmod(0o755)  # (the login user of (a) reads the definition)
        with SshTestHosts(folder / "hosts", servers) as hosts:
            aliases = hosts.aliases(args.hosts)
            config = hosts.client_config
            login = _login_user(hosts, args.user)
            kex = ["--ssh-option", f"KexAlgorithms={args.kex}"] if args.kex else []
            kex += ["--ssh-option", f"User={login}"]
            base = [tstconfig(), "-q", "--ssh-config", str(config), "-j", str(args.jobs),
                    *kex, str(definition), "--hosts"]
            few = aliases[:args.per_block_hosts]
            modes = {
                "fleet": ("fleet (one round trip per host)", aliases,
                          lambda: measure([*base, ",".join(aliases)])),
                "a": ("(a) ssh HOST tstconfig DEF", aliases, lambda: per_host_tstconfig(
                    config, aliases, definition, args.jobs, login, args.kex)),
                "b": ("(b) one round trip per block*", few, lambda: measure(
                    [*base[:1], "--per-request", *base[1:], ",".join(few)]))}
            rows = []
            for key in args.only or list(modes):
                label, used, run = modes[key]
                before = connections(hosts)
                wall, rss, cpu = run()
                per_host = (connections(hosts) - before) / len(used)
                scale = len(aliases) / len(used)
                rows.append((label, wall * scale, rss, per_host, cpu * scale))
    print(f"{args.hosts} hosts over {args.sshd} sshd, 20 blocks each, --jobs {args.jobs}, "
          f"logged in as {login}, key exchange {args.kex or 'ssh default'}")
    print(f"{'':34} {'wall':>8} {'peak RSS':>10} {'connections/host':>17} "
          f"{'controller CPU':>15}")
    for label, wall, rss, per_host, cpu in rows:
        memory = "-" if rss != rss else f"{rss:.0f} MiB"
        used = "-" if cpu != cpu else f"{cpu:.2f}s"
        print(f"{label:34} {wall:7.2f}s {memory:>10} {per_host:17.2f} {used:>15}")
    if "b" in (args.only or "ab"):
        print(f"* measured on {min(args.per_block_hosts, args.hosts)} hosts, its time "
              f"scaled to {args.hosts}")
    fleet_wall, fleet_per_host = rows[0][1], rows[0][3]
    ok = fleet_wall < 10 and fleet_per_host < 1.2
    print("goal (under 10 s, under 1.2 connections per host):", "met" if ok else "MISSED")
    return 0 if ok or args.quick else 1


if __name__ == "__main__":
    sys.exit(main())
