"""Reports stay complete and agree with each other, whatever a plugin or the host does.

Issue 13: an assertion whose explain() is no str; a reporter that breaks when it is
created, configured, or on some event; a value of megabytes that many checks fail on.
The plugins are real: a distribution installed on a PYTHONPATH folder, found through
its entry points as users' are. Every report is read by its real consumer.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import make_dist, tstconfig
from reporting import harness_accepts_tap14, prove, tappy, validate_json, validate_junit

PLUGINS = '''
from tstconfig_core.api import Assertion, Reporter


class Fails(Assertion):
    summary = "fails, and explains itself with what its argument names"

    def check(self, value, args):
        return False

    def explain(self, value, args):
        kind = args[0]
        if kind == "dict":
            return {"why": "a dict"}
        if kind == "none":
            return None
        if kind == "raise":
            raise RuntimeError("explain broke")
        return "a reason of its own"


class Lines(Reporter):
    """A line per event, so that what it got can be counted; breaks where told."""

    summary = "a line per event"
    breaks_on = ""

    def __init__(self, stream):
        super().__init__(stream)
        self.results = 0

    def handle(self, event):
        if type(event).__name__ == "AssertionResult":
            self.results += 1
            if self.breaks_on == "second result" and self.results == 2:
                raise RuntimeError("broke on its second result")
        if type(event).__name__ == "RunFinished" and self.breaks_on == "end":
            self.stream.write("half a report\\n")
            raise ValueError("broke at the end")
        self.stream.write(type(event).__name__ + "\\n")


class OnSecond(Lines):
    breaks_on = "second result"


class AtTheEnd(Lines):
    breaks_on = "end"


class InInit(Reporter):
    def __init__(self, stream):
        raise RuntimeError("cannot start")


class InConfigure(Reporter):
    def configure(self, settings):
        raise KeyError("color")


class Exits(Reporter):
    def on_result(self, result):
        raise SystemExit(3)
'''

ENTRY_POINTS = """\
[tstconfig.assertions]
assert_fails = hostile_reports:Fails

[tstconfig.reporters]
lines = hostile_reports:Lines
on_second = hostile_reports:OnSecond
at_the_end = hostile_reports:AtTheEnd
in_init = hostile_reports:InInit
in_configure = hostile_reports:InConfigure
exits = hostile_reports:Exits
"""

ORIGIN = "(distribution hostile-reports 1.0)"
# The TAP report as the prove here reads it (Debian 12's rejects "TAP version 14").
TAP = "tap" if harness_accepts_tap14() else "tap13"
THREE = "command echo a b\nproperty a\nassert_eq b\nassert_eq c\nassert_defined\n"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    site = tmp_path / "site"
    site.mkdir()
    make_dist(site, "hostile-reports", "1.0", ENTRY_POINTS, {"hostile_reports": PLUGINS})
    return {"PYTHONPATH": str(site), "XDG_CACHE_HOME": str(tmp_path / "cache")}


def run(tmp_path: Path, env: dict[str, str], text: str, *reporters: str,
        args: tuple[str, ...] = ()):
    (tmp_path / "d.tstconfig").write_text(text, encoding="utf-8")
    specs = [a for r in reporters for a in ("-r", r)]
    result = tstconfig(*args, *specs, "-r", "json:r.json", "-r", "junit:r.xml",
                       "-r", f"{TAP}:r.tap", "d.tstconfig", cwd=tmp_path, env=env)
    if "--debug" not in args:
        assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


def consistent(tmp_path: Path) -> dict:
    """The JSON report, after checking that JUnit and TAP (read by their consumers)
    count the same results and errors as it does."""
    doc = validate_json(tmp_path / "r.json")
    s = doc["summary"]
    results = len(doc["results"])
    assert results == s["tested"] + s["not_run"] and len(doc["errors"]) == s["errors"]
    failed = [r for r in doc["results"] if r["outcome"] == "failed"]
    junit = validate_junit(tmp_path / "r.xml")
    assert junit == {"tests": results + s["errors"], "failures": len(failed),
                     "errors": s["errors"], "skipped": s["not_run"] + s["waived"]}
    assert tappy(tmp_path / "r.tap") == (results + s["errors"], len(failed) + s["errors"],
                                         s["not_run"] + s["waived"])
    tests, not_ok, parse_errors, _ = prove(tmp_path / "r.tap")
    assert (tests, not_ok, parse_errors) == (results + s["errors"], len(failed) + s["errors"],
                                             [])
    return doc


# -- an assertion's explain() that breaks its contract --------------------------------

@pytest.mark.parametrize("kind, what", [("dict", "returned dict {'why': 'a dict'}, not a str"),
                                        ("none", "returned NoneType None, not a str"),
                                        ("raise", "RuntimeError: explain broke")])
def test_an_explain_that_is_no_str_is_a_failure_and_an_error_at_its_line(tmp_path, env,
                                                                         kind, what):
    result = run(tmp_path, env, f"command echo a b\nproperty a\nassert_fails {kind}\n"
                                "assert_eq b\n", "text")
    assert result.returncode == 2
    doc = consistent(tmp_path)
    assert [(r["line"], r["outcome"]) for r in doc["results"]] == [(3, "failed"),
                                                                  (4, "passed")]
    # the check failed: it is reported failed, with the reason every assertion has
    assert doc["results"][0]["message"] == "value 'b' does not satisfy " + kind
    [error] = doc["errors"]
    assert error["line"] == 3 and what in error["message"]
    assert "assertion plugin 'assert_fails'" in error["message"] and ORIGIN in error["message"]
    assert f"value 'b' does not satisfy {kind}" not in result.stdout  # (text: not -v)
    assert "ASSERTION FAILED" in result.stdout and "ERROR: d.tstconfig:3:" in result.stdout


def test_an_explain_of_a_sensitive_block_that_breaks_shows_nothing_of_the_value(tmp_path,
                                                                               env):
    (tmp_path / "data").write_text("a SECRET\n")
    result = run(tmp_path, env, f"file {tmp_path}/data\nsensitive\nproperty a\n"
                                "assert_fails raise\n", "text")
    doc = consistent(tmp_path)
    assert doc["results"][0]["outcome"] == "failed" and len(doc["errors"]) == 1
    for report in ("r.json", "r.xml", "r.tap"):
        assert "SECRET" not in (tmp_path / report).read_text()
    assert "SECRET" not in result.stdout + result.stderr


def test_an_explain_that_works_is_the_message(tmp_path, env):
    run(tmp_path, env, "command echo a b\nproperty a\nassert_fails fine\n")
    doc = consistent(tmp_path)
    assert doc["results"][0]["message"] == "a reason of its own" and doc["errors"] == []


# -- a reporter that breaks ---------------------------------------------------------------

def told(result, name: str, when: str) -> str:
    """The one message on standard error about reporter ``name``."""
    lines = [line for line in result.stderr.splitlines()
             if line.startswith(f"tstconfig: the {name} reporter failed {when}: ")]
    assert len(lines) == 1, result.stderr
    assert ORIGIN in lines[0] and "its report" in lines[0]
    return lines[0]


@pytest.mark.parametrize("first", [True, False], ids=["before the others", "after them"])
def test_a_reporter_that_breaks_on_its_second_result_is_dropped(tmp_path, env, first):
    (tmp_path / "lines.txt").write_text("the last good report\n")
    (tmp_path / "d.tstconfig").write_text(THREE)
    specs = ["-r", "on_second:lines.txt"]
    others = ["-r", "json:r.json", "-r", "junit:r.xml", "-r", f"{TAP}:r.tap"]
    result = tstconfig(*(specs + others if first else others + specs), "d.tstconfig",
                       cwd=tmp_path, env=env)
    assert "Traceback" not in result.stderr
    assert result.returncode == 2  # (a failed check: 1; a failed reporter: at least 2)
    line = told(result, "on_second", "on an assertion's result")
    assert "RuntimeError: broke on its second result" in line
    doc = consistent(tmp_path)
    # the other reports are whole, and blame no directive
    assert [r["line"] for r in doc["results"]] == [3, 4, 5] and doc["errors"] == []
    assert doc["summary"]["failed"] == 1
    assert (tmp_path / "lines.txt").read_text() == "the last good report\n"
    assert not list(tmp_path.glob(".tstconfig-*"))


def test_a_broken_reporter_gets_no_further_event(tmp_path, env):
    result = run(tmp_path, env, THREE, "on_second")  # on standard output: it stays
    assert result.returncode == 2
    assert result.stdout == "RunStarted\nFileStarted\nAssertionResult\n"
    consistent(tmp_path)


@pytest.mark.parametrize("name, when, what", [
    ("in_init", "when it was created", "RuntimeError: cannot start"),
    ("in_configure", "when it was configured", "KeyError: 'color'"),
    ("exits", "on an assertion's result", "SystemExit: 3"),
])
def test_a_reporter_that_cannot_start_or_exits_loses_its_report_only(tmp_path, env, name,
                                                                    when, what):
    result = run(tmp_path, env, THREE, f"{name}:{name}.out")
    assert result.returncode == 2
    assert what in told(result, name, when)
    doc = consistent(tmp_path)
    assert len(doc["results"]) == 3 and doc["errors"] == []
    assert not (tmp_path / f"{name}.out").exists() and not list(tmp_path.glob(".tstconfig-*"))


def test_a_reporter_that_breaks_while_writing_its_report_keeps_the_last_good_one(tmp_path,
                                                                              env):
    (tmp_path / "end.txt").write_text("the last good report\n")
    result = run(tmp_path, env, "command echo a b\nproperty a\nassert_eq b\n",
                 "at_the_end:end.txt")
    assert result.returncode == 2  # every check passed, but a report is lost
    told(result, "at_the_end", "on the run's end (when most reports are written)")
    assert (tmp_path / "end.txt").read_text() == "the last good report\n"
    assert consistent(tmp_path)["summary"]["status"] == "PASS"


def test_every_reporter_broken_still_ends_cleanly(tmp_path, env):
    (tmp_path / "d.tstconfig").write_text(THREE)
    result = tstconfig("-r", "in_init", "-r", "in_configure:c.out", "-r", "on_second:s.out",
                       "d.tstconfig", cwd=tmp_path, env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.count("tstconfig: the ") == 3


def test_with_debug_a_broken_reporter_shows_its_traceback(tmp_path, env):
    result = run(tmp_path, env, THREE, "on_second:s.out", args=("--debug",))
    assert result.returncode == 2
    assert "Traceback" in result.stderr and 'raise RuntimeError("broke on its second' in \
        result.stderr
    consistent(tmp_path)


# -- a value of megabytes, failed by many checks ----------------------------------------

MiB = 1024 * 1024
MARKER = re.compile(r"… \[cut: (\d+) characters in all\]")


def test_a_huge_value_is_carried_cut_once_per_result_the_same_in_every_report(tmp_path):
    """1 MiB on one line, 20 checks failing on it: 40 MiB of JSON and TAP before."""
    (tmp_path / "data").write_text("k " + "v" * MiB + "\n")
    checks = "".join(f"assert_eq x{i}\n" for i in range(20))
    (tmp_path / "d.tstconfig").write_text(f"file {tmp_path}/data\nproperty k\n" + checks)
    result = tstconfig("-v", "-r", "text:r.txt", "-r", "json:r.json", "-r", "junit:r.xml",
                       "-r", f"{TAP}:r.tap", "d.tstconfig", cwd=tmp_path)
    assert result.returncode == 1
    sizes = {name: (tmp_path / name).stat().st_size
             for name in ("r.txt", "r.json", "r.xml", "r.tap")}
    assert all(size < 400_000 for size in sizes.values()), sizes
    doc = consistent(tmp_path)
    cut_value = "v" * 4096 + f"… [cut: {MiB} characters in all]"
    for r in doc["results"]:
        assert r["value"] == [cut_value] and r["outcome"] == "failed"
        assert len(r["message"]) < 4096 + 50 and MARKER.search(r["message"])
    for name in ("r.txt", "r.xml", "r.tap"):  # the same value, cut the same, everywhere
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert text.count(cut_value) == 20, name
        assert "v" * 4097 not in text
    xml = ET.parse(tmp_path / "r.xml").getroot()
    assert {f.get("message") for f in xml.iter("failure")} == {
        r["message"] for r in doc["results"]}


def test_a_value_of_many_tokens_is_cut_at_a_token_boundary(tmp_path):
    (tmp_path / "data").write_text("k" + " ab" * 100_000 + "\n")
    (tmp_path / "d.tstconfig").write_text(f"file {tmp_path}/data\nproperty k\nassert_eq x\n")
    tstconfig("-r", "json:r.json", "-r", "junit:r.xml", "-r", f"{TAP}:r.tap", "d.tstconfig",
              cwd=tmp_path)
    value = consistent(tmp_path)["results"][0]["value"]
    assert len(value) == 1366 and value[:-1] == ["ab"] * 1365  # (1365 * 3 = 4095 characters)
    assert value[-1] == "a… [cut: 299999 characters in all]"


def test_a_value_within_the_limit_is_whole(tmp_path):
    (tmp_path / "data").write_text("k " + "v" * 4096 + "\n")
    (tmp_path / "d.tstconfig").write_text(f"file {tmp_path}/data\nproperty k\nassert_eq x\n")
    tstconfig("-r", "json:r.json", "-r", "junit:r.xml", "-r", f"{TAP}:r.tap", "d.tstconfig",
              cwd=tmp_path)
    assert consistent(tmp_path)["results"][0]["value"] == ["v" * 4096]
