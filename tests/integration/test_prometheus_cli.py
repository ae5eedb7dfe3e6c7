"""``-r prometheus:PATH`` through the real CLI, as a cron job for node_exporter's textfile
collector runs it: what the report says of real definition files (checked against the
JSON report of the same run), and that the folder only ever holds the last whole
``*.prom`` file."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from conftest import third_party_plugins, tstconfig

FAILING = ('command printf "a 1\\nb 2\\n"\nparse_mode tokenized\n'
           "property a\nassert_eq 1\nproperty b\nassert_eq 3\n")
PASSING = 'command printf "c 3\\n"\nparse_mode tokenized\nproperty c\nassert_eq 3\n'


def metrics(path: Path) -> dict[str, list[tuple[dict[str, str], float]]]:
    """Each family's samples, read with prometheus_client's parser."""
    text = path.read_text(encoding="utf-8")
    return {family.name: [(sample.labels, sample.value) for sample in family.samples]
            for family in text_string_to_metric_families(text)}


def value(found: dict, name: str, **labels: str) -> float:
    matching = [v for got, v in found[name] if all(got[k] == v2 for k, v2 in labels.items())]
    assert len(matching) == 1, (name, labels, found[name])
    return matching[0]


def checks(tmp_path: Path, **files: str) -> Path:
    folder = tmp_path / "checks"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.tstconfig").write_text(text, encoding="utf-8")
    return folder


def test_a_real_run_agrees_with_its_json_report(tmp_path):
    checks(tmp_path, a=FAILING, b=PASSING)
    prom = tmp_path / "textfile" / "tstconfig.prom"
    started = time.time()
    result = tstconfig("-q", "-r", f"prometheus:{prom}", "-r", "json:r.json", "checks/",
                       cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    doc = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    found = metrics(prom)
    host = doc["run"]["host"]
    for file in doc["files"]:
        for outcome in ("passed", "failed", "waived", "not_run"):
            expected = sum(r["file"] == file and r["outcome"] == outcome
                           for r in doc["results"])
            assert value(found, "tstconfig_checks", host=host, file=file,
                         outcome=outcome) == expected
        assert value(found, "tstconfig_errors", host=host, file=file) == 0
    for r in doc["results"]:
        for outcome in ("passed", "failed", "waived", "not_run"):
            assert value(found, "tstconfig_check_outcome", host=host, file=r["file"],
                         id=r["id"], outcome=outcome) == (outcome == r["outcome"])
    failing = [r["id"] for r in doc["results"] if r["outcome"] == "failed"]
    assert failing == ['checks/a.tstconfig::command printf "a 1\\nb 2\\n"::b assert_eq 3']
    assert value(found, "tstconfig_run_passed") == 0
    assert value(found, "tstconfig_run_interrupted") == 0
    assert value(found, "tstconfig_build_info", version=doc["run"]["version"]) == 1
    assert value(found, "tstconfig_run_duration_seconds") == doc["run"]["duration"]
    assert started - 1 < value(found, "tstconfig_last_run_timestamp_seconds") < time.time()


def test_the_folder_holds_only_the_last_whole_prom_file(tmp_path):
    """node_exporter reads every ``*.prom``: during a run there is only the previous
    report, whole; after it, only the new one, renamed over it."""
    pidfile = tmp_path / "child.pid"
    checks(tmp_path, a=PASSING)
    folder = tmp_path / "textfile"
    prom = folder / "tstconfig.prom"
    first = tstconfig("-r", f"prometheus:{prom}", "checks/", cwd=tmp_path)
    assert first.returncode == 0 and value(metrics(prom), "tstconfig_run_passed") == 1
    before, inode = prom.read_text(encoding="utf-8"), prom.stat().st_ino
    checks(tmp_path, a=FAILING, b=f'command sh -c "echo $$ > {pidfile}; sleep 1"\n'
           "exit_status\nassert_eq 0\n")
    proc = subprocess.Popen([sys.executable, "-m", "tstconfig_core", "-r",
                             f"prometheus:{prom}", "checks/"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ,
                                     TSTCONFIG_DISABLE_PLUGINS=third_party_plugins()))
    wait_for(pidfile)
    assert sorted(p.name for p in folder.glob("*.prom")) == ["tstconfig.prom"]
    assert prom.read_text(encoding="utf-8") == before  # mid-run: still the last report
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 1, err
    assert [p.name for p in folder.iterdir()] == ["tstconfig.prom"]  # no temporary left
    assert prom.stat().st_ino != inode  # replaced by a rename, not written in place
    found = metrics(prom)
    assert value(found, "tstconfig_run_passed") == 0
    assert value(found, "tstconfig_checks", file="checks/a.tstconfig", outcome="failed") == 1


def test_an_interrupted_run_says_so(tmp_path):
    pidfile = tmp_path / "child.pid"
    checks(tmp_path, a=PASSING + f'command sh -c "echo $$ > {pidfile}; sleep 30"\n'
           "exit_status\nassert_eq 0\n")
    proc = subprocess.Popen([sys.executable, "-m", "tstconfig_core", "-r",
                             "prometheus:r.prom", "checks/"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ,
                                     TSTCONFIG_DISABLE_PLUGINS=third_party_plugins()))
    wait_for(pidfile)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=15)
    assert proc.returncode == 128 + signal.SIGTERM and "Traceback" not in err
    text = (tmp_path / "r.prom").read_text(encoding="utf-8")
    assert "# the run was interrupted" in text
    found = metrics(tmp_path / "r.prom")
    assert value(found, "tstconfig_run_interrupted") == 1
    assert value(found, "tstconfig_run_passed") == 0
    assert value(found, "tstconfig_checks", outcome="passed") == 1


def test_a_sensitive_value_is_not_in_the_report(tmp_path):
    secret = "Sup3r-S3cret-value"
    (tmp_path / "shadow").write_text(f"root {secret}\n", encoding="utf-8")
    checks(tmp_path, s="file shadow\nsensitive\nproperty root\nassert_eq nope\n")
    result = tstconfig("-r", "prometheus:r.prom", "-r", "json:r.json", "checks/",
                       cwd=tmp_path)
    assert result.returncode == 1 and secret not in result.stdout
    doc = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert doc["results"][0]["sensitive"] is True
    text = (tmp_path / "r.prom").read_text(encoding="utf-8")
    assert secret not in text
    assert value(metrics(tmp_path / "r.prom"), "tstconfig_check_outcome",
                 id=doc["results"][0]["id"], outcome="failed") == 1


def test_hostile_file_names_and_check_names_round_trip(tmp_path):
    name = 'we"ird\\{a=b,c}\u00e9\nline 2'
    checks(tmp_path, **{name: f'{PASSING}name say "hi", {{x=y}} \\ \u6f22\nassert_eq 3\n'})
    result = tstconfig("-r", "prometheus:r.prom", "-r", "json:r.json", "checks/",
                       cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    doc = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    found = metrics(tmp_path / "r.prom")
    assert [labels["file"] for labels, _ in found["tstconfig_errors"]] == doc["files"]
    assert doc["files"] == [f"checks/{name}.tstconfig"]
    ids = {labels["id"] for labels, v in found["tstconfig_check_outcome"] if v == 1}
    assert ids == {r["id"] for r in doc["results"]}
    assert any(i.endswith('::say hi, {x=y} \\ \u6f22') for i in ids), ids


def test_a_run_that_cannot_write_keeps_the_last_good_file(tmp_path):
    """A full file system: the report is lost, the previous one stays, whole."""
    prefix = ["unshare", "-m"] if os.geteuid() == 0 else ["unshare", "-rm"]
    probe = subprocess.run([*prefix, "sh", "-c", "mount -t tmpfs none /mnt"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs in a private namespace: {probe.stderr.strip()}")
    checks(tmp_path, a=PASSING)
    disk = tmp_path / "disk"
    disk.mkdir()
    script = ('mount -t tmpfs -o size=64k none "$0" && echo "tstconfig_run_passed 1" > '
              '"$0/tstconfig.prom" && { cat /dev/zero > "$0/fill" 2>/dev/null; "$@"; '
              'echo "status=$?"; cat "$0/tstconfig.prom"; ls -a "$0"; }')
    result = subprocess.run(
        [*prefix, "sh", "-c", script, str(disk), sys.executable, "-m", "tstconfig_core",
         "-r", f"prometheus:{disk}/tstconfig.prom", "checks/"], cwd=tmp_path,
        capture_output=True, text=True, timeout=60,
        env=dict(os.environ, TSTCONFIG_DISABLE_PLUGINS=third_party_plugins()))
    assert "status=2" in result.stdout, result
    assert "\ntstconfig_run_passed 1\n" in result.stdout  # the last good one, unchanged
    assert ".tstconfig-" not in result.stdout and "Traceback" not in result.stderr
    assert f"cannot write the prometheus report to {disk}/tstconfig.prom" in result.stderr


def wait_for(path: Path) -> None:
    deadline = time.monotonic() + 10
    while not (path.exists() and path.read_text().strip()):
        assert time.monotonic() < deadline, f"{path} never came"
        time.sleep(0.05)
