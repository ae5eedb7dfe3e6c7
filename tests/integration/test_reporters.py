"""Every reporter on the same runs: consistent counts, valid formats, golden files."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import FIXTURES, case_args, normalized, tstconfig
from reporting import (REQUIRE_SHARED, SHARED, harness_accepts_tap14, need, prove, tappy,
                       validate_json, validate_junit)

CASES = sorted(p.stem for p in (FIXTURES / "cases").glob("*.tstconfig"))
GOLDEN_CASES = ["reporting", "passwd", "commands"]
REPORTS = FIXTURES / "reports"


def text_summary(text: str) -> dict[str, int]:
    def get(label: str) -> int:
        found = re.search(rf"^{label}: (\d+)$", text, re.MULTILINE)
        return int(found.group(1)) if found else 0  # waived and not run: shown when not 0
    return {"tested": get("Assertions tested"), "passed": get("Assertions passed"),
            "failed": get("Assertions failed"), "waived": get("Assertions waived"),
            "not_run": get("Assertions not run"), "errors": get("Errors")}


def run_all_reporters(definition: str, cwd: Path, out: Path, *args: str):
    result = tstconfig(*args, "-r", "text", "-r", f"json:{out}/r.json", "-r", f"junit:{out}/r.xml",
                       "-r", f"tap:{out}/r.tap", "-r", f"tap13:{out}/r13.tap", definition, cwd=cwd)
    assert "Traceback" not in result.stderr
    return result


def check_consistent(result, out: Path) -> dict[str, int]:
    """Every report says the same: text, JSON (schema), JUnit (XSD), TAP (prove, tap.py)."""
    counts = text_summary(result.stdout)
    assert "Assertions tested" in result.stdout
    doc = validate_json(out / "r.json")
    assert {k: doc["summary"][k] for k in counts} == counts
    assert len(doc["results"]) == counts["tested"] + counts["not_run"]
    assert len(doc["errors"]) == counts["errors"]
    ids = [r["id"] for r in doc["results"]]
    assert len(set(ids)) == len(ids)  # stable ids are unique
    skipped = counts["waived"] + counts["not_run"]
    assert validate_junit(out / "r.xml") == {
        "tests": counts["tested"] + counts["not_run"] + counts["errors"],
        "failures": counts["failed"], "errors": counts["errors"], "skipped": skipped}
    points = counts["tested"] + counts["not_run"] + counts["errors"]
    bad = counts["failed"] + counts["errors"]
    tests, failed, parse_errors, status = prove(out / "r13.tap")
    assert (tests, failed, parse_errors) == (points, bad, [])
    assert (status == 0) == (bad == 0)
    tests, failed, parse_errors, _ = prove(out / "r.tap")
    assert (tests, failed) == (points, bad)
    if harness_accepts_tap14():
        assert parse_errors == []
    else:  # only the version line is unknown to Test::Harness < 3.48
        assert parse_errors == ["TAP specified version 14 but we don't know about "
                                "versions later than 13"]
    for tap in ("r.tap", "r13.tap"):
        assert tappy(out / tap) == (points, bad, skipped)
    return counts


@pytest.mark.parametrize("case", CASES)
def test_all_reporters_agree(case, workdir, tmp_path):
    result = run_all_reporters(f"cases/{case}.tstconfig", workdir, tmp_path, *case_args(case))
    check_consistent(result, tmp_path)


def shared_cases() -> list[str]:
    folder = SHARED / "compat" / "cases"
    return sorted(p.stem for p in folder.glob("*.tstconfig")) if folder.is_dir() else ["-"]


@pytest.mark.parametrize("case", shared_cases())
def test_all_reporters_agree_on_conformance_cases(case, tmp_path):
    need((SHARED / "compat" / "cases").is_dir(), REQUIRE_SHARED, f"{SHARED}/compat not found")
    result = run_all_reporters(f"cases/{case}.tstconfig", SHARED / "compat", tmp_path)
    check_consistent(result, tmp_path)


def stable_json(text: str) -> str:
    doc = json.loads(text)
    doc["run"].update(version="VERSION", host="HOST", start_time="TIME", duration=0)
    for r in doc["results"]:
        r["duration"] = 0
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def stable_xml(text: str) -> str:
    text = re.sub(r'(timestamp|hostname|time)="[^"]*"', r'\1="X"', text)
    return re.sub(r'name="tstconfig.version" value="[^"]*"', 'name="tstconfig.version" value="X"',
                  text)


@pytest.mark.parametrize("case", GOLDEN_CASES)
@pytest.mark.parametrize("reporter, suffix, stable", [
    ("json", "json", stable_json), ("junit", "xml", stable_xml), ("tap", "tap", normalized)])
def test_golden_reports(case, reporter, suffix, stable, workdir):
    result = tstconfig("-r", reporter, f"cases/{case}.tstconfig", cwd=workdir)
    got = stable(result.stdout)
    golden = REPORTS / f"{case}.{suffix}"
    if os.environ.get("TSTCONFIG_UPDATE_GOLDEN"):
        golden.write_text(got, encoding="utf-8")
    assert got == golden.read_text(encoding="utf-8")


def test_lists_stay_lists(workdir, tmp_path):
    tstconfig("-r", f"json:{tmp_path}/r.json", "cases/reporting.tstconfig", cwd=workdir)
    results = {tuple(r["property"] or ()) + (r["assertion"], str(r["line"])): r
               for r in validate_json(tmp_path / "r.json")["results"]}
    assert results[("spaced", "assert_eq", "10")]["value"] == ["deny (incoming),", "x"]
    assert results[("split", "assert_eq", "12")]["value"] == ["deny", "(incoming),"]
    assert results[("missing", "assert_undefined", "17")]["value"] is None
    assert results[("empty", "assert_empty", "14")]["value"] == []
    assert results[("ctl", "assert_eq", "8")]["value"] == ["a\x01b\x1b[31mc\x01"]


def test_control_characters_are_escaped_in_junit(workdir, tmp_path):
    tstconfig("-r", f"junit:{tmp_path}/r.xml", "cases/reporting.tstconfig", cwd=workdir)
    text = (tmp_path / "r.xml").read_text(encoding="utf-8")
    assert "\x01" not in text and "\x1b" not in text
    assert "a\\x01b\\x1b[31mc\\x01" in text
    assert "José Müller" in text


def test_readable_names(workdir, tmp_path):
    tstconfig("-r", f"junit:{tmp_path}/r.xml", "-r", f"tap:{tmp_path}/r.tap",
              "cases/reporting.tstconfig", cwd=workdir)
    xml = (tmp_path / "r.xml").read_text(encoding="utf-8")
    assert 'name="missing assert_undefined"' in xml
    assert 'name="section_size assert_eq 6"' in xml
    assert 'classname="cases/reporting.tstconfig [file data/odd.txt]"' in xml
    tap = (tmp_path / "r.tap").read_text(encoding="utf-8")
    assert "ok 10 - cases/reporting.tstconfig::file data/odd.txt::hash assert_starts_with a\uff03\n" \
        in tap
    assert "not ok 14 - error at cases/reporting.tstconfig:27: unknown directive" in tap


def test_exit_status_does_not_depend_on_reporters(workdir, tmp_path):
    statuses = {tstconfig(*args, "cases/fixed.tstconfig", cwd=workdir).returncode
                for args in ([], ["-r", "json"], ["-r", "tap"], ["-r", "junit"],
                             ["-r", "text", "-r", f"json:{tmp_path}/x.json"])}
    assert statuses == {1}


def test_unwritable_targets_are_usage_errors_before_the_run(tmp_path):
    marker = tmp_path / "ran"
    definition = tmp_path / "d.tstconfig"
    definition.write_text(f"command touch {marker}\n")
    for target in (f"{definition}/nodir/r.json", str(tmp_path), "/proc/version/r.json"):
        result = tstconfig("-r", f"json:{target}", str(definition))
        assert result.returncode == 2, target
        assert "Error" in result.stderr and "Traceback" not in result.stderr
    assert not marker.exists()


def _start_long_run(tmp_path: Path, report: Path) -> subprocess.Popen:
    pidfile = tmp_path / "child.pid"
    definition = tmp_path / "d.tstconfig"
    definition.write_text("command echo a\nproperty a\nassert_defined\n"
                          f"command sh -c \"echo $$ > {pidfile}; sleep 30\"\nexit_status\n"
                          "assert_eq 0\n")
    proc = subprocess.Popen([sys.executable, "-m", "tstconfig_core", "-r", "text",
                             "-r", f"json:{report}", str(definition)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 10
    while not (pidfile.exists() and pidfile.read_text().strip()):
        assert time.monotonic() < deadline, "the run did not start"
        time.sleep(0.05)
    return proc


def test_report_is_replaced_only_when_complete(tmp_path):
    report = tmp_path / "report.json"
    report.write_text("last good report\n")
    proc = _start_long_run(tmp_path, report)
    assert report.read_text() == "last good report\n"  # mid-run: untouched
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 130 and "Traceback" not in err
    doc = validate_json(report)
    assert doc["run"]["interrupted"] is True and doc["summary"]["status"] == "FAIL"
    assert doc["summary"]["passed"] == 1
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tstconfig-")] == []


def test_killed_run_keeps_the_last_good_report(tmp_path):
    report = tmp_path / "report.json"
    report.write_text("last good report\n")
    proc = _start_long_run(tmp_path, report)
    proc.kill()
    proc.communicate(timeout=10)
    assert report.read_text() == "last good report\n"
