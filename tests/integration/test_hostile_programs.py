"""Commands that leave processes behind, through the CLI: the block ends when the program
has exited, and nothing it started outlives the block, or tstconfig killed outright."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import third_party_plugins, tstconfig


def state(pid: int) -> str:
    """A process's state letter; "" when there is none."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rpartition(b")")[2].split()[0].decode()
    except (OSError, IndexError):
        return ""


def running(pids, seconds: float = 5.0) -> list[int]:
    """The pids that still run after ``seconds`` (a zombie runs no more)."""
    deadline = time.monotonic() + seconds
    while True:
        alive = [p for p in pids if state(p) not in ("", "Z")]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.02)


def pids_in(path: Path, count: int, seconds: float = 15.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pids = path.read_text().split() if path.exists() else []
        if len(pids) >= count:
            return [int(p) for p in pids]
        time.sleep(0.02)
    raise AssertionError(f"{path} never had {count} pids")


def test_a_program_that_exited_with_its_output_is_done(tmp_path):
    """It waited the whole timeout for the background child that held its output."""
    definition = tmp_path / "d.tstconfig"
    definition.write_text('command sh -c "sleep 20 & echo ready yes"\n'
                          "property ready\nassert_eq yes\n")
    started = time.monotonic()
    result = tstconfig(str(definition))
    assert time.monotonic() - started < 10
    assert result.returncode == 0, result.stdout
    assert "Assertions passed: 1" in result.stdout
    assert "they were killed" in result.stdout  # a warning says the output may be cut


def test_what_a_command_left_running_is_killed_setsid_included(tmp_path):
    pids = tmp_path / "pids"
    definition = tmp_path / "d.tstconfig"
    definition.write_text(
        f'command sh -c "setsid sleep 60 >/dev/null 2>&1 & echo $! >> {pids}; echo ok yes"\n'
        "property ok\nassert_eq yes\n"
        f'command sh -c "setsid sleep 61 & echo $! >> {pids}; sleep 62 & echo $! >> {pids}; '
        'wait"\ntimeout 0.5\nproperty ok\nassert_undefined\n')
    result = tstconfig(str(definition))
    assert "command timed out after 0.5 s" in result.stdout
    assert "Assertions passed: 1" in result.stdout
    assert running(pids_in(pids, 3)) == []


def pidfds() -> bool:
    try:
        os.close(os.pidfd_open(os.getpid()))
        return True
    except (AttributeError, OSError):
        return False


@pytest.mark.skipif(not pidfds(), reason="the watchdog needs pidfds (Linux 5.3)")
def test_kill_9_of_tstconfig_takes_its_commands_along(tmp_path):
    """A tstconfig killed outright left its command running, and all it had started."""
    pids = tmp_path / "pids"
    (tmp_path / "c.sh").write_text(f"setsid sleep 61 & echo $! >> {pids}\n"
                                   f"sleep 62 & echo $! >> {pids}\n"
                                   f"echo $$ >> {pids}\nwait\n")
    definition = tmp_path / "d.tstconfig"
    definition.write_text(f"command sh {tmp_path / 'c.sh'}\ntimeout 60\n"
                          "property x\nassert_undefined\n")
    env = dict(os.environ, TSTCONFIG_DISABLE_PLUGINS=third_party_plugins())
    proc = subprocess.Popen([sys.executable, "-m", "tstconfig_core", str(definition)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                            start_new_session=True)
    try:
        started = pids_in(pids, 3)
        assert running(started, 0) == started
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert running(started) == [], "the command outlived tstconfig"
    finally:
        proc.kill()
        proc.wait()
        for pid in pids_in(pids, 0):
            if state(pid) not in ("", "Z"):
                os.kill(pid, signal.SIGKILL)


@pytest.mark.skipif(not pidfds(), reason="the watchdog needs pidfds (Linux 5.3)")
def test_the_watchdog_ends_with_tstconfig(tmp_path):
    definition = tmp_path / "d.tstconfig"
    definition.write_text("command sleep 2\nproperty x\nassert_undefined\n")
    env = dict(os.environ, TSTCONFIG_DISABLE_PLUGINS=third_party_plugins())
    proc = subprocess.Popen([sys.executable, "-m", "tstconfig_core", str(definition)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline, watchdogs = time.monotonic() + 10, []
    while not watchdogs and time.monotonic() < deadline:
        watchdogs = _watchdogs_of(proc.pid)
        time.sleep(0.02)
    assert proc.wait(30) == 0
    assert len(watchdogs) == 1 and running(watchdogs) == []


def _watchdogs_of(parent: int) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                if int(f.read().rpartition(b")")[2].split()[1]) != parent:
                    continue
            with open(f"/proc/{name}/cmdline", "rb") as f:
                if b"tstconfig_core.hosts.tree import watch" in f.read():
                    found.append(int(name))
        except (OSError, ValueError, IndexError):
            pass
    return found
