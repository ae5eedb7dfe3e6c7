"""The local host against hostile programs and trees: the block's timeout holds for every
request, a refused answer holds no buffer, and a program leaves nothing running."""
from __future__ import annotations

import os
import subprocess
import time
import tracemalloc
from pathlib import Path

import pytest

from tstconfig_core.api import (HostError, ListFolder, LocalHost, ProgramResult, ReadFile,
                                RunProgram, TooLargeAnswer)
from tstconfig_core.contract.hosts import TimeoutAnswer
from tstconfig_core.hosts import programs, tree
from tstconfig_plugins.sources.owners import OWNER_REQUESTS


def gone(pid: int) -> bool:
    """Dead: no such process, or a zombie nobody reaped yet (it runs no more)."""
    fields = tree._stat(pid)
    return not fields or fields[0] == b"Z"


def wait_gone(pids, seconds: float = 5.0) -> list[int]:
    """The pids still running after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alive = [p for p in pids if not gone(p)]
        if not alive:
            return []
        time.sleep(0.02)
    return alive


def pids_in(path: Path, count: int, seconds: float = 10.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists():
            pids = [int(p) for p in path.read_text().split()]
            if len(pids) >= count:
                return pids
        time.sleep(0.01)
    raise AssertionError(f"{path} never had {count} pids")


# -- a refused answer holds nothing ---------------------------------------------------------

def test_refused_answers_hold_no_buffer(tmp_path):
    """Each TooLargeAnswer held its whole buffer through its traceback (and, for a file,
    through the TooLarge in its __context__ that ``raise ... from None`` still sets)."""
    for i in range(12):
        with open(tmp_path / f"f{i}", "wb") as f:
            f.truncate(2 * 1024 * 1024)
    host = LocalHost()
    tracemalloc.start()
    try:
        files, = host.answer([ReadFile(str(tmp_path / "f*"), glob=True)], 10.0, 1024 * 1024)
        loud = host.answer([RunProgram(("sh", "-c", "yes | head -c 3000000"))] * 4,
                           10.0, 1024 * 1024)
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert len(files) == 12 and all(isinstance(a, TooLargeAnswer) for a in files.values())
    assert all(isinstance(a, TooLargeAnswer) for a in loud)
    assert held < 2 * 1024 * 1024, f"{held} bytes still held by 16 refused answers"
    for answer in [*files.values(), *loud]:
        assert answer.__traceback__ is None and answer.__context__ is None


def test_a_request_may_ask_for_a_smaller_size_limit(tmp_path):
    (tmp_path / "comm").write_bytes(b"x" * 5000)
    host = LocalHost()
    small, whole = host.answer([ReadFile(str(tmp_path / "comm"), max_size=4096),
                                ReadFile(str(tmp_path / "comm"), max_size=10 ** 9)], 10.0, 8000)
    assert isinstance(small, TooLargeAnswer) and whole == b"x" * 5000  # never past the block's


# -- the block's timeout bounds every request ------------------------------------------------

def crafted_proc(root: Path, processes: int, fds: int = 5) -> Path:
    (root / "net").mkdir(parents=True)
    for pid in range(100, 100 + processes):
        (root / str(pid) / "fd").mkdir(parents=True)
        (root / str(pid) / "comm").write_text("x\n")
        for fd in range(fds):
            os.symlink(f"socket:[{5000 + fd}]", root / str(pid) / "fd" / str(fd))
    return root


def test_reads_are_bounded_by_the_timeout(tmp_path):
    """A block with ``timeout 0.05`` read many /proc files for 0.86 s."""
    host = LocalHost(proc_root=str(crafted_proc(tmp_path / "proc", 2500)))
    started = time.monotonic()
    full = host.answer(list(OWNER_REQUESTS), 60.0, 1 << 20)
    whole = time.monotonic() - started
    assert all(isinstance(a, dict) and len(a) == 2500 for a in full)
    started = time.monotonic()
    answers = host.answer(list(OWNER_REQUESTS), 0.05, 1 << 20)
    took = time.monotonic() - started
    assert all(isinstance(a, TimeoutAnswer) for a in answers), answers
    assert "took longer than the block's timeout of 0.05 s" in str(answers[0])
    assert took < 0.05 + min(0.5, whole / 2), (took, whole)


def test_past_the_deadline_nothing_more_is_asked(tmp_path):
    (tmp_path / "a").write_text("a\n")
    answers = LocalHost().answer(
        [RunProgram(("sleep", "5")), ReadFile(str(tmp_path / "a")),
         ListFolder(str(tmp_path)), RunProgram(("echo", "late"))], 0.3, 1000)
    assert all(isinstance(a, TimeoutAnswer) for a in answers), answers
    assert "command timed out after 0.3 s" in str(answers[0])
    assert "command timed out after 0.3 s" in str(answers[3])  # the block's, not what was left


def test_a_program_gets_what_is_left_of_the_timeout(tmp_path):
    host = LocalHost(proc_root=str(crafted_proc(tmp_path / "proc", 300)))
    started = time.monotonic()
    *_, slow = host.answer([*OWNER_REQUESTS, RunProgram(("sleep", "5"))], 0.5, 1 << 20)
    assert time.monotonic() - started < 1.5
    assert isinstance(slow, TimeoutAnswer) and "timed out after 0.5 s" in str(slow)


# -- programs: done when they exit, nothing left running ----------------------------------------

def run(script: str, timeout: float = 20.0, max_size: int = 1 << 20) -> ProgramResult:
    return LocalHost().run(["sh", "-c", script], timeout, max_size)


def test_done_when_the_program_exits_though_a_child_holds_its_output(tmp_path):
    """``sh -c "sleep 20 & echo ready yes"`` waited the whole timeout."""
    pidfile = tmp_path / "pid"
    started = time.monotonic()
    result = run(f"sleep 20 & echo $! > {pidfile}; head -c 300000 /dev/zero; echo ready yes")
    assert time.monotonic() - started < 3
    assert result.exit_status == 0 and result.output_cut
    assert len(result.stdout) == 300000 + len(b"ready yes\n")  # all it wrote before exiting
    assert wait_gone(pids_in(pidfile, 1)) == []


def test_output_is_not_cut_when_the_pipes_close(tmp_path):
    pidfile = tmp_path / "pid"
    result = run(f"sleep 20 >/dev/null 2>&1 & echo $! > {pidfile}; echo done")
    assert bytes(result.stdout) == b"done\n" and not result.output_cut
    assert wait_gone(pids_in(pidfile, 1), 0.5) == []  # killed at once, not after a grace


@pytest.mark.parametrize("how", ["exits", "times out", "says too much"])
def test_children_that_left_the_process_group_are_killed(tmp_path, how):
    """A child that calls setsid survived the group kill; so did an orphan (double fork)."""
    pids = tmp_path / "pids"
    (tmp_path / "inner.sh").write_text(f"sleep 60 & echo $! >> {pids}; wait\n")
    tail = {"exits": "echo ok", "times out": "sleep 60", "says too much": "yes"}[how]
    script = (f"setsid sleep 60 & echo $! >> {pids}; "
              f"(setsid sh {tmp_path / 'inner.sh'} &); "  # an orphan in a session of its own
              f"sleep 60 >/dev/null 2>&1 & echo $! >> {pids}; "
              f"while [ $(wc -l < {pids}) -lt 3 ]; do sleep 0.01; done; {tail}")
    started = time.monotonic()
    try:
        result = run(script, timeout=3.0)
        assert how == "exits" and bytes(result.stdout) == b"ok\n"
    except HostError as exc:
        assert how != "exits", exc
        assert ("timed out" if how == "times out" else "more than the size limit") in str(exc)
    assert time.monotonic() - started < 10
    assert wait_gone(pids_in(pids, 3)) == []


def test_many_children_are_all_killed(tmp_path):
    pids = tmp_path / "pids"
    result = run(f"for i in $(seq 40); do setsid sleep 60 & echo $! >> {pids}; done; echo ok")
    assert bytes(result.stdout) == b"ok\n"
    assert wait_gone(pids_in(pids, 40)) == []


def test_children_that_were_ours_before_are_not_touched(tmp_path):
    """Only what descends from the program is killed: not another child of tstconfig's
    (a plugin's helper, a remote host's connection)."""
    ours = subprocess.Popen(["sleep", "30"])
    try:
        programs._become_subreaper()
        run("setsid sleep 60 & echo ok")
        assert ours.poll() is None
    finally:
        ours.kill()
        ours.wait()


def test_a_program_killed_by_a_signal_says_so():
    assert run("kill -9 $$").exit_status == 137


def test_without_pidfd_or_children_files(tmp_path, monkeypatch):
    """Older kernels: the exit is polled for, the children found by scanning /proc."""
    monkeypatch.setattr(programs, "_exit_watch", lambda pid: None)
    monkeypatch.setattr(tree, "_children_files", False)
    pids = tmp_path / "pids"
    started = time.monotonic()
    result = run(f"setsid sleep 60 & echo $! >> {pids}; sleep 60 & echo $! >> {pids}; echo ok")
    assert bytes(result.stdout) == b"ok\n" and result.output_cut
    assert time.monotonic() - started < 3
    assert wait_gone(pids_in(pids, 2)) == []
    with pytest.raises(HostError, match="timed out after 0.3 s"):
        run("sleep 5", timeout=0.3)
