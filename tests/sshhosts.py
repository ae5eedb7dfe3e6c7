"""Real OpenSSH test hosts on 127.0.0.1, for fleet tests and the fleet benchmark: the
real ssh client, no network. Each host is an unprivileged-port ``sshd -D`` with its own
config, keys and log in a test folder, reached through a generated ``ssh -F`` config in
which every name, known or not, leads to 127.0.0.1."""
from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

SSHD = "/usr/sbin/sshd"
#: CI sets TSTCONFIG_REQUIRE_SSH=1: there missing ssh test hosts fail the run, never skip.
REQUIRE_SSH = os.environ.get("TSTCONFIG_REQUIRE_SSH") == "1"
SUDOERS = Path("/etc/sudoers.d/tstconfig-test")
#: The become user's GECOS: a user with it is ours to reuse and remove, any other is not.
USER_MARK = "tstconfig test user"
_NAME = re.compile(r"\w[\w.-]*\Z", re.ASCII)  # of hosts, aliases and SetEnv variables


def _run(*cmd: str, timeout: float = 60, **kwargs: object) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, **kwargs)


def _apt_install(*packages: str) -> str | None:
    """Install Debian packages, or say why not. ``apt-get update`` (slow, needs the
    mirrors) runs only when the install fails, e.g. on an image without lists."""
    what = " ".join(packages)
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return f"{what} missing, and not root or no apt-get to install it"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ("apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages)
    # Installing openssh-server must not start the machine's own sshd on port 22.
    policy = Path("/usr/sbin/policy-rc.d")
    if ours := not policy.exists():
        policy.write_text("#!/bin/sh\nexit 101\n", encoding="utf-8")
        policy.chmod(0o755)
    try:
        done = _run(*install, timeout=900, env=env)
        if done.returncode != 0:
            _run("apt-get", "update", "-qq", timeout=900, env=env)
            done = _run(*install, timeout=900, env=env)
    except subprocess.TimeoutExpired as exc:
        return str(exc)
    finally:
        if ours:
            policy.unlink(missing_ok=True)
    failed = done.returncode != 0
    return f"apt-get install {what} failed: {done.stderr.strip()[-400:]}" if failed else None


def ensure_openssh() -> str | None:
    """Make sshd test hosts possible here; None when they are, else why not (to skip with)."""
    if not (Path(SSHD).is_file() and shutil.which("ssh") and shutil.which("ssh-keygen")) and (
            reason := _apt_install("openssh-server", "openssh-client")):
        return reason
    if os.geteuid() != 0:
        return "sshd test hosts log in as root: run the tests as root"
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation folder
    return None


def keygen(path: Path) -> str:
    """The public ``TYPE KEY`` of the key at ``path``, made first (ed25519, no passphrase)."""
    if not path.exists():
        _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", path.name, "-f", str(path)
             ).check_returncode()
    return " ".join(path.with_name(path.name + ".pub").read_text().split()[:2])


@dataclass
class TestHost:
    """One running sshd: what the client config and the tests need to reach it."""

    __test__ = False  # a pytest "Test*" class by name only

    name: str
    port: int
    folder: Path
    env: dict[str, str] = field(default_factory=dict)
    pid: int | None = None
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def log(self) -> Path:
        return self.folder / "sshd.log"

    def stop(self) -> None:
        """SIGTERM to the pid, SIGKILL if it lingers; reaped, so the pid is gone after."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


class SshTestHosts:
    """Several sshd test hosts in ``folder`` sharing one user key; a context manager.
    ``hosts`` maps each host name to the ``SetEnv`` variables its sessions get (or is a
    list of names)."""

    def __init__(self, folder: Path, hosts: Mapping[str, Mapping[str, str]] | Iterable[str],
                 become_user: str = "tstbecome") -> None:
        specs = hosts if isinstance(hosts, Mapping) else {name: {} for name in hosts}
        for name, env in specs.items():
            if not _NAME.match(name) or any(not _NAME.match(k) or re.search(r'["\n]', v)
                                            for k, v in env.items()):
                raise ValueError(f"bad test host {name!r} or SetEnv {dict(env)!r}")
        self.folder = Path(folder)
        self.become_user = become_user
        self.hosts: dict[str, TestHost] = {}
        self.start_seconds: float | None = None
        self._specs = {name: dict(env) for name, env in specs.items()}
        self._aliases: dict[str, dict[str, object]] = {}  # Host NAME -> its ssh_config options
        self._known: dict[str, str] = {}  # known_hosts: host pattern -> "TYPE KEY"
        self._sudo_user = False  # ensure_sudo_user's user and sudoers file, for stop()

    user_key = property(lambda self: self.folder / "user_key")
    client_config = property(lambda self: self.folder / "ssh_config", doc="For ``ssh -F``.")
    known_hosts = property(lambda self: self.folder / "known_hosts")

    def __enter__(self) -> SshTestHosts:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> SshTestHosts:
        """Start every host and write the client files; on any failure stop what started."""
        began = time.monotonic()
        (self.folder / "authorized_keys").mkdir(parents=True)
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        (self.folder / "authorized_keys" / "root").write_text(keygen(self.user_key) + "\n")
        # From 9.8, sshd's PerSourcePenalties would bar 127.0.0.1 after refused test logins.
        found = re.search(r"OpenSSH_(\d+)\.(\d+)", _run(SSHD, "-V").stderr)
        new = found is not None and tuple(map(int, found.groups())) >= (9, 8)
        extra = ["PerSourcePenalties no"] if new else []
        try:
            for name, env in self._specs.items():
                host = self._start_host(name, env, extra)
                self._alias(name, host.port, False)
                self._known[f"[127.0.0.1]:{host.port}"] = keygen(host.folder / "host_key")
        except BaseException:
            self.stop()
            raise
        self._write_client()
        self.start_seconds = time.monotonic() - began
        return self

    def _sshd_config(self, host: TestHost, extra: list[str]) -> str:
        # AcceptEnv is left out: sshd then takes no variable from clients, only SetEnv's.
        # SetEnv is one line: sshd uses the first SetEnv line only.
        setenv = ["SetEnv " + " ".join(f'"{k}={v}"' for k, v in host.env.items())]
        return "\n".join([
            f"Port {host.port}", "ListenAddress 127.0.0.1",
            f'HostKey "{host.folder / "host_key"}"',
            f'AuthorizedKeysFile "{self.folder / "authorized_keys"}/%u"',
            f'PidFile "{host.folder / "sshd.pid"}"',
            "UsePAM no", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
            "StrictModes no", "PermitRootLogin prohibit-password", "LogLevel VERBOSE",
            "MaxStartups 300:30:400", "MaxSessions 50", "PrintMotd no", "PrintLastLog no",
            "Subsystem sftp internal-sftp", *extra, *(setenv if host.env else []),
            # sshd reads a user's keys as that user, and pytest's tmp folders are root's
            # alone (0700): the become user's key lives in its own home.
            f"Match User {self.become_user}", "    AuthorizedKeysFile .ssh/authorized_keys",
        ]) + "\n"

    def _start_host(self, name: str, env: dict[str, str], extra: list[str]) -> TestHost:
        folder = self.folder / name
        folder.mkdir()
        keygen(folder / "host_key")
        for _attempt in range(5):  # a port free now may be taken before sshd binds it
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                port = sock.getsockname()[1]
            host = TestHost(name, port, folder, env)
            config = folder / "sshd_config"
            config.write_text(self._sshd_config(host, extra), encoding="utf-8")
            with host.log.open("wb") as early:  # errors before -E takes effect
                host.process = subprocess.Popen(
                    [SSHD, "-f", str(config), "-D", "-E", str(host.log)],
                    stdin=subprocess.DEVNULL, stdout=early, stderr=early, start_new_session=True)
            host.pid, self.hosts[name] = host.process.pid, host  # for stop(), whatever happens
            # sshd's own "listening" line proves the port is this sshd's, where a probe
            # connection could reach whoever took the port meanwhile.
            ready = f"Server listening on 127.0.0.1 port {host.port}."
            deadline = time.monotonic() + 10
            while host.process.poll() is None and time.monotonic() < deadline:
                if ready in host.log.read_text(errors="replace"):
                    return host
                time.sleep(0.01)
            host.stop()
            log = host.log.read_text(errors="replace")
            if "Address already in use" not in log:
                raise RuntimeError(f"sshd of test host {name} did not start:\n{log}")
        raise RuntimeError(f"sshd of test host {name} found no free port")

    def stop(self) -> None:
        """Stop every sshd and undo ensure_sudo_user; again does nothing."""
        for host in self.hosts.values():
            host.stop()
        if self._sudo_user:
            SUDOERS.unlink(missing_ok=True)
            _run("userdel", "--remove", self.become_user)
            self._sudo_user = False

    def _write_client(self) -> None:
        known = "".join(f"{pattern} {key}\n" for pattern, key in self._known.items())
        self.known_hosts.write_text(known, encoding="utf-8")
        lines: list[str] = []
        for alias, options in self._aliases.items():
            lines += [f"Host {alias}", *(f"    {key} {value}" for key, value in options.items())]
        lines += [  # after every alias: ssh takes each option's first value
            "Host *", "    HostName 127.0.0.1", "    Port 1", "    User root", "    BatchMode yes",
            f'    IdentityFile "{self.user_key}"', "    IdentitiesOnly yes", "    LogLevel ERROR",
            f'    UserKnownHostsFile "{self.known_hosts}"', "    GlobalKnownHostsFile /dev/null",
            "    StrictHostKeyChecking yes", "    UpdateHostKeys no", "    ConnectTimeout 5"]
        self.client_config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.client_config.chmod(0o600)  # ssh refuses a config others may write

    def _host(self, host: TestHost | str | None) -> TestHost:
        return host if isinstance(host, TestHost) else self.hosts[host or next(iter(self.hosts))]

    def _alias(self, name: str, port: int, write: bool = True, **more: object) -> str:
        self._aliases[name] = {"HostName": "127.0.0.1", "Port": port, **more}
        if write:
            self._write_client()
        return name

    def aliases(self, count: int, prefix: str = "a") -> list[str]:
        """``count`` more host names (a001...) spread round-robin over the running hosts."""
        ports, width = [host.port for host in self.hosts.values()], max(3, len(str(count)))
        names = [self._alias(f"{prefix}{i + 1:0{width}d}", ports[i % len(ports)], False)
                 for i in range(count)]
        self._write_client()
        return names

    def add_unreachable_alias(self, name: str = "down") -> str:
        """A host that refuses connections at once: port 1 on 127.0.0.1."""
        return self._alias(name, 1)

    def add_wrong_key_alias(self, name: str = "badkey", host: TestHost | str | None = None) -> str:
        """A running host (the first by default) known by another key: ssh refuses it."""
        self._known[name] = keygen(self.folder / "wrong_host_key")
        return self._alias(name, self._host(host).port, HostKeyAlias=name)

    def accepted_connections(self, host: TestHost | str) -> int:
        """Connections the host accepted (sessions multiplexed over one add none)."""
        return self._host(host).log.read_text(errors="replace").count("Accepted publickey")

    def ensure_sudo_user(self, name: str = "tstbecome") -> str | None:
        """A user with passwordless sudo who logs in with the test user key, and a
        ``HOST-become`` alias per host; None when done, else why not (to skip with).
        A user it creates and the sudoers file are removed again by :meth:`stop`."""
        if name != self.become_user:
            raise ValueError(f"the sshd configs allow {self.become_user!r}, not {name!r}")
        if os.geteuid() != 0:
            return f"not root: cannot create the sudo user {name}"
        if not (shutil.which("sudo") and shutil.which("visudo")) and (
                reason := _apt_install("sudo")):
            return reason
        try:
            user = pwd.getpwnam(name)
        except KeyError:
            shell = "/bin/bash" if Path("/bin/bash").exists() else "/bin/sh"
            # Password "*", not useradd's "!": without PAM, sshd refuses "!" as locked.
            made = _run("useradd", "--create-home", "--shell", shell, "--comment", USER_MARK,
                        "--password", "*", name)
            if made.returncode != 0:
                return f"useradd {name} failed: {made.stderr.strip()}"
            user = pwd.getpwnam(name)
        if user.pw_gecos != USER_MARK:
            return f"user {name} exists and is no tstconfig test user: left alone"
        self._sudo_user = True
        ssh_dir = Path(user.pw_dir) / ".ssh"
        ssh_dir.mkdir(mode=0o700, exist_ok=True)
        (ssh_dir / "authorized_keys").write_text(keygen(self.user_key) + "\n")
        _run("chown", "-R", f"{user.pw_uid}:{user.pw_gid}", str(ssh_dir)).check_returncode()
        # Checked before it is in place: a broken drop-in would break sudo machine-wide.
        staged = SUDOERS.with_name(".tstconfig-test")  # sudo skips names with a dot
        staged.write_text(f"{name} ALL=(ALL) NOPASSWD: ALL\n", encoding="utf-8")
        staged.chmod(0o440)
        checked = _run("visudo", "-cf", str(staged))
        if checked.returncode != 0:
            staged.unlink()
            return f"visudo rejects the sudoers drop-in: {checked.stdout}{checked.stderr}"
        os.replace(staged, SUDOERS)
        for host in self.hosts.values():
            self._alias(f"{host.name}-become", host.port, User=name)
        return None
