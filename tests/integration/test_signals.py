"""Signals stop a run as Ctrl-C does, and never lose or corrupt a report."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import third_party_plugins
from reporting import validate_json
from tstconfig_core.signals import Stopped, run_signals


def start(tmp_path: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tstconfig_core", *args], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ,
                                     TSTCONFIG_DISABLE_PLUGINS=third_party_plugins()))


def long_run(tmp_path: Path) -> Path:
    pidfile = tmp_path / "child.pid"
    (tmp_path / "d.tstconfig").write_text(
        "command echo a\nproperty a\nassert_defined\n"
        f'command sh -c "echo $$ > {pidfile}; sleep 30"\nexit_status\nassert_eq 0\n')
    return pidfile


def wait_for(path: Path) -> None:
    deadline = time.monotonic() + 10
    while not (path.exists() and path.read_text().strip()):
        assert time.monotonic() < deadline, f"{path} never came"
        time.sleep(0.05)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_mid_run_writes_every_report_marked_interrupted(tmp_path, signum):
    pidfile = long_run(tmp_path)
    proc = start(tmp_path, "-r", "json:r.json", "-r", "junit:r.xml", "-r", "tap:r.tap",
                 "d.tstconfig")
    wait_for(pidfile)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=15)
    assert proc.returncode == 128 + signum and "Traceback" not in err
    doc = validate_json(tmp_path / "r.json")
    assert doc["run"]["interrupted"] is True and doc["summary"]["passed"] == 1
    # a CI server that reads only the JUnit cases sees the run fail
    errors = ET.parse(tmp_path / "r.xml").getroot().findall(".//error")
    assert [e.get("message") for e in errors] == [
        "the run was interrupted (Ctrl-C, SIGTERM or SIGHUP): the checks after this point "
        "were not run"]
    assert (tmp_path / "r.tap").read_text().endswith(
        "Bail out! interrupted; the results are incomplete\n")
    assert not list(tmp_path.glob(".tstconfig-*"))


def test_sigterm_while_a_fifo_waits_for_its_reader(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    (tmp_path / "d.tstconfig").write_text("command echo a\nproperty a\nassert_defined\n")
    proc = start(tmp_path, "-r", "json:r.json", "-r", f"tap:{fifo}", "d.tstconfig")
    deadline = time.monotonic() + 10
    while not list(tmp_path.glob(".tstconfig-*")):  # the JSON report's temporary file
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=15)
    assert proc.returncode == 143 and "Traceback" not in err
    assert not list(tmp_path.glob(".tstconfig-*")) and not (tmp_path / "r.json").exists()


def test_a_first_signal_while_reports_are_written_waits_and_a_second_stops():
    with run_signals() as signals:
        signals.finishing = True
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.01)
        assert signals.noted == [signal.SIGTERM]
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.01)
    assert signals.exit_status(0) == 143 and signals.exit_status(130) == 130
    with pytest.raises(Stopped):
        with run_signals() as signals:
            signals.finishing = True
            os.kill(os.getpid(), signal.SIGHUP)
            os.kill(os.getpid(), signal.SIGHUP)
            time.sleep(0.01)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_a_signal_waits_while_a_reporter_takes_an_event():
    """A report is never left half-updated (JUnit's counts ahead of its cases)."""
    with run_signals() as signals:
        signals.sheltered = True
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.01)
        signals.sheltered = False
        assert signals.pending == signal.SIGTERM
        with pytest.raises(Stopped):
            signals.raise_pending()
        assert signals.finishing  # the run is stopping: a next signal waits for the reports


# -- issue 13, finding 10: every mode, and no moment without a handler -----------------

def opened_by_a_reader(fifo: Path, proc: subprocess.Popen) -> int:
    """Our writing end of ``fifo``, once tstconfig has opened it to read (then it waits in
    read(), for we write nothing): the moment its handlers are in place."""
    deadline = time.monotonic() + 10
    while True:
        try:
            return os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:  # ENXIO: no reader yet
            assert time.monotonic() < deadline and proc.poll() is None, "never read"
            time.sleep(0.02)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
@pytest.mark.parametrize("mode", ["--inspect", "--check", "--list-ids"])
def test_inspect_check_and_list_ids_stopped_by_a_signal_exit_as_a_run_does(tmp_path, mode,
                                                                           signum):
    if mode == "--inspect":  # it runs the command
        pidfile = long_run(tmp_path)
        proc = start(tmp_path, mode, "d.tstconfig")
        wait_for(pidfile)
        writer = None
    else:  # they run nothing: a definition that never ends keeps them reading
        os.mkfifo(tmp_path / "d.tstconfig")
        proc = start(tmp_path, mode, "d.tstconfig")
        writer = opened_by_a_reader(tmp_path / "d.tstconfig", proc)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=15)
    if writer is not None:
        os.close(writer)
    assert proc.returncode == 128 + signum and "Traceback" not in err


def pipe_full(fd: int, proc: subprocess.Popen) -> None:
    """Wait until the pipe behind ``fd`` is full: its writer is blocked in write()."""
    import fcntl
    import termios
    capacity = fcntl.fcntl(fd, 1032)  # F_GETPIPE_SZ
    deadline = time.monotonic() + 20
    while True:
        waiting = fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0")
        if int.from_bytes(waiting, sys.byteorder) >= capacity:
            return
        assert time.monotonic() < deadline and proc.poll() is None, "the pipe never filled"
        time.sleep(0.02)


def read_all(fd: int) -> bytes:
    import select
    chunks = []
    while True:
        select.select([fd], [], [], 15)
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_while_the_reports_are_written_finishes_them_and_still_exits_128_n(
        tmp_path, signum):
    """Every check ran, so the reports are complete and not marked interrupted; but
    the signal is not forgotten: the exit status says it came."""
    checks = "".join(f"property a\nassert_defined\nname check {i}\n" for i in range(400))
    (tmp_path / "d.tstconfig").write_text("command echo a\n" + checks.replace(
        "name check 0\n", "", 1) + "property a\nassert_defined\n")
    fifo = tmp_path / "json.fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # (its open for writing waits for one)
    proc = start(tmp_path, "-r", f"json:{fifo}", "-r", "junit:r.xml", "d.tstconfig")
    pipe_full(reader, proc)  # the JSON report is written at the end only: it is the end
    proc.send_signal(signum)
    time.sleep(0.2)
    assert proc.poll() is None  # it waits: the report is finished, not lost
    doc = json.loads(read_all(reader))
    os.close(reader)
    _, err = proc.communicate(timeout=15)
    assert proc.returncode == 128 + signum and "Traceback" not in err
    assert doc["run"]["interrupted"] is False and doc["summary"]["passed"] == 401
    props = {p.get("name"): p.get("value") for p in ET.parse(tmp_path / "r.xml").iter("property")}
    assert props["interrupted"] == "false"


def test_no_moment_from_the_reports_opened_to_the_exit_status_is_without_a_handler(tmp_path,
                                                                                   monkeypatch):
    """Between the checks and the reports' end (and after the run, while they are
    committed), SIGTERM once had its default action: the process killed, a temporary
    file left behind. Every call the run makes, from opening the reports to committing
    them, is made with the run's handler in place."""
    from click.testing import CliRunner

    from tstconfig_core import cli
    (tmp_path / "d.tstconfig").write_text("command echo a\nproperty a\nassert_defined\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TSTCONFIG_DISABLE_PLUGINS", third_party_plugins())
    core = str(Path(cli.__file__).parent)
    calls: list[tuple[str, object, object, object]] = []

    def profile(frame, event, _arg):
        if event == "call" and frame.f_code.co_filename.startswith(core):
            calls.append((frame.f_code.co_name, signal.getsignal(signal.SIGTERM),
                          signal.getsignal(signal.SIGHUP), signal.getsignal(signal.SIGINT)))

    sys.setprofile(profile)
    try:
        result = CliRunner().invoke(cli.main, ["-r", "json:r.json", "d.tstconfig"])
    finally:
        sys.setprofile(None)
    assert result.exit_code == 0, result.output
    names = [name for name, *_ in calls]
    first, last = names.index("plan_targets"), len(names) - 1 - names[::-1].index("finish")
    defaults = (signal.SIG_DFL, signal.default_int_handler)
    unguarded = [name for name, *handlers in calls[first:last + 1]
                 if any(h in defaults for h in handlers)]
    assert unguarded == []
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # and all put back after


def test_a_signal_at_any_moment_never_leaves_a_temporary_file_or_a_broken_report(tmp_path):
    """SIGTERM at random moments, from the reports' opening to the process's end."""
    import random
    import threading
    checks = "".join("property a\nassert_defined\n" for _ in range(300))
    (tmp_path / "d.tstconfig").write_text("command echo a\n" + checks)
    fifo = tmp_path / "tap.fifo"
    os.mkfifo(fifo)
    for attempt in range(12):
        for old in tmp_path.glob("r.*"):
            old.unlink()
        proc = start(tmp_path, "-r", "json:r.json", "-r", "junit:r.xml", "-r", f"tap:{fifo}",
                     "d.tstconfig")
        with open(fifo, "rb") as tap:  # opens when tstconfig does: its handlers are in place
            drain = threading.Thread(target=tap.read)
            drain.start()
            time.sleep(random.uniform(0, 0.4))
            proc.send_signal(signal.SIGTERM)
            proc.communicate(timeout=15)
            drain.join(15)
        assert not list(tmp_path.glob(".tstconfig-*")), attempt
        assert proc.returncode in (143, -signal.SIGTERM, 0), (attempt, proc.returncode)
        if proc.returncode != 143:  # after the handler was put back, or the end: all done
            assert not validate_json(tmp_path / "r.json")["run"]["interrupted"]
        elif (tmp_path / "r.json").exists():
            validate_json(tmp_path / "r.json")
            ET.parse(tmp_path / "r.xml")
