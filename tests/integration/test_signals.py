"""Signals stop a run as Ctrl-C does, and never lose or corrupt a report."""
from __future__ import annotations

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
from tstconfig_core.signals import Stopped, signals_deferred


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
    with signals_deferred() as caught:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.01)
        assert caught == [signal.SIGTERM]
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.01)
    with pytest.raises(Stopped):
        with signals_deferred():
            os.kill(os.getpid(), signal.SIGHUP)
            os.kill(os.getpid(), signal.SIGHUP)
            time.sleep(0.01)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
