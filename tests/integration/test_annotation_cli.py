"""The ``github`` and ``gitlab-codequality`` reporters through the CLI, as a CI job runs
them: real definition files in a repository (GITHUB_WORKSPACE, CI_PROJECT_DIR), real
commands with hostile output, a waivers file, and a run stopped half way."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import jsonschema

from annotations import SCHEMA, commands
from conftest import third_party_plugins, tstconfig

CHECKS = """\
# a value that passes, one that fails, a command's standard error, a command that is missing
command printf "Status: active\\nLogging: off\\n"
parse_mode keyvalue
key_separator :
property Status
assert_eq active
property Logging
assert_eq on
command sh -c "echo 'ok: 1'; echo 'careful' >&2"
parse_mode keyvalue
key_separator :
property ok
assert_eq 1
command /nonexistent/program
property x
assert_defined
"""
# Output that tries to end the line and start commands of its own, with an ESC.
HOSTILE = """\
command printf "Banner: x\\r::add-mask::hidden\\033[31m ::stop-commands::t 100%% a,b:c\\n"
parse_mode keyvalue
key_separator :
property Banner
assert_undefined
"""
# The check's id, as --list-ids prints it (the source's text as written in the file).
BANNER_ID = ("checks/hostile.tstconfig::command printf \"Banner: x\\r::add-mask::hidden"
             "\\033[31m ::stop-commands::t 100%% a,b:c\\n\"::Banner assert_undefined")
WAIVERS = f"""\
[[waiver]]
id = {json.dumps(BANNER_ID)}
reason = "OPS-7: the banner goes next week"

[[waiver]]
id = "checks/nothing.tstconfig::no such check"
reason = "matches nothing"
"""
ENV = dict(os.environ, TSTCONFIG_DISABLE_PLUGINS=third_party_plugins())


def _repository(root: Path) -> Path:
    (root / "checks").mkdir(parents=True)
    (root / "checks" / "host.tstconfig").write_text(CHECKS, encoding="utf-8")
    (root / "checks" / "hostile.tstconfig").write_text(HOSTILE, encoding="utf-8")
    (root / "waivers.toml").write_text(WAIVERS, encoding="utf-8")
    return root


def _annotations(root: Path, *args: str):
    env = {"GITHUB_WORKSPACE": str(root), "CI_PROJECT_DIR": str(root)}
    result = tstconfig("-r", "github", "-r", "gitlab-codequality:gl-code-quality-report.json",
                       *args, "checks/", cwd=root, env=env)
    assert "Traceback" not in result.stderr
    issues = json.loads((root / "gl-code-quality-report.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(SCHEMA).validate(issues)
    return result, commands(result.stdout), issues


def test_a_run_annotates_its_definition_lines(tmp_path):
    result, found, issues = _annotations(_repository(tmp_path))
    assert result.returncode == 2  # (the missing program is an error)
    assert [(name, props.get("file"), props.get("line")) for name, props, _ in found] == [
        ("error", "checks/host.tstconfig", "8"),
        ("warning", "checks/host.tstconfig", "9"),
        ("error", "checks/host.tstconfig", "14"),
        ("error", "checks/hostile.tstconfig", "5"),
        ("error", None, None)]
    assert [(i["severity"], i["location"]["path"], i["location"]["lines"]["begin"])
            for i in issues] == [("major", "checks/host.tstconfig", 8),
                                 ("minor", "checks/host.tstconfig", 9),
                                 ("critical", "checks/host.tstconfig", 14),
                                 ("major", "checks/hostile.tstconfig", 5)]
    assert found[-1][2] == ("tstconfig FAIL: tested 4, passed 2, failed 2, waived 0, "
                            "not run 1, errors 1, warnings 1")


def test_hostile_output_and_file_names_start_no_command_and_are_shown(tmp_path):
    root = _repository(tmp_path)
    evil = "f\r::stop-commands::t\n::add-mask::x %25 a,b:c.tstconfig"
    (root / "checks" / evil).write_text("command echo a\nproperty a\nassert_eq b\n",
                                        encoding="utf-8")
    result, found, issues = _annotations(root)
    for line in result.stdout.splitlines():
        assert line.startswith(("::error ", "::warning ", "::notice ")), line
    banner = next(data for _, props, data in found if props.get("line") == "5")
    assert (" Value:     x ::add-mask::hidden\\x1b[31m ::stop-commands::t 100% a,b:c\n"
            in banner)
    shown = "checks/f\\r::stop-commands::t\\n::add-mask::x %25 a,b:c.tstconfig"
    assert [props for _, props, _ in found if props.get("line") == "3"] == [
        {"file": shown, "line": "3", "title": "a assert_eq b"}]
    # (JSON holds any text: GitLab gets the file's own name, to find it in the repository)
    assert [i["location"]["path"] for i in issues if i["location"]["lines"]["begin"] == 3] \
        == [f"checks/{evil}"]
    assert "\x1b" not in result.stdout and "\x1b" not in json.dumps(issues, ensure_ascii=False)


def test_a_waived_failure_is_a_notice_and_a_stale_waiver_a_warning(tmp_path):
    result, found, issues = _annotations(_repository(tmp_path), "--waivers", "waivers.toml")
    waived = [(props, data) for name, props, data in found if name == "notice"]
    assert [props for props, _ in waived] == [{"file": "checks/hostile.tstconfig", "line": "5",
                                               "title": "waived: Banner assert_undefined"}]
    assert " Waiver:    OPS-7: the banner goes next week" in waived[0][1]
    stale = [props for name, props, data in found if name == "warning"
             and "matches no" in data]
    assert [(p["file"], p["line"]) for p in stale] == [("waivers.toml", "5")]
    assert [i["severity"] for i in issues if "OPS-7" in i["description"]] == ["info"]


def test_fingerprints_are_the_same_on_a_second_run(tmp_path):
    root = _repository(tmp_path)
    first = [issue["fingerprint"] for issue in _annotations(root)[2]]
    (root / "checks" / "host.tstconfig").write_text("\n\n" + CHECKS, encoding="utf-8")
    second = _annotations(root)[2]
    assert len(set(first)) == len(first) == 4
    # (the lines moved: the checks keep their fingerprints; the errors and warnings,
    # located by line, do not)
    assert [issue["fingerprint"] for issue in second][0::3] == first[0::3]
    assert [issue["location"]["lines"]["begin"] for issue in second] == [10, 11, 16, 5]


def test_outside_the_workspace_a_file_is_as_named(tmp_path):
    _repository(tmp_path / "repo")
    result = tstconfig("-r", "github", "repo/checks/host.tstconfig", cwd=tmp_path,
                       env={"GITHUB_WORKSPACE": str(tmp_path / "elsewhere")})
    assert {props.get("file") for _, props, _ in commands(result.stdout)} == {
        "repo/checks/host.tstconfig", None}


def test_a_run_stopped_half_way_has_annotated_what_it_saw(tmp_path):
    """Lines are written as their events arrive: the failure is out before the run ends,
    so it stays when the run is killed; after Ctrl-C the summary says interrupted."""
    definition = tmp_path / "slow.tstconfig"
    definition.write_text("command echo a\nproperty a\nassert_eq b\n"
                          "command sleep 30\nexit_status\nassert_eq 0\n", encoding="utf-8")
    for stop in (signal.SIGKILL, signal.SIGINT):
        proc = subprocess.Popen([sys.executable, "-m", "tstconfig_core", "-r", "github",
                                 str(definition)], cwd=tmp_path, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=ENV)
        watchdog = threading.Timer(20, proc.kill)
        watchdog.start()
        try:
            first = proc.stdout.readline()  # (before the run ends: it sleeps 30 s)
            assert commands(first)[0][:2] == ("error", {"file": str(definition), "line": "3",
                                                        "title": "a assert_eq b"})
            proc.send_signal(stop)
            rest, _ = proc.communicate(timeout=10)
        finally:
            watchdog.cancel()
        if stop == signal.SIGKILL:
            assert rest == ""
        else:
            assert proc.returncode == 130
            name, _, data = commands(rest)[-1]
            assert name == "error" and data.endswith("interrupted: the results are incomplete")
