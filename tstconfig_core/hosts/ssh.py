"""A remote host, reached with the OpenSSH client the person already configured.

Every request of a run is answered in one round trip: :meth:`SshHost.prefetch`
sends one POSIX ``sh`` script (see :mod:`tstconfig_core.hosts.script`) on the
standard input of one ``ssh HOST sh -s`` and reads the framed answers back; the
engine then parses and asserts here, exactly as for the local host. ``ssh`` runs
in BatchMode (never a prompt) with a connect timeout, and reads the person's own
configuration: ``~/.ssh/config`` (or ``--ssh-config``), the agent, ProxyJump,
known_hosts, ControlMaster. A request the prefetch did not foresee costs one more
round trip; :attr:`SshHost.round_trips` counts them.
"""
from __future__ import annotations

import shlex
import subprocess
import threading
from collections.abc import Sequence

from tstconfig_core.contract.hosts import (Answer, Entry, Host, HostError, HostRequest,
                                           ListFolder, PathStat, ProgramResult, ReadFile,
                                           RunProgram, StatPath)
from tstconfig_core.fleet.targets import HostSettings, Target
from tstconfig_core.hosts import frames, script
from tstconfig_core.limits import DEFAULT_MAX_SIZE

Need = tuple[HostRequest, float, int]  # a request, its block's timeout and max_size
#: Bytes of ssh's own standard error kept for the message of a host that failed.
MAX_SSH_ERRORS = 16 * 1024


class SshHost(Host):
    """A host of a fleet, reached over ``ssh``: ``ssh://[user@]host[:port]``."""

    this_machine = False
    summary = "a host reached with the OpenSSH client, one round trip per run (ssh://)"

    def __init__(self, target: Target, settings: HostSettings = HostSettings()) -> None:
        self.target = target
        self.settings = settings
        self.name = target.name
        self.failure: str | None = None
        self.round_trips = 0
        self._answers: dict[Need, Answer] = {}
        self._proc: subprocess.Popen[bytes] | None = None
        self._cancelled = False
        self._lock = threading.Lock()

    # -- how ssh is called ------------------------------------------------------------

    def argv(self) -> list[str]:
        """``ssh`` and its arguments: nothing of the target's can be read as an option
        (its address and user were refused when they begin with ``-``, and ``--`` ends
        the options)."""
        s, t = self.settings, self.target
        argv = ["ssh"]
        if s.ssh_config:
            argv += ["-F", s.ssh_config]
        argv += ["-T", "-o", "BatchMode=yes",
                 "-o", f"ConnectTimeout={max(1, round(s.connect_timeout))}"]
        if t.port is not None:
            argv += ["-p", str(t.port)]
        if t.user:
            argv += ["-l", t.user]
        identity = t.options.get("identity_file")
        if isinstance(identity, str) and identity:
            argv += ["-i", identity]
        for key in ("ssh_common_args", "ssh_extra_args"):
            extra = t.options.get(key)
            if isinstance(extra, str) and extra.strip():
                argv += shlex.split(extra)
        argv += [*s.ssh_options, "--", t.address or t.name, self.remote_command()]
        return argv

    def remote_command(self) -> str:
        """What the remote login shell runs: ``sh -s``, under ``sudo -n`` with --become
        (never a password prompt: a sudo that wants one fails the host, and says so)."""
        become = bool(self.target.options.get("become")) or self.settings.become
        user = self.target.options.get("become_user") or self.settings.become_user
        if not become and not user:
            return "sh -s"
        as_user = f"-u {script.quoted(str(user)).decode()} " if user else ""
        return f"sudo -n {as_user}-- sh -s"

    # -- answering --------------------------------------------------------------------

    def prefetch(self, needs: Sequence[Need]) -> None:
        wanted = list(dict.fromkeys(n for n in needs if n not in self._answers))
        if wanted:
            self._round_trip(wanted)

    def answer(self, requests: Sequence[HostRequest], timeout: float,
               max_size: int) -> list[Answer]:
        needs = [(r, timeout, max_size) for r in requests]
        if self.failure is None:
            missing = list(dict.fromkeys(n for n in needs if n not in self._answers))
            if missing:
                self._round_trip(missing)
        if self.failure is not None:
            return [HostError(f"{self.name}: {self.failure}") for _ in needs]
        return [self._answers[n] for n in needs]

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            if self._proc is not None and self._proc.poll() is None:
                self._proc.kill()

    def _round_trip(self, needs: list[Need]) -> None:
        lines = []
        sent: dict[int, Need] = {}
        for number, need in enumerate(needs, 1):
            try:
                lines.append(script.line_for(number, *need))
                sent[number] = need
            except script.Unsendable as exc:
                self._answers[need] = HostError(f"cannot be sent to {self.name}: {exc}")
        if not sent:
            return
        self.round_trips += 1
        seconds = self.settings.connect_timeout + sum(t for _, t, _ in sent.values())
        try:
            found, ended, problem = self._exchange(script.script(lines), seconds)
        except frames.ProtocolError as exc:
            found, ended, problem = {}, False, f"its answer could not be read: {exc}"
        if not ended:
            self.failure = problem or "the connection ended before every answer came"
            return
        for number, (request, timeout, max_size) in sent.items():
            self._answers[(request, timeout, max_size)] = frames.answer_of(
                found.get(number), request, timeout, max_size)

    def _exchange(self, text: bytes, seconds: float) -> tuple[dict, bool, str | None]:
        """Run ssh with the script on its standard input: (frames, ended, why not)."""
        with self._lock:
            if self._cancelled:
                return {}, False, "stopped before it was reached"
            try:
                proc = self._proc = subprocess.Popen(
                    self.argv(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE, start_new_session=True)
            except OSError as exc:
                return {}, False, f"cannot run ssh: {exc.strerror or exc}"
        timed_out = threading.Event()

        def expire() -> None:
            timed_out.set()
            proc.kill()
        watchdog = threading.Timer(seconds, expire)
        watchdog.daemon = True
        watchdog.start()
        errors = bytearray()
        helpers = [threading.Thread(target=_feed, args=(proc.stdin, text), daemon=True),
                   threading.Thread(target=_keep, args=(proc.stderr, errors), daemon=True)]
        for helper in helpers:
            helper.start()
        try:
            assert proc.stdout is not None
            try:
                found, ended = frames.read_frames(proc.stdout)
            except frames.ProtocolError:
                proc.kill()  # (what it still sends cannot be read either)
                raise
            if ended:
                proc.stdout.close()
        finally:
            status = proc.wait()
            watchdog.cancel()
            for helper in helpers:
                helper.join(5)
        if ended:
            return found, True, None
        if timed_out.is_set():
            return found, False, (f"no complete answer within {seconds:g} s (the connect "
                                  "timeout and every block's timeout): ssh was stopped")
        if self._cancelled:
            return found, False, "stopped (interrupted)"
        said = _last_lines(bytes(errors))
        how = (f"ssh was killed by signal {-status}" if status < 0 else
               f"ssh exit status {status}")
        return found, False, (f"{said} ({how})" if said else
                              f"{how}, before every answer came")

    # -- one request at a time (what per-resource tools do; prefetch avoids it) --------

    def _single(self, request: HostRequest, timeout: float = 60.0,
                max_size: int = DEFAULT_MAX_SIZE) -> object:
        answer = self.answer([request], timeout, max_size)[0]
        if isinstance(answer, HostError):
            raise answer
        return answer

    def read(self, path: str, max_size: int, within: str | None = None) -> bytes:
        return self._single(ReadFile(path, within=within), max_size=max_size)  # type: ignore

    def run(self, argv: Sequence[str], timeout: float, max_size: int) -> ProgramResult:
        return self._single(RunProgram(tuple(argv)), timeout, max_size)  # type: ignore

    def list(self, path: str, within: str | None = None) -> tuple[Entry, ...]:
        return self._single(ListFolder(path, within=within))  # type: ignore

    def stat(self, path: str) -> PathStat:
        return self._single(StatPath(path))  # type: ignore

    def matches(self, pattern: str, deadline: float | None = None) -> list[str]:
        return sorted(self._single(StatPath(pattern, glob=True)))  # type: ignore


def _feed(stream: object, text: bytes) -> None:
    try:
        stream.write(text)  # type: ignore[attr-defined]
        stream.close()  # type: ignore[attr-defined]
    except (OSError, ValueError):
        pass  # ssh is gone: its exit status and standard error say why


def _keep(stream: object, into: bytearray) -> None:
    for line in stream:  # type: ignore[attr-defined]
        if len(into) < MAX_SSH_ERRORS:
            into += line[:MAX_SSH_ERRORS - len(into)]


def _last_lines(errors: bytes) -> str:
    """What ssh (or sudo, or the remote shell) said, in a line: its last few lines."""
    text = errors.decode("utf-8", "replace").replace("\r", "")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return "; ".join(lines[-3:])
