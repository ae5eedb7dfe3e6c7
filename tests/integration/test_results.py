"""What each assertion's result says, in every report: stable ids, names, not run,
time, escaped text. Each test reproduces a problem found by trying tstconfig as a
new user would (issue 11) and fails on the code before its fix."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from conftest import tstconfig
from reporting import validate_json, validate_junit

SSHD = """\
file {config}
property PermitRootLogin
assert_eq no
property PasswordAuthentication
assert_eq no
property Port
assert_eq 22
assert_eq 22
"""


def run_json(tmp_path: Path, text: str, *args: str, name: str = "d.tstconfig") -> dict:
    definition = tmp_path / name
    definition.write_text(text, encoding="utf-8")
    report = tmp_path / "r.json"
    result = tstconfig("-r", f"json:{report}", *args, name, cwd=tmp_path)
    assert "Traceback" not in result.stderr
    return validate_json(report)


def test_ids_do_not_change_when_a_line_is_inserted(tmp_path):
    config = tmp_path / "sshd_config"
    config.write_text("PermitRootLogin yes\nPasswordAuthentication no\nPort 22\n")
    before = run_json(tmp_path, SSHD.format(config="sshd_config"))
    edited = SSHD.format(config="sshd_config").replace(
        "property Port", "# a comment\n\nproperty X11Forwarding\nassert_defined\nproperty Port")
    after = run_json(tmp_path, edited)
    ids_before = [r["id"] for r in before["results"]]
    ids_after = {r["id"]: r for r in after["results"]}
    assert ids_before == [
        "d.tstconfig::file sshd_config::PermitRootLogin assert_eq no",
        "d.tstconfig::file sshd_config::PasswordAuthentication assert_eq no",
        "d.tstconfig::file sshd_config::Port assert_eq 22",
        "d.tstconfig::file sshd_config::Port assert_eq 22 (2)",
    ]
    assert set(ids_before) <= set(ids_after)  # every old check kept its id
    # ... while the line, kept in the report, moved
    assert ids_after[ids_before[2]]["line"] == before["results"][2]["line"] + 4


def test_junit_and_tap_names_carry_no_line_number(tmp_path):
    config = tmp_path / "sshd_config"
    config.write_text("PermitRootLogin yes\n")
    (tmp_path / "d.tstconfig").write_text("file sshd_config\nproperty PermitRootLogin\n"
                                          "assert_eq no\n")
    tstconfig("-r", "junit:r.xml", "-r", "tap:r.tap", "d.tstconfig", cwd=tmp_path)
    case = ET.parse(tmp_path / "r.xml").getroot().find(".//testcase")
    assert case.get("name") == "PermitRootLogin assert_eq no"
    assert case.get("classname") == "d.tstconfig [file sshd_config]"
    failure = case.find("failure").text
    assert "at d.tstconfig:3" in failure  # the line is kept in the failure text
    tap = (tmp_path / "r.tap").read_text()
    assert "not ok 1 - d.tstconfig::file sshd_config::PermitRootLogin assert_eq no\n" in tap
    assert "(line" not in tap


def test_name_directive_names_the_block_and_the_next_assertion(tmp_path):
    doc = run_json(tmp_path, """\
command echo PermitRootLogin no
name sshd hardening
property PermitRootLogin
name root cannot log in
assert_eq no
assert_eq no
""")
    assert [(r["id"], r["name"], r["block"]) for r in doc["results"]] == [
        ("d.tstconfig::sshd hardening::root cannot log in", "root cannot log in",
         "sshd hardening"),
        ("d.tstconfig::sshd hardening::PermitRootLogin assert_eq no",
         "PermitRootLogin assert_eq no", "sshd hardening"),
    ]
    assert doc["errors"] == []


def test_name_mistakes_are_located_errors(tmp_path):
    doc = run_json(tmp_path, """\
name too early
command echo a 1
name
name the block
name again
property a
name first
name second
assert_eq 1
name dangling
command echo b 2
""")
    assert [(e["line"], e["message"].split(":")[0].split(";")[0]) for e in doc["errors"]] == [
        (1, "name needs a source first"),
        (3, "name needs a text"),
        (5, "this block is named already ('the block')"),
        (8, "the name at line 7 has no assertion yet"),
        (10, "this name names no assertion"),
    ]
    assert [r["name"] for r in doc["results"]] == ["first"]


def test_assertions_of_an_unreadable_source_are_reported_not_run(tmp_path):
    text = "file missing.conf\nproperty a\nassert_eq 1\nassert_defined\n" \
           "command echo a 1\nproperty a\nassert_eq 1\n"
    doc = run_json(tmp_path, text)
    outcomes = [(r["line"], r["outcome"]) for r in doc["results"]]
    assert outcomes == [(3, "not_run"), (4, "not_run"), (7, "passed")]
    assert "cannot read file 'missing.conf'" in doc["results"][0]["message"]
    assert doc["summary"] | {} == {"status": "FAIL", "tested": 1, "passed": 1, "failed": 0,
                                   "waived": 0, "not_run": 2, "errors": 1, "warnings": 0}
    result = tstconfig("-r", "text", "-r", "junit:r.xml", "-r", "tap:r.tap", "d.tstconfig",
                       cwd=tmp_path)
    assert "Assertions not run: 2\n" in result.stdout
    assert validate_junit(tmp_path / "r.xml") == {"tests": 4, "failures": 0, "errors": 1,
                                                  "skipped": 2}
    skipped = ET.parse(tmp_path / "r.xml").getroot().find(".//skipped")
    assert skipped.get("message").startswith("not run: its block has no data: cannot read")
    tap = (tmp_path / "r.tap").read_text()
    assert re.search(r"^ok 2 - d\.tstconfig::file missing\.conf::a assert_eq 1 # SKIP not run: ",
                     tap, re.MULTILINE)


def test_a_failed_selector_leaves_no_value_to_check(tmp_path):
    doc = run_json(tmp_path, "command echo a 1\nproperty a\nassert_eq 1\n"
                             "file d.tstconfig\nexit_status\nassert_eq 0\n"
                             "property command\nassert_eq echo a 1\n")
    assert [(r["line"], r["outcome"]) for r in doc["results"]] == [
        (3, "passed"), (6, "not_run"), (8, "passed")]
    assert doc["results"][1]["message"] == \
        "the exit_status directive at line 5 selected no value"


def test_an_assertion_that_cannot_check_is_an_error_and_not_run(tmp_path):
    doc = run_json(tmp_path, "command echo a 1\nproperty a\nassert_count x\nassert_eq 1\n")
    assert [(r["outcome"], r["message"][:27]) for r in doc["results"]] == [
        ("not_run", "the check could not be made"), ("passed", "")]
    assert [e["line"] for e in doc["errors"]] == [3]


def test_junit_time_includes_reading_the_source(tmp_path):
    (tmp_path / "d.tstconfig").write_text(
        'command sh -c "sleep 0.6; echo a 1"\nproperty a\nassert_eq 1\nassert_eq 1\n')
    tstconfig("-r", "junit:r.xml", "-r", "json:r.json", "d.tstconfig", cwd=tmp_path)
    suite = ET.parse(tmp_path / "r.xml").getroot().find("testsuite")
    first, second = (float(c.get("time")) for c in suite.findall("testcase"))
    assert first >= 0.6 and second < 0.1
    assert abs(float(suite.get("time")) - (first + second)) < 2e-6
    durations = [r["duration"] for r in validate_json(tmp_path / "r.json")["results"]]
    assert durations[0] >= 0.6


def test_a_long_command_is_shortened_in_classname_and_id_but_whole_in_the_failure(tmp_path):
    long_arg = "x" * 1500
    (tmp_path / "d.tstconfig").write_text(f"command echo a {long_arg}\nproperty a\n"
                                          "assert_eq 1\n")
    tstconfig("-r", "junit:r.xml", "-r", "json:r.json", "d.tstconfig", cwd=tmp_path)
    case = ET.parse(tmp_path / "r.xml").getroot().find(".//testcase")
    assert len(case.get("classname")) < 130
    assert f"echo a {long_arg}" in case.find("failure").text
    (result,) = validate_json(tmp_path / "r.json")["results"]
    assert len(result["id"]) < 160 and result["source"]["target"] == f"echo a {long_arg}"


def test_the_text_report_escapes_control_characters_and_shows_empty_tokens(tmp_path):
    (tmp_path / "data").write_bytes(b"ctl a\x1b[31mred\x07\tb\n"
                                    b"cidr 10.0.0.0/8\n")
    (tmp_path / "d.tstconfig").write_text(
        "file data\nparse_mode keyvalue\nkey_separator \" \"\nignore_empty_tokens false\n"
        "property ctl\nassert_eq x\n"
        "command printf \"p;10.0.0.0/8;;\\n\"\nseparator ;\nignore_empty_tokens false\n"
        "property p\nassert_eq 10.0.0.0/8\n"
        "command printf \"q \\033]0;title\\007\\n\"\nproperty q\nassert_eq x\n")
    result = tstconfig("d.tstconfig", cwd=tmp_path)
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert " Value:     a\\x1b[31mred\\x07 b\n" in result.stdout  # (the tab separates)
    assert ' Value:     10.0.0.0/8 "" ""\n' in result.stdout
    assert " Value:     \\x1b]0;title\\x07\n" in result.stdout
    # JSON keeps the values exactly
    result = tstconfig("-r", "json", "d.tstconfig", cwd=tmp_path)
    values = [r["value"] for r in json.loads(result.stdout)["results"]]
    assert values[1] == ["10.0.0.0/8", "", ""]


def test_errors_and_warnings_are_escaped_too(tmp_path):
    (tmp_path / "d.tstconfig").write_text(
        'command sh -c "printf \'\\033[2J\' >&2; echo a 1"\nproperty a\nassert_eq 1\n'
        "assert_\x1b[31mx\n")
    result = tstconfig("d.tstconfig", cwd=tmp_path)
    assert "\x1b" not in result.stdout
    assert "WARN: d.tstconfig:1: standard error: \\x1b[2J" in result.stdout
    assert "unknown directive 'assert_\\x1b[31mx'" in result.stdout


def test_inspect_and_check_escape_what_they_print(tmp_path):
    (tmp_path / "data").write_bytes(b"a \x1b[31mred\tx\n")
    (tmp_path / "d.tstconfig").write_bytes(b"file data\nseparator \" \"\nproperty a\n"
                                           b"assert_eq x\nnosuch\x1b[2J\n")
    for mode in ("--inspect", "--check", "--list-ids"):
        result = tstconfig(mode, "d.tstconfig", cwd=tmp_path)
        assert "\x1b" not in result.stdout + result.stderr, mode
        assert "unknown directive 'nosuch\\x1b[2J'" in result.stdout + result.stderr, mode
    assert "\\x1b[31mred\\tx" in tstconfig("--inspect", "d.tstconfig", cwd=tmp_path).stdout


def test_a_file_without_assertions_says_it_checks_nothing(tmp_path):
    doc = run_json(tmp_path, "# all commented out\n# command echo a 1\n")
    assert doc["warnings"] == [{"file": "d.tstconfig", "line": None,
                                "message": "no assertion in this file: it checks nothing"}]
