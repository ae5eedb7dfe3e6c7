"""The ``github`` reporter: workflow commands read back with a strict parser of the syntax
GitHub documents (``::NAME K=V,K=V::DATA``, the escapes of actions/toolkit's command.ts),
on hand-built fleet and local runs, and on hostile text."""
from __future__ import annotations

import pytest

from annotations import commands, parse
from fleetevents import (BANNER, FILE, REGISTRY, T0, WAIVER, check, local_stream, reports,
                         stream)
from tstconfig_core.api import (FAILED, PASSED, WAIVED, ErrorEvent, FileFinished, FileStarted,
                                HostFinished, HostStarted, ReportSettings, RunFinished,
                                RunStarted, Summary, WarningEvent)
from tstconfig_core.loading.groups import REPORTERS
from tstconfig_plugins.reporters.github import command



@pytest.fixture(autouse=True)
def _outside_ci(monkeypatch):
    """Paths as named, unless a test sets the workspace (these tests may run in CI)."""
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)


def github(events, names=("github",)) -> str:
    return reports(events, names=names)["github"]


HOSTILE = ["100% sure", "%25 and %0A already", "a\rb", "a\nb", "CR LF\r\n", "key:value",
           "a,b", "::", "x::y", "\n::stop-commands::token", "\r\n::add-mask::secret",
           "::set-output name=x::y", "title=x,file=/etc/passwd", "%", ",:,:%\n\r"]


@pytest.mark.parametrize("text", HOSTILE)
def test_command_round_trips_hostile_text_exactly(text):
    line = command("error", text, file=text, title=text, line=3)
    assert "\n" not in line and "\r" not in line
    assert parse(line) == ("error", {"file": text, "title": text, "line": "3"}, text)


def test_command_leaves_out_empty_properties():
    assert command("warning", "m", file=None, line=None, title="") == "::warning::m"
    assert command("notice", "", title="t") == "::notice title=t::"


def test_the_fleet_run_annotates_failures_errors_warnings_and_waivers():
    found = [(name, props, data.splitlines()[0]) for name, props, data in commands(
        github(stream()))]
    assert found == [
        ("error", {"file": "missing.tstconfig", "title": "tstconfig error"},
         "cannot read: No such file or directory"),
        ("notice", {"file": FILE, "line": "8", "title": "web1: waived: X11Forwarding assert_eq no"},
         " File:      /etc/ssh/sshd_config"),
        ("warning", {"file": FILE, "line": "2", "title": "web2: tstconfig warning"},
         "sshd -T: deprecated option 'UsePrivilegeSeparation'"),
        ("error", {"file": FILE, "line": "3", "title": "web2: PermitRootLogin assert_eq no"},
         " File:      /etc/ssh/sshd_config"),
        ("error", {"file": FILE, "line": "4", "title": "web2: PermitRootLogin assert_ne yes"},
         " File:      /etc/ssh/sshd_config"),
        ("error", {"file": FILE, "line": "6", "title": "web2: Banner assert_undefined"},
         " File:      /etc/ssh/sshd_config"),
        # (down: its error has no file, being its address; its not-run checks no line)
        ("error", {"title": "down: tstconfig error"},
         "cannot check down: ssh: connect to host down port 22: Connection refused"),
        ("error", {"title": "tstconfig summary"},
         "tstconfig FAIL: tested 9, passed 5, failed 3, waived 1, not run 5, errors 2, "
         "warnings 1; hosts 3: 1 passed, 1 failed, 1 not checked"),
    ]


def test_a_failure_says_the_failure_block_why_and_its_id():
    _, _, data = commands(github(stream()))[3]
    assert data == (" File:      /etc/ssh/sshd_config\n"
                    " Property:  PermitRootLogin\n"
                    " Value:     yes\n"
                    " Assertion: assert_eq no\n"
                    " Reason:    expected ['no'], got ['yes']\n"
                    " Id:        sshd.tstconfig::file /etc/ssh/sshd_config::PermitRootLogin "
                    "assert_eq no")


def test_a_waived_failure_is_a_notice_with_its_waiver():
    name, _, data = commands(github(stream()))[1]
    assert name == "notice" and f" Waiver:    {WAIVER}\n" in data


def test_a_run_of_one_host_names_no_host():
    found = commands(github(local_stream()))
    assert [props.get("title") for _, props, _ in found] == [
        "tstconfig warning", "PermitRootLogin assert_eq no", "PermitRootLogin assert_ne yes",
        "Banner assert_undefined", "tstconfig summary"]
    assert found[-1][2] == ("tstconfig FAIL: tested 4, passed 1, failed 3, waived 0, "
                            "not run 1, errors 0, warnings 1")


def test_data_from_the_host_is_shown_escaped():
    """The banner's ESC reaches no stream: it is shown as ``\\x1b``, as in the text report."""
    report = github(stream())
    assert "\x1b" not in report
    banner = [data for _, props, data in commands(report) if "Banner" in props.get("title", "")]
    assert f" Value:     {BANNER[:-5]}\\x1b[31m\n" in banner[0]


def _run(*events) -> list:
    total = Summary()
    for event in events:
        total.count(event)
    return [RunStarted("1.0", "h", T0), *events, RunFinished(total, 0.5)]


INJECTIONS = ["\n::add-mask::hidden", "\r::stop-commands::tok", "\r\n::set-output name=a::b",
              "\x85::error::nel", "\u2028::warning::ls", "\u2029::notice::ps",
              "\x0b::debug::vt", "\x0c::group::ff", "\x1c::endgroup::fs",
              "\x1b[2K::error::erased", "\x00::error::nul"]


@pytest.mark.parametrize("evil", INJECTIONS)
def test_no_text_from_data_can_start_a_command(evil, tmp_path, monkeypatch):
    """A value, a message, a file, a host and a waiver, each holding a line break and a
    command: every line of the report is one of the reporter's own commands."""
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    host = f"web{evil}"
    events = [HostStarted(host, f"ssh://{host}", T0), FileStarted(f"f{evil}.tstconfig", host=host),
              check(3, "Banner", (f"x{evil}",), "assert_eq", "no", FAILED,
                    f"got x{evil}")._replace(file=f"f{evil}.tstconfig", host=host),
              check(4, "Banner", (evil,), "assert_eq", "no", WAIVED, evil,
                    waiver=f"w{evil}")._replace(host=host),
              ErrorEvent(f"e{evil}", 1, f"bad{evil}", host=host),
              WarningEvent(FILE, 2, f"stderr{evil}", host=host),
              ErrorEvent(f"ssh://{host}", None, f"cannot check{evil}", host=host),
              FileFinished(FILE, host=host)]
    summary = Summary()
    for event in events:
        summary.count(event)
    report = github([RunStarted("1.0", "h", T0), *events, HostFinished(host, summary, 0.1),
                     RunFinished(summary, 0.5, stopped=f"stopped{evil}")])
    found = commands(report)
    assert [name for name, _, _ in found] == ["error", "notice", "error", "warning", "error",
                                              "error"]
    for line in report.splitlines():
        assert line.startswith(("::error ", "::warning ", "::notice ")), line
    shown = evil.encode("unicode_escape").decode("ascii")  # (as printable shows them)
    assert found[0][1]["file"] == f"f{shown}.tstconfig" and found[0][1]["title"].startswith(
        f"web{shown}: ")


def test_the_file_is_relative_to_the_workspace(tmp_path, monkeypatch):
    (tmp_path / "repo" / "checks").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "repo")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path / "link"))  # (resolved too)
    monkeypatch.chdir(tmp_path / "repo" / "checks")
    named = ["a.tstconfig", str(tmp_path / "repo" / "checks" / "b.tstconfig"),
             "../../elsewhere/c.tstconfig", "/etc/d.tstconfig", "ssh://web1"]
    report = github(_run(*(ErrorEvent(path, 1, "m") for path in named)))
    assert [props.get("file") for _, props, _ in commands(report)] == [
        "checks/a.tstconfig", "checks/b.tstconfig", "../../elsewhere/c.tstconfig",
        "/etc/d.tstconfig", None, None]


def test_without_a_workspace_the_file_is_as_named(monkeypatch):
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    report = github(_run(ErrorEvent("./checks/a.tstconfig", 4, "m")))
    assert commands(report)[0][1] == {"file": "./checks/a.tstconfig", "line": "4",
                                      "title": "tstconfig error"}


def test_a_run_that_passes_ends_with_a_notice():
    found = commands(github(_run(FileStarted(FILE), check(3, "P", ("no",), "assert_eq", "no",
                                                            PASSED), FileFinished(FILE))))
    assert found == [("notice", {"title": "tstconfig summary"},
                      "tstconfig PASS: tested 1, passed 1, failed 0, waived 0, not run 0, "
                      "errors 0, warnings 0")]


def test_an_interrupted_run_ends_with_an_error_that_says_so():
    name, _, data = commands(github(stream(finished=False)))[-1]
    assert name == "error" and data.endswith(
        "hosts 3: 1 passed, 1 failed, 1 interrupted; interrupted: the results are incomplete")


def test_each_line_is_written_as_its_event_arrives(tmp_path):
    """Streaming: a run killed half way has annotated what it saw. The report is a
    buffered file, read back by its name: a line is there only once it is flushed."""
    path = tmp_path / "github.txt"
    with path.open("w", encoding="utf-8") as out:
        reporter = REGISTRY.instance(REPORTERS, "github")(out)
        reporter.configure(ReportSettings())
        reporter.handle(RunStarted("1.0", "h", T0))
        reporter.handle(FileStarted(FILE))
        assert path.read_text(encoding="utf-8") == ""
        reporter.handle(check(3, "P", ("yes",), "assert_eq", "no", FAILED, "expected"))
        assert [(n, p) for n, p, _ in commands(path.read_text(encoding="utf-8"))] == [
            ("error", {"file": FILE, "line": "3", "title": "P assert_eq no"})]
