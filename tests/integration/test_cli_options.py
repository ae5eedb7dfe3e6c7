"""The options people expect of a checker's command line: -q/-v/-x, colour, progress,
--check, --list-ids, --waivers, --schema, shell completion. Through real processes."""
from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import FIXTURES, third_party_plugins, tstconfig
from reporting import JSON_SCHEMA, SHARED, validate_json

SHARED_CASES = SHARED / "compat" / "cases"

FAILING = 'command printf "a 1\\nb 2\\n"\nproperty a\nassert_eq 1\nproperty b\nassert_eq 3\n'
BLOCK = 'command printf "a 1\\nb 2\\n"'  # the BLOCK part of FAILING's ids
ANSI = "\x1b["


def write(tmp_path: Path, text: str, name: str = "d.tstconfig") -> str:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return name


def env_without_colour_settings() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}


def run_on_terminal(args: list[str], cwd: Path, stdout_tty: bool, stderr_tty: bool,
                    env: dict[str, str] | None = None) -> tuple[str, str, int]:
    """Run tstconfig with standard output and/or error on a pseudo-terminal: (out, err, rc)."""
    master, slave = pty.openpty()
    full_env = dict(env or env_without_colour_settings(), TERM="xterm",
                    TSTCONFIG_DISABLE_PLUGINS=third_party_plugins())
    proc = subprocess.Popen([sys.executable, "-m", "tstconfig_core", *args], cwd=cwd,
                            stdout=slave if stdout_tty else subprocess.PIPE,
                            stderr=slave if stderr_tty else subprocess.PIPE,
                            stdin=subprocess.DEVNULL, env=full_env)
    os.close(slave)
    screen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 0.05)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the terminal's other side is closed
                chunk = b""
            if not chunk and proc.poll() is not None:
                break
            screen += chunk
        elif proc.poll() is not None:
            break
    os.close(master)
    out = b"" if stdout_tty else proc.stdout.read()
    err = b"" if stderr_tty else proc.stderr.read()
    proc.wait(10)
    tty_text = screen.decode("utf-8", "replace")
    return ((tty_text if stdout_tty else out.decode()), (tty_text if stderr_tty else
                                                          err.decode()), proc.returncode)


# -- -q, -v, -x -----------------------------------------------------------------

def test_quiet_prints_only_failures_errors_and_the_summary(tmp_path):
    name = write(tmp_path, 'command sh -c "echo a 1; echo noise >&2"\nproperty a\nassert_eq 2\n'
                           "nosuch\n")
    out = tstconfig("-q", name, cwd=tmp_path).stdout
    assert out.startswith("ASSERTION FAILED\n")
    assert "ERROR: d.tstconfig:4: unknown directive 'nosuch'" in out
    assert "WARN" not in out and "Reading definition file" not in out and "tstconfig 0" not in out
    assert out.endswith("Assertions failed: 1\nErrors: 1\n")


def test_verbose_shows_every_assertion_and_why_a_failure_failed(tmp_path):
    name = write(tmp_path, FAILING + "file missing\nproperty x\nassert_defined\n")
    out = tstconfig("-v", name, cwd=tmp_path).stdout
    assert "PASSED d.tstconfig:3 a assert_eq 1\n" in out
    assert " Reason:    expected ['3'], got ['2']\n At:        d.tstconfig:5\n" \
           f" Id:        d.tstconfig::{BLOCK}::b assert_eq 3\n" in out
    assert "NOT RUN d.tstconfig:8 x assert_defined: its block has no data: cannot read" in out
    assert tstconfig("-q", "-v", name, cwd=tmp_path).returncode == 2  # usage error


def test_exitfirst_stops_at_the_first_failure_and_writes_the_reports(tmp_path):
    marker = tmp_path / "second-ran"
    write(tmp_path, FAILING + "command echo c 3\nproperty c\nassert_eq 3\n", "a.tstconfig")
    write(tmp_path, f"command touch {marker}\nproperty x\nassert_undefined\n", "b.tstconfig")
    result = tstconfig("-x", "-r", "text", "-r", "json:r.json", "-r", "junit:r.xml",
                       "a.tstconfig", "b.tstconfig", cwd=tmp_path)
    assert result.returncode == 1 and not marker.exists()
    assert "Run stopped at the first failure (--exitfirst)" in result.stdout
    doc = validate_json(tmp_path / "r.json")
    assert [r["outcome"] for r in doc["results"]] == ["passed", "failed"]
    assert doc["run"]["stopped"] == "stopped at the first failure (--exitfirst)"
    assert len(ET.parse(tmp_path / "r.xml").getroot().findall(".//testcase")) == 2


def test_exitfirst_stops_at_the_first_error_too(tmp_path):
    marker = tmp_path / "ran"
    name = write(tmp_path, f"nosuch\ncommand touch {marker}\nproperty x\nassert_undefined\n")
    result = tstconfig("--exitfirst", name, cwd=tmp_path)
    assert result.returncode == 2 and not marker.exists()


def test_a_waived_failure_does_not_stop_an_exitfirst_run(tmp_path):
    name = write(tmp_path, FAILING + "command echo c 3\nproperty c\nassert_eq 4\n")
    (tmp_path / "w.toml").write_text('[[waiver]]\npattern = "*::b assert_eq 3"\nreason = "known"\n')
    out = tstconfig("-x", "--waivers", "w.toml", name, cwd=tmp_path).stdout
    assert "WAIVED d.tstconfig:5" in out and "Property:  c" in out


# -- colour and progress ------------------------------------------------------

def test_no_colour_when_piped_and_colour_when_asked(tmp_path):
    name = write(tmp_path, FAILING)
    plain = env_without_colour_settings()
    assert ANSI not in tstconfig(name, cwd=tmp_path, env=plain).stdout
    coloured = tstconfig("--color", "always", name, cwd=tmp_path).stdout
    assert f"{ANSI}31;1mASSERTION FAILED{ANSI}0m" in coloured
    assert f"SUMMARY REPORT: {ANSI}31;1mFAIL{ANSI}0m" in coloured
    assert ANSI in tstconfig(name, cwd=tmp_path, env={"FORCE_COLOR": "1"}).stdout
    assert ANSI not in tstconfig(name, cwd=tmp_path, env={"FORCE_COLOR": "1",
                                                         "NO_COLOR": "1"}).stdout
    assert ANSI in tstconfig("--color", "always", name, cwd=tmp_path,
                             env={"NO_COLOR": "1"}).stdout  # the option wins
    # a report file never has colour, whatever is asked
    tstconfig("--color", "always", "-r", "text:r.txt", name, cwd=tmp_path)
    assert ANSI not in (tmp_path / "r.txt").read_text()


def test_colour_on_a_terminal_and_never_with_no_color(tmp_path):
    name = write(tmp_path, FAILING)
    out, _, rc = run_on_terminal([name], tmp_path, stdout_tty=True, stderr_tty=False)
    assert rc == 1 and f"{ANSI}31;1mASSERTION FAILED" in out
    out, _, _ = run_on_terminal(["--color", "never", name], tmp_path, True, False)
    assert ANSI not in out
    out, _, _ = run_on_terminal([name], tmp_path, True, False,
                                env=dict(env_without_colour_settings(), NO_COLOR="1"))
    assert ANSI not in out


def test_progress_on_a_terminal_in_a_long_run_and_never_in_a_report(tmp_path):
    name = write(tmp_path, "command sleep 1.3\nexit_status\nassert_eq 0\n"
                           + FAILING * 3)
    out, err, rc = run_on_terminal(["-r", "text", "-r", "json:r.json", name], tmp_path,
                                   stdout_tty=False, stderr_tty=True)
    assert rc == 1
    assert "\r\x1b[K[1/1] d.tstconfig · " in err and " checks, " in err
    assert err.endswith("\r\x1b[K")  # wiped at the end
    assert "\x1b" not in out and "[1/1]" not in out
    assert "[1/1]" not in (tmp_path / "r.json").read_text()
    # stderr not a terminal: no progress at all
    result = tstconfig(name, cwd=tmp_path)
    assert "[1/1]" not in result.stderr and "\x1b" not in result.stderr


def test_progress_and_report_on_one_terminal_do_not_mix(tmp_path):
    name = write(tmp_path, "command sleep 1.3\nexit_status\nassert_eq 0\n" + FAILING * 2)
    master, slave = pty.openpty()
    try:
        proc = subprocess.run([sys.executable, "-m", "tstconfig_core", name], cwd=tmp_path,
                              stdout=slave, stderr=slave, timeout=30,
                              env=dict(env_without_colour_settings(), TERM="xterm",
                                       TSTCONFIG_DISABLE_PLUGINS=third_party_plugins()))
        screen = b""
        while select.select([master], [], [], 0.2)[0]:
            screen += os.read(master, 65536)
    finally:
        os.close(slave)
        os.close(master)
    text = screen.decode()
    assert proc.returncode == 1 and "[1/1]" in text
    # What the screen shows: "\r\x1b[K" wipes the line. No progress may be left on it,
    # and the report must read exactly as it does through a pipe.
    import re
    shown = [line.split("\r\x1b[K")[-1] for line in text.replace("\r\n", "\n").split("\n")]
    shown_text = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(shown))
    assert "[1/1]" not in shown_text
    assert shown_text == tstconfig(name, cwd=tmp_path).stdout


# -- --check and --list-ids ---------------------------------------------------

def test_check_validates_without_reading_or_running_anything(tmp_path):
    marker = tmp_path / "ran"
    name = write(tmp_path, f"""\
command touch {marker}
property a
assert_eq 1
file /nonexistent/file
property b
assert_matches (unclosed
assert_count many
assert_gt ten
assert_version_ge not-a-version
skip_header_lines x
prperty c
parse_mode nosuch
command echo
syntax nosuch
command echo
parse_mode keyvalue
positions 0 4
section_header_pattern (
assert_nosuch 1
""")
    result = tstconfig("--check", name, cwd=tmp_path)
    assert result.returncode == 2 and not marker.exists()
    lines = [line.split(": ", 2)[1] for line in result.stdout.splitlines()
             if line.startswith(("ERROR", "WARN"))]
    assert lines == ["d.tstconfig:6", "d.tstconfig:7", "d.tstconfig:8", "d.tstconfig:9",
                     "d.tstconfig:10", "d.tstconfig:11", "d.tstconfig:12", "d.tstconfig:14",
                     "d.tstconfig:18", "d.tstconfig:19", "d.tstconfig:17"]
    assert "WARN: d.tstconfig:17: positions has no effect with parse_mode keyvalue" \
        in result.stdout
    assert "did you mean 'property'?" in result.stdout
    assert result.stdout.splitlines()[-1].startswith(
        "FAIL: 1 definition file(s) checked, 5 assertion(s), 10 error(s), 1 warning(s)")


def test_check_passes_valid_definitions_without_running_them(tmp_path):
    marker = tmp_path / "ran"
    name = write(tmp_path, f"command touch {marker}\nproperty a\nassert_eq 1\n")
    result = tstconfig("--check", name, cwd=tmp_path)
    assert result.returncode == 0 and not marker.exists()
    assert result.stdout.startswith("OK: 1 definition file(s) checked, 1 assertion(s), 0 "
                                    "error(s)")
    examples = sorted(str(p) for p in (FIXTURES.parents[1] / "examples").glob("*.tstconfig"))
    assert tstconfig("--check", *examples).returncode == 0


def every_case() -> list[tuple[Path, str]]:
    cases = [(FIXTURES, f"cases/{p.name}") for p in sorted((FIXTURES / "cases").glob(
        "*.tstconfig"))]
    return cases + [(SHARED_CASES.parent, f"cases/{p.name}")
                    for p in sorted(SHARED_CASES.glob("*.tstconfig"))]


@pytest.mark.parametrize("folder, case", every_case(), ids=lambda x: str(x).split("/")[-1])
def test_list_ids_gives_the_ids_a_run_reports(folder, case, tmp_path):
    import shutil
    work = tmp_path / "w"
    shutil.copytree(folder, work, symlinks=True)
    listed = tstconfig("--list-ids", case, cwd=work)
    assert "Traceback" not in listed.stderr
    run = tstconfig("-r", f"json:{tmp_path}/r.json", case, cwd=work,
                    env={"TSTCONFIG_PROC_ROOT": str(work / "proc" / "seed")}
                    if (work / "proc" / "seed").is_dir() else None)
    assert "Traceback" not in run.stderr
    ran = [r["id"] for r in validate_json(tmp_path / "r.json")["results"]]
    assert listed.stdout.splitlines() == ran and ran


# -- waivers ----------------------------------------------------------------

WAIVERS = """\
[[waiver]]
id = 'd.tstconfig::command printf "a 1\\nb 2\\n"::b assert_eq 3'
reason = "b is 2 until OPS-42 is done"
owner = "ops"
expires = 2999-12-31

[[waiver]]
pattern = "d.tstconfig::*::c *"
reason = "c is known to be off"

[[waiver]]
pattern = "d.tstconfig::*::a assert_eq 1"
reason = "passes anyway"

[[waiver]]
pattern = "d.tstconfig::gone::*"
reason = "nothing left to match"

[[waiver]]
id = "d.tstconfig::command echo d 4::d assert_eq 5"
reason = "too late"
expires = 2020-01-31
"""


def test_waived_failures_are_skipped_with_their_reason_in_every_report(tmp_path):
    name = write(tmp_path, FAILING + "command echo c 3\nproperty c\nassert_eq 4\n")
    (tmp_path / "w.toml").write_text(WAIVERS)
    result = tstconfig("--waivers", "w.toml", "-r", "text", "-r", "json:r.json",
                       "-r", "junit:r.xml", "-r", "tap:r.tap", name, cwd=tmp_path)
    assert result.returncode == 0, result.stdout  # every failure waived: the run passes
    assert "WAIVED d.tstconfig:5 b assert_eq 3: b is 2 until OPS-42 is done (owner: ops, " \
           "until 2999-12-31)" in result.stdout
    assert "SUMMARY REPORT: PASS\nAssertions tested: 3\nAssertions passed: 1\n" \
           "Assertions failed: 0\nAssertions waived: 2\n" in result.stdout
    assert "WARN: w.toml:15: the waiver of pattern 'd.tstconfig::gone::*' matches no check" \
        in result.stdout
    assert "WARN: w.toml:19: the waiver of id 'd.tstconfig::command echo d 4::d assert_eq 5' " \
           "expired on 2020-01-31" in result.stdout
    doc = validate_json(tmp_path / "r.json")
    assert [(r["outcome"], r["waiver"]) for r in doc["results"]] == [
        ("passed", None),
        ("waived", "b is 2 until OPS-42 is done (owner: ops, until 2999-12-31)"),
        ("waived", "c is known to be off")]
    skipped = ET.parse(tmp_path / "r.xml").getroot().findall(".//skipped")
    assert [s.get("message") for s in skipped] == [
        "waived: b is 2 until OPS-42 is done (owner: ops, until 2999-12-31)",
        "waived: c is known to be off"]
    tap = (tmp_path / "r.tap").read_text()
    assert "ok 3 - d.tstconfig::command echo c 3::c assert_eq 4 # SKIP waived: c is known " \
           "to be off\n" in tap


def test_an_expired_waiver_fails_the_run_as_before(tmp_path):
    name = write(tmp_path, "command echo d 4\nproperty d\nassert_eq 5\n")
    (tmp_path / "w.toml").write_text(WAIVERS)
    result = tstconfig("--waivers", "w.toml", "-r", "json", name, cwd=tmp_path)
    assert result.returncode == 1
    (failed,) = json.loads(result.stdout)["results"]
    assert failed["outcome"] == "failed" and "expired on 2020-01-31" in failed["message"]


def test_a_bad_waivers_file_is_a_usage_error_before_anything_runs(tmp_path):
    marker = tmp_path / "ran"
    name = write(tmp_path, f"command touch {marker}\nproperty a\nassert_undefined\n")
    (tmp_path / "w.toml").write_text('[[waiver]]\nid = "x"\n\n[[waiver]]\nid = "y"\n')
    result = tstconfig("--waivers", "w.toml", name, cwd=tmp_path)
    assert result.returncode == 2 and not marker.exists() and "Traceback" not in result.stderr
    assert "w.toml:1: a waiver needs reason" in result.stderr
    result = tstconfig("--waivers", "missing.toml", name, cwd=tmp_path)
    assert result.returncode == 2 and "missing.toml: cannot read it" in result.stderr


# -- --schema, completion, usage ----------------------------------------------

def test_schema_prints_the_json_reports_schema():
    result = tstconfig("--schema", "json")
    assert result.returncode == 0
    assert result.stdout == JSON_SCHEMA.read_text(encoding="utf-8")
    import jsonschema
    jsonschema.Draft202012Validator.check_schema(json.loads(result.stdout))


def test_the_shell_completes_reporter_names():
    script = Path(sys.executable).parent / "tstconfig"  # (completion keys on the program name)
    env = dict(os.environ, _TSTCONFIG_COMPLETE="bash_complete", COMP_WORDS="tstconfig -r ju",
               COMP_CWORD="2")
    result = subprocess.run([script], env=env, capture_output=True, text=True, timeout=30)
    assert result.stdout.split() == ["plain,junit", "plain,junit:"]
    env = dict(os.environ, _TSTCONFIG_COMPLETE="bash_source")
    result = subprocess.run([script], env=env, capture_output=True, text=True, timeout=30)
    assert "_tstconfig_completion" in result.stdout


@pytest.mark.parametrize("args", [["--check", "--list-ids"], ["--check", "-r", "json"],
                                  ["--list-ids", "--inspect"]])
def test_modes_that_cannot_be_combined(args, tmp_path):
    name = write(tmp_path, FAILING)
    result = tstconfig(*args, name, cwd=tmp_path)
    assert result.returncode == 2 and "Usage:" in result.stderr


def test_help_describes_the_new_options():
    out = tstconfig("--help").stdout
    for option in ("--quiet", "--verbose", "--exitfirst", "--color", "--waivers", "--check",
                   "--list-ids", "--schema", "_TSTCONFIG_COMPLETE", "FILE::BLOCK::CHECK",
                   "'name TEXT'", "not run", "NO_COLOR"):
        assert option in out, option


# -- found by a hostile review ------------------------------------------------

def test_an_exact_waiver_waives_its_check_and_no_other(tmp_path):
    """Ids hold glob characters: a copied id once waived a second failing check too."""
    name = write(tmp_path, "command echo Url http://example.com\nproperty Url\n"
                           "assert_eq https://*\nassert_eq https://example.com\n")
    (tmp_path / "w.toml").write_text(
        '[[waiver]]\nid = "d.tstconfig::command echo Url http://example.com::Url assert_eq '
        'https://*"\nreason = "OPS-1"\n')
    result = tstconfig("--waivers", "w.toml", "-r", "json", name, cwd=tmp_path)
    assert result.returncode == 1
    assert [r["outcome"] for r in json.loads(result.stdout)["results"]] == ["waived", "failed"]


def test_a_hash_in_a_failing_check_never_makes_tap_consumers_pass_it(tmp_path):
    from reporting import prove, tappy
    name = write(tmp_path, "command echo PermitRootLogin yes\nproperty PermitRootLogin\n"
                           "assert_eq no # TODO confirm with ops\nassert_eq no # skip it\n"
                           "assert_eq yes\nassert_eq yes\nfile missing\nproperty x\n"
                           "assert_defined\n")
    tstconfig("-r", "tap13:r.tap", name, cwd=tmp_path)
    # 4 checks (2 fail), an error and the check it leaves not run
    assert tappy(tmp_path / "r.tap") == (6, 3, 1)
    tests, failed, errors, _ = prove(tmp_path / "r.tap")
    assert (tests, failed, errors) == (6, 3, [])


def test_tap_diagnostics_stay_yaml_whatever_the_data(tmp_path):
    from tap.parser import Parser
    (tmp_path / "data").write_text("k a\x7fb\x85c\u2028d\uffff\n", encoding="utf-8")
    name = write(tmp_path, "file data\nparse_mode keyvalue\nkey_separator \" \"\n"
                           "property k\nassert_eq x\n")
    tstconfig("-r", "tap:r.tap", name, cwd=tmp_path)
    (point,) = [line for line in Parser().parse_file(str(tmp_path / "r.tap"))
                if line.category == "test"]
    assert point.yaml_block["value"] == ["a\x7fb\x85c\u2028d\uffff"]


def test_checks_that_differ_only_in_blanks_have_different_names(tmp_path):
    name = write(tmp_path, 'command echo k a\nproperty k\nassert_eq "a  b"\nassert_eq "a b"\n'
                           'assert_eq "a\u00a0b"\n')
    tstconfig("-r", "junit:r.xml", "-r", "tap:r.tap", name, cwd=tmp_path)
    names = [c.get("name") for c in ET.parse(tmp_path / "r.xml").getroot().iter("testcase")]
    assert names == ['k assert_eq "a b"', 'k assert_eq "a b" (2)', 'k assert_eq "a b" (3)']
    points = [line for line in (tmp_path / "r.tap").read_text().splitlines()
              if line.startswith("not ok")]
    assert len(set(points)) == 3


def test_a_definition_name_that_is_not_utf8_loses_no_report(tmp_path):
    bad = os.fsdecode(b"ok\xff.tstconfig")
    (tmp_path / bad).write_text("command echo k v\nproperty k\nassert_eq v\n")
    for args in (["-r", "json:r.json", bad], ["-r", "json", "."], ["-r", "text:r.txt", bad]):
        result = tstconfig(*args, cwd=tmp_path)
        assert result.returncode == 0 and "Traceback" not in result.stderr, args
    assert validate_json(tmp_path / "r.json")["results"][0]["file"] == "ok\\xff.tstconfig"
    assert "Reading definition file: ok\\xff.tstconfig" in (tmp_path / "r.txt").read_text()


def test_a_device_is_not_read_without_end_as_a_definition(tmp_path):
    result = tstconfig("/dev/zero", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "ERROR: /dev/zero: cannot read definition file: larger than 64 MiB" in result.stdout


def test_sensitive_blocks_do_not_leak_names_from_their_data(tmp_path):
    (tmp_path / "data").write_text("NAME SECRETHEADER6\na b\n[SECRETSECTION7]\nk v\n")
    name = write(tmp_path, "file data\nsensitive\nparse_mode table\ncolumns NAME Nope\n"
                           "property a\nassert_defined\n"
                           "file data\nsensitive\nsection_header_pattern \\[(.*)\\]\n"
                           "section SECRETSECTIO\nproperty k\nassert_defined\n")
    for reporter in ("text", "json", "junit", "tap"):
        out = tstconfig("-r", reporter, name, cwd=tmp_path).stdout
        assert "SECRETHEADER6" not in out and "SECRETSECTION7" not in out, reporter
    assert "SECRETHEADER6" not in tstconfig("--inspect", name, cwd=tmp_path).stdout


def test_a_source_line_that_cannot_be_read_starts_a_block_of_its_own(tmp_path):
    """Its `sensitive` once went to the previous block's checks, which showed the value."""
    (tmp_path / "sec.txt").write_text("root TOPSECRET8\npub x\n")
    name = write(tmp_path, 'file sec.txt\nproperty pub\nassert_defined\nfile "pub.txt\n'
                           "sensitive\nproperty root\nassert_eq x\n")
    result = tstconfig("-r", "json", name, cwd=tmp_path)
    assert "TOPSECRET8" not in result.stdout and result.returncode == 2
    doc = json.loads(result.stdout)
    assert [r["outcome"] for r in doc["results"]] == ["passed", "not_run"]
    assert doc["errors"][0]["line"] == 4 and "unterminated" in doc["errors"][0]["message"]


def test_list_ids_and_a_run_agree_past_the_error_cap(tmp_path):
    checks = "".join(f"assert_gt {n}\n" for n in range(205))
    name = write(tmp_path, f"command echo k abc\nproperty k\n{checks}assert_eq wrong\n"
                           "command echo x 1\nproperty x\nassert_eq 1\n")
    listed = tstconfig("--list-ids", name, cwd=tmp_path).stdout.splitlines()
    result = tstconfig("-r", "json", name, cwd=tmp_path)
    doc = json.loads(result.stdout)
    assert [r["id"] for r in doc["results"]] == listed and len(listed) == 207
    assert len(doc["errors"]) == 201 and doc["results"][-1]["outcome"] == "not_run"
    assert "more than 200 errors" in doc["results"][-1]["message"]


def test_list_ids_prints_ids_exactly_as_reports_hold_them(tmp_path):
    name = write(tmp_path, "command echo k v\nproperty k\nassert_eq \x1b[31mred\n"
                           "assert_eq \\x1b[31mred\n")
    listed = tstconfig("--list-ids", name, cwd=tmp_path).stdout.splitlines()
    ran = [r["id"] for r in json.loads(tstconfig("-r", "json", name, cwd=tmp_path).stdout)[
        "results"]]
    assert listed == ran and len(set(ran)) == 2 and "\x1b" not in "".join(ran)


def test_a_file_given_twice_runs_once(tmp_path):
    name = write(tmp_path, FAILING)
    result = tstconfig("-r", "json", name, f"./{name}", cwd=tmp_path)
    doc = json.loads(result.stdout)
    assert len(doc["results"]) == 2 and doc["warnings"][0]["message"] == \
        "given more than once: run once"


def test_check_finds_what_fails_on_every_host(tmp_path):
    name = write(tmp_path, "file\nproperty a\nassert_defined\ncommand\nproperty a\n"
                           "assert_defined\nproc ../etc/passwd\nproperty a\nassert_defined\n"
                           "command echo a\nproperty a\nhash_comment_allowed true\n"
                           "timeout 5\nassert_defined\nfile x\nexit_status\nassert_eq 0\n")
    result = tstconfig("--check", name, cwd=tmp_path)
    errors = [line for line in result.stdout.splitlines() if line.startswith("ERROR")]
    assert [e.split(": ")[1] for e in errors] == [
        "d.tstconfig:1", "d.tstconfig:4", "d.tstconfig:7", "d.tstconfig:12", "d.tstconfig:13",
        "d.tstconfig:16"]
    assert "file needs a path" in errors[0] and "'..' is not allowed" in errors[2]
    assert "comes after this block's data was already read" in errors[3]
    assert "runs no program" in errors[5] and result.returncode == 2
    (tmp_path / "w.toml").write_text("[[waiver]]\n")
    result = tstconfig("--check", "--waivers", "w.toml", write(tmp_path, FAILING, "ok.tstconfig"),
                       cwd=tmp_path)
    assert result.returncode == 2 and "w.toml:1: a waiver needs id" in result.stderr


def test_progress_is_wiped_for_a_text_report_on_the_terminal_by_path(tmp_path):
    name = write(tmp_path, "command sleep 1.3\nexit_status\nassert_eq 0\n" + FAILING)
    _, err, rc = run_on_terminal(["-r", "text:/dev/stderr", "-r", "json:r.json", name],
                                 tmp_path, stdout_tty=False, stderr_tty=True)
    assert rc == 1 and "[1/1]" in err
    assert "errorsASSERTION" not in err and "errors\x1b[31;1mASSERTION" not in err
    out, _, _ = run_on_terminal(["--color", "always", "-r", "text:/dev/stdout", name], tmp_path,
                                stdout_tty=False, stderr_tty=False)
    assert "\x1b[31;1mASSERTION FAILED" in out
