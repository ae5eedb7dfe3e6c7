"""The ``gitlab-codequality`` reporter: validated against a schema written from GitLab's
documented Code Quality format, on hand-built fleet and local runs; fingerprints unique
in a report and the same on every run."""
from __future__ import annotations

import json
import re

import jsonschema
import pytest

from annotations import SCHEMA
from fleetevents import BANNER, FILE, T0, WAIVER, check, local_stream, reports, stream
from tstconfig_core.api import (FAILED, NOT_RUN, PASSED, ErrorEvent, FileFinished, FileStarted,
                                RunFinished, RunStarted, Summary, WarningEvent)

@pytest.fixture(autouse=True)
def _outside_ci(monkeypatch):
    """Paths as named, unless a test sets the project (these tests may run in CI)."""
    monkeypatch.delenv("CI_PROJECT_DIR", raising=False)


def codequality(events) -> list[dict]:
    issues = json.loads(reports(events, names=("gitlab-codequality",))["gitlab-codequality"])
    jsonschema.Draft202012Validator(SCHEMA).validate(issues)
    return issues


def _run(*events) -> list:
    total = Summary()
    for event in events:
        total.count(event)
    return [RunStarted("1.0", "h", T0), *events, RunFinished(total, 0.5)]


def test_schema_rejects_what_gitlab_would_not_read():
    """The schema can fail: each documented requirement, broken once."""
    good = {"description": "d", "check_name": "c", "fingerprint": "f", "severity": "major",
            "location": {"path": "a.tstconfig", "lines": {"begin": 1}}}
    validator = jsonschema.Draft202012Validator(SCHEMA)
    assert validator.is_valid([good])
    for broken in ({**good, "severity": "error"}, {**good, "location": {"path": "a"}},
                   {k: v for k, v in good.items() if k != "fingerprint"},
                   {**good, "location": {"path": "./a", "lines": {"begin": 1}}}):
        assert not validator.is_valid([broken])


def test_the_fleet_run_has_an_issue_per_failure_error_warning_and_waiver():
    issues = codequality(stream())
    assert [(i["severity"], i["location"]["path"], i["location"]["lines"]["begin"],
             i["description"]) for i in issues] == [
        ("critical", "missing.tstconfig", 1, "error: cannot read: No such file or directory"),
        ("info", FILE, 8, f"web1: X11Forwarding assert_eq no: waived ({WAIVER}): "
                          "expected ['no'], got ['yes']"),
        ("minor", FILE, 2, "web2: warning: sshd -T: deprecated option 'UsePrivilegeSeparation'"),
        ("major", FILE, 3, "web2: PermitRootLogin assert_eq no: expected ['no'], got ['yes']"),
        ("major", FILE, 4, "web2: PermitRootLogin assert_ne yes: expected not ['yes'], got "
                           "['yes']"),
        ("major", FILE, 6, "web2: Banner assert_undefined: expected undefined, got "
                           "['<script>alert(\"x\")</script>\\x1b[31m']"),
        # (down: its error, at its address; its not-run checks have no issue)
        ("critical", "ssh://down", 1, "down: error: cannot check down: ssh: connect to host "
                                      "down port 22: Connection refused"),
    ]
    assert issues[3]["check_name"] == ("sshd.tstconfig::file /etc/ssh/sshd_config::"
                                       "PermitRootLogin assert_eq no")
    assert BANNER not in json.dumps(issues, ensure_ascii=False)  # (shown escaped)


def test_fingerprints_are_unique_and_the_same_on_every_run():
    first, second = codequality(stream()), codequality(stream())
    prints = [issue["fingerprint"] for issue in first]
    assert len(set(prints)) == len(prints)
    assert prints == [issue["fingerprint"] for issue in second]


def test_a_check_keeps_its_fingerprint_when_its_line_value_or_outcome_changes():
    def fingerprint_of(line: int, value: str, outcome: str) -> str:
        result = check(line, "PermitRootLogin", (value,), "assert_eq", "no", outcome, "m",
                       waiver=WAIVER if outcome == "waived" else None)
        return codequality(_run(result._replace(host="web2")))[0]["fingerprint"]
    assert fingerprint_of(3, "yes", FAILED) == fingerprint_of(30, "maybe", FAILED) \
        == fingerprint_of(3, "yes", "waived")


def test_the_same_check_on_two_hosts_has_two_fingerprints():
    """Each its own: web2's does not depend on whether web1 was in the run."""
    result = check(3, "PermitRootLogin", ("yes",), "assert_eq", "no", FAILED, "m")
    both = codequality(_run(result._replace(host="web1"), result._replace(host="web2")))
    alone = codequality(_run(result._replace(host="web2")))
    assert both[0]["fingerprint"] != both[1]["fingerprint"] == alone[0]["fingerprint"]


def test_control_characters_from_the_host_are_shown_escaped():
    evil = "\x1b[31m\r\n\x85\u2028"
    issues = codequality(_run(
        check(3, "P", (evil,), "assert_eq", "no", FAILED, f"got {evil}"),
        check(4, "P", (evil,), "assert_eq", "no", "waived", evil, waiver=evil),
        ErrorEvent(FILE, 1, evil, host=evil), WarningEvent(FILE, 2, evil)))
    texts = [issue[key] for issue in issues for key in ("description", "check_name")]
    assert not [text for text in texts if re.search("[\x00-\x1f\x7f-\x9f\u2028]", text)]
    assert issues[0]["description"] == "P assert_eq no: got \\x1b[31m\\r\\n\\x85\\u2028"


def test_the_same_error_twice_has_two_fingerprints_the_same_on_every_run():
    twice = _run(ErrorEvent(FILE, 4, "bad"), ErrorEvent(FILE, 4, "bad"),
                 WarningEvent(FILE, 4, "bad"))
    first = [issue["fingerprint"] for issue in codequality(twice)]
    assert len(set(first)) == 3
    assert first == [issue["fingerprint"] for issue in codequality(twice)]


def test_passed_and_not_run_checks_have_no_issue():
    assert codequality(_run(FileStarted(FILE), check(3, "P", ("no",), "assert_eq", "no", PASSED),
                            check(4, "P", None, "assert_eq", "no", NOT_RUN, "why"),
                            FileFinished(FILE))) == []


def test_a_run_of_one_host_names_no_host():
    issues = codequality(local_stream())
    assert [issue["description"].split(":")[0] for issue in issues] == [
        "warning", "PermitRootLogin assert_eq no", "PermitRootLogin assert_ne yes",
        "Banner assert_undefined"]


def test_an_interrupted_run_says_so_at_the_last_file():
    issues = codequality(stream(finished=False))
    assert issues[-1]["severity"] == "critical" and issues[-1]["location"]["path"] == FILE
    assert issues[-1]["description"].startswith("the run was interrupted")


@pytest.mark.parametrize("named, shown", [
    ("a.tstconfig", "checks/a.tstconfig"), ("./a.tstconfig", "checks/a.tstconfig"),
    ("../../elsewhere/c.tstconfig", "../../elsewhere/c.tstconfig"),
])
def test_the_path_is_relative_to_the_project(tmp_path, monkeypatch, named, shown):
    (tmp_path / "repo" / "checks").mkdir(parents=True)
    monkeypatch.setenv("CI_PROJECT_DIR", str(tmp_path / "repo"))
    monkeypatch.chdir(tmp_path / "repo" / "checks")
    assert codequality(_run(ErrorEvent(named, None, "m")))[0]["location"] == {
        "path": shown, "lines": {"begin": 1}}


def test_without_a_project_the_path_is_as_named_without_dot_slash(monkeypatch):
    monkeypatch.delenv("CI_PROJECT_DIR", raising=False)
    assert codequality(_run(ErrorEvent("./checks/a.tstconfig", 2, "m")))[0]["location"] == {
        "path": "checks/a.tstconfig", "lines": {"begin": 2}}
