"""tstconfig under pytest: real pytest subprocesses, with the plugin pytest loads
through tstconfig's ``pytest11`` entry point (nothing is configured to load it)."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import third_party_plugins, tstconfig
from pytests import outcomes, pytest_run
from reporting import JUNIT_XSD, REQUIRE_XSD, need

ROOT = Path(__file__).parents[2]


def ant_junit(path: Path) -> dict[str, int]:
    """Valid against Ant's JUnit schema; its counts, checked against its test cases (the
    time of pytest's suite is the session's, not the sum of its cases')."""
    import xmlschema
    need(JUNIT_XSD.is_file(), REQUIRE_XSD, f"{JUNIT_XSD} not found")
    xmlschema.XMLSchema(str(JUNIT_XSD)).validate(str(path))
    suite, = ET.parse(path).getroot().iter("testsuite")
    cases = suite.findall("testcase")
    totals = {"tests": len(cases)}
    for key, child in (("failures", "failure"), ("errors", "error"), ("skipped", "skipped")):
        totals[key] = sum(c.find(child) is not None for c in cases)
    assert {k: int(suite.get(k)) for k in totals} == totals
    return totals


@pytest.fixture
def checks(tmp_path: Path) -> Path:
    """A project of definition files: passing, failing, erroring, not run, waivable."""
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "ports.tstconfig").write_text(textwrap.dedent("""\
        command echo port 22
        property port
        assert_eq 22
        name ssh-port
        assert_eq 2222

        file /nonexistent/app.conf
        property x
        assert_defined
        assert_undefined

        command echo a <b>
        property a
        assert_eq "<b>"
        assert_bogus 1
        assert_eq c
        """))
    (tmp_path / "checks" / "users.tstconfig").write_text(textwrap.dedent("""\
        file /etc/passwd
        separator :
        property root
        assert_defined
        property nobody-here
        assert_defined
        """))
    (tmp_path / "waivers.toml").write_text(
        '[[waiver]]\nid = "checks/users.tstconfig::file /etc/passwd::nobody-here assert_defined"'
        '\nreason = "being added"\n')
    return tmp_path


PORTS = "checks/ports.tstconfig::"


def test_every_outcome_as_pytest_shows_it(checks):
    done = pytest_run("--tstconfig", "checks", "--tstconfig-waivers", "waivers.toml",
                      cwd=checks)
    assert done.returncode == 1, done.stdout + done.stderr
    assert outcomes(done) == {
        f"{PORTS}command echo port 22::port assert_eq 22": "PASSED",
        f"{PORTS}command echo port 22::ssh-port": "FAILED",
        f"{PORTS}file /nonexistent/app.conf::x assert_defined": "ERROR",
        "checks/ports.tstconfig:10": "SKIPPED",
        f"{PORTS}command echo a <b>::a assert_eq <b>": "PASSED",
        f"{PORTS}command echo a <b>::a assert_eq c": "ERROR",
        "checks/users.tstconfig::file /etc/passwd::root assert_defined": "PASSED",
        "checks/users.tstconfig::file /etc/passwd::nobody-here assert_defined": "XFAIL",
    }, done.stdout
    # a failure is the 0.3 failure block, with why and where
    assert ("ASSERTION FAILED\n Command:   echo port 22\n Property:  port\n Value:     22\n"
            " Assertion: assert_eq 2222\n Reason:    expected ['2222'], got ['22']\n"
            " At:        checks/ports.tstconfig:5\n") in done.stdout
    # an error says FILE:LINE and what is wrong, on the assertion it concerns
    assert ("ERROR: checks/ports.tstconfig:7: cannot read file '/nonexistent/app.conf': "
            "No such file or directory") in done.stdout
    assert "ERROR: checks/ports.tstconfig:15: unknown directive 'assert_bogus'" in done.stdout
    assert ("SKIPPED [1] checks/ports.tstconfig:10: not run: its block has no data: cannot "
            "read file '/nonexistent/app.conf'") in done.stdout
    assert "XFAIL checks/users.tstconfig::file /etc/passwd::nobody-here assert_defined - " \
           "waived: being added" in done.stdout
    assert "Traceback" not in done.stdout
    assert "1 failed, 3 passed, 1 skipped, 1 xfailed, 2 errors in" in done.stdout, done.stdout


def test_node_ids_are_the_stable_ids(checks):
    done = pytest_run("--tstconfig", "checks", "--collect-only", "-q", cwd=checks)
    collected = [line for line in done.stdout.splitlines() if "::" in line]
    listed = tstconfig("--list-ids", "checks/ports.tstconfig", "checks/users.tstconfig",
                       cwd=checks)
    assert collected == listed.stdout.splitlines()


def test_k_selects_and_x_stops(checks):
    done = pytest_run("--tstconfig", "checks", "-k", "ssh-port or root", cwd=checks)
    assert done.returncode == 1
    assert outcomes(done) == {f"{PORTS}command echo port 22::ssh-port": "FAILED",
                              "checks/users.tstconfig::file /etc/passwd::root assert_defined":
                                  "PASSED"}
    assert "6 deselected" in done.stdout
    first = pytest_run("--tstconfig", "checks", "-x", cwd=checks)
    assert first.returncode == 1
    assert outcomes(first) == {f"{PORTS}command echo port 22::port assert_eq 22": "PASSED",
                               f"{PORTS}command echo port 22::ssh-port": "FAILED"}
    assert "stopping after 1 failures" in first.stdout


def test_not_collected_unless_asked_and_the_ini_option(checks):
    done = pytest_run("checks", cwd=checks)
    assert done.returncode == 5 and "no tests ran" in done.stdout  # nothing collected
    (checks / "pytest.ini").write_text("[pytest]\ntstconfig = true\n")
    asked = pytest_run("checks", "-k", "root", cwd=checks)
    assert asked.returncode == 0, asked.stdout
    assert list(outcomes(asked).values()) == ["PASSED"]


def test_junit_xml_validates_and_xdist_gives_the_same(checks):
    one = pytest_run("--tstconfig", "checks", f"--junitxml={checks / 'one.xml'}", cwd=checks)
    two = pytest_run("--tstconfig", "checks", "-n", "2", f"--junitxml={checks / 'two.xml'}",
                     cwd=checks)
    assert "gw0" in two.stdout and "gw1" in two.stdout, two.stdout  # two workers ran
    assert one.returncode == two.returncode == 1
    totals = ant_junit(checks / "one.xml")
    assert totals == ant_junit(checks / "two.xml")
    assert totals == {"tests": 8, "failures": 2, "errors": 2, "skipped": 1}, totals

    def cases(path: Path) -> set[tuple[str, str, str]]:
        root = ET.parse(path).getroot()
        return {(c.get("classname"), c.get("name"), ",".join(child.tag for child in c))
                for c in root.iter("testcase")}
    assert cases(checks / "one.xml") == cases(checks / "two.xml")
    # named as tstconfig's -r junit names them: classname FILE [BLOCK], name CHECK
    assert ("checks/ports.tstconfig [command echo port 22]", "ssh-port", "failure") in \
        cases(checks / "one.xml")


def test_hostile_data_stays_text(tmp_path):
    (tmp_path / "h.tstconfig").write_text(
        'command printf "k \\033[31mred\\r\\n"\nproperty k\nassert_eq x\n')
    done = pytest_run("--tstconfig", "h.tstconfig", cwd=tmp_path)
    assert done.returncode == 1
    assert " Value:     \\x1b[31mred" in done.stdout and "\x1b[31m" not in done.stdout


def test_the_fixtures_for_plugin_authors(tmp_path):
    (tmp_path / "conftest.py").write_text(textwrap.dedent("""\
        import pytest
        from tstconfig_core.api import Assertion

        class Shouts(Assertion):
            def check(self, value, args):
                return value is not None and all(v.isupper() for v in value)

        @pytest.fixture
        def tstconfig_plugins():
            return {"tstconfig.assertions": {"assert_shouts": Shouts}}
        """))
    (tmp_path / "test_shouts.py").write_text(textwrap.dedent("""\
        from tstconfig_core.api import Assertion

        class Whispers(Assertion):
            def check(self, value, args):
                return value is not None and all(v.islower() for v in value)

        def test_shouts(tstconfig_run):
            result = tstconfig_run("command echo A B\\nproperty A\\nassert_shouts\\n"
                                   "assert_whispers\\n",
                                   assertions={"assert_whispers": Whispers})
            assert result.outcomes() == ["passed", "failed"], result.report()

        def test_given_files(tstconfig_run):
            result = tstconfig_run("file /etc/motd\\nproperty HELLO\\nassert_shouts\\n",
                                   files={"/etc/motd": "HELLO WORLD\\n"})
            assert result.ok, result.report()
        """))
    done = pytest_run("test_shouts.py", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout


def test_every_example_assertion_is_an_item():
    """``pytest --tstconfig examples/`` in tstconfig's own folder: every assertion of the
    examples (the example distributions' too, with their conftest's options) is an item
    and passes; the distributions' own tests run in-process, nothing installed."""
    collected = pytest_run("--tstconfig", "examples", "--collect-only", "-q", cwd=ROOT)
    assert collected.returncode == 0, collected.stdout + collected.stderr
    items = {line for line in collected.stdout.splitlines() if ".tstconfig::" in line}
    core = sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("examples/**/*.tstconfig")
                  if "plugins" not in p.parts)
    listed = tstconfig("--list-ids", *core, cwd=ROOT).stdout.splitlines()
    assert listed and set(listed) <= items
    plugin_items = items - set(listed)
    assert {i.split("::")[0] for i in plugin_items} == {
        "examples/plugins/tstconfig-iptables/examples/web-firewall.tstconfig",
        "examples/plugins/tstconfig-netaddr/examples/loopback-only.tstconfig"}
    assert len(plugin_items) == 6 + 2
    done = pytest_run("--tstconfig", "examples", cwd=ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    ran = outcomes(done)
    assert {i for i, outcome in ran.items() if outcome == "PASSED"} >= items
    assert "test_iptables.py::test_the_example_definition_passes" in " ".join(ran)


def test_what_pytest_would_pass_over_is_an_error(tmp_path):
    """A FIFO, a link to nothing, a link loop and a file named only .tstconfig: tstconfig
    reports each; pytest's scan skips them, so they are error items, never a pass."""
    (tmp_path / "ok.tstconfig").write_text("command echo a 1\nproperty a\nassert_eq 1\n")
    os.mkfifo(tmp_path / "fifo.tstconfig")
    (tmp_path / "dangling.tstconfig").symlink_to("nowhere.tstconfig")
    (tmp_path / "loop1.tstconfig").symlink_to("loop2.tstconfig")
    (tmp_path / "loop2.tstconfig").symlink_to("loop1.tstconfig")
    (tmp_path / ".tstconfig").write_text("command echo a 1\nproperty a\nassert_eq 2\n")
    done = pytest_run("--tstconfig", ".", cwd=tmp_path, timeout=60)
    assert done.returncode == 1, done.stdout
    errors = {k for k, v in outcomes(done).items() if v == "ERROR"}
    assert errors == {"fifo.tstconfig", "dangling.tstconfig", "loop1.tstconfig",
                      "loop2.tstconfig", ".tstconfig"}, done.stdout
    assert "ERROR: dangling.tstconfig: not collected as a definition file: No such file" \
        in done.stdout


def test_an_error_lands_on_the_assertions_it_concerns(tmp_path):
    """Blocks with one source line are one collector; the error of the middle one is its
    assertion's, and selecting only what a broken block left unchecked is an error."""
    (tmp_path / "dup.tstconfig").write_text(
        "command echo a 1\nproperty a\nassert_eq 1\n\n"
        "command echo a 1\nwehre x\nproperty b\nassert_eq 1\nassert_defined\n\n"
        "command echo a 1\nproperty a\nassert_eq 1\n")
    block = "dup.tstconfig::command echo a 1::"
    done = pytest_run("--tstconfig", "dup.tstconfig", cwd=tmp_path)
    assert outcomes(done) == {f"{block}a assert_eq 1": "PASSED",
                              f"{block}b assert_eq 1": "ERROR",
                              "dup.tstconfig:9": "SKIPPED",
                              f"{block}a assert_eq 1 (2)": "PASSED"}, done.stdout
    later = pytest_run("--tstconfig", "dup.tstconfig", "-k", "assert_defined", cwd=tmp_path)
    assert later.returncode == 1
    assert outcomes(later) == {f"{block}b assert_defined": "ERROR"}, later.stdout
    other = pytest_run("--tstconfig", "dup.tstconfig", "-k", "not b", cwd=tmp_path)
    assert other.returncode == 0, other.stdout  # the broken block was not asked about


def test_usage_errors_before_anything_runs(tmp_path):
    (tmp_path / "a.tstconfig").write_text("command echo a 1\nproperty a\nassert_eq 1\n")
    (tmp_path / "bad.toml").write_text("[[waiver]]\nid = 3\n")
    for args, message in [
            (["--tstconfig-timeout", "nan"], "--tstconfig-timeout: a number of seconds above 0"),
            (["--tstconfig-timeout", "0"], "--tstconfig-timeout: a number of seconds above 0"),
            (["--tstconfig-var", "1bad=x"], "--tstconfig-var: expected NAME=VALUE"),
            (["--tstconfig-var", "novalue"], "--tstconfig-var: expected NAME=VALUE"),
            (["--tstconfig-host", "bad host"], "--tstconfig-host:"),
            (["--tstconfig-waivers", "bad.toml"], "--tstconfig-waivers:"),
            (["--tstconfig-waivers", "none.toml"], "--tstconfig-waivers:"),
            (["--tstconfig-root", "imgae"], "--tstconfig-root: 'imgae' is not a folder"),
            (["--tstconfig-ssh-config", "nope"], "--tstconfig-ssh-config:")]:
        done = pytest_run("--tstconfig", "a.tstconfig", *args, cwd=tmp_path)
        assert done.returncode == 4, (args, done.stdout, done.stderr)
        assert message in done.stderr and "Traceback" not in done.stderr, (args, done.stderr)
    (tmp_path / "pytest.ini").write_text("[pytest]\ntstconfig = garbage\n")
    done = pytest_run("a.tstconfig", cwd=tmp_path)
    assert done.returncode == 4 and "invalid truth value 'garbage'" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_conftest_options_checked_and_the_command_line_wins(tmp_path):
    (tmp_path / "a.tstconfig").write_text("file /etc/app.conf\nproperty port\nassert_eq 80\n")
    (tmp_path / "image" / "etc").mkdir(parents=True)
    (tmp_path / "image" / "etc" / "app.conf").write_text("port 8080\n")
    (tmp_path / "other" / "image" / "etc").mkdir(parents=True)
    (tmp_path / "other" / "image" / "etc" / "app.conf").write_text("port 80\n")
    conftest = tmp_path / "conftest.py"
    for returned, message in [("['x']", "returned list, not a mapping of options"),
                              ("{'bogus': 1}", "unknown options 'bogus'"),
                              ("{'plugins': {'nogroup': {}}}", "no plugin group 'nogroup'"),
                              ("{'variables': {'x': 1}}", "the value of x is text, not int")]:
        conftest.write_text(f"def pytest_tstconfig_options(path, config):\n"
                            f"    return {returned}\n")
        done = pytest_run("--tstconfig", "a.tstconfig", cwd=tmp_path)
        assert done.returncode == 2 and message in done.stdout, (returned, done.stdout)
    # a conftest's host and working folder, and a relative --tstconfig-root from here
    conftest.write_text("from pathlib import Path\n"
                        "def pytest_tstconfig_options(path, config):\n"
                        "    return {'files': {'/etc/app.conf': 'port 80\\n'},\n"
                        "            'cwd': Path(__file__).parent / 'other'}\n")
    assert pytest_run("--tstconfig", "a.tstconfig", cwd=tmp_path).returncode == 0
    done = pytest_run("--tstconfig", "a.tstconfig", "--tstconfig-root", "image", cwd=tmp_path)
    assert done.returncode == 1 and " Value:     8080" in done.stdout, done.stdout


def test_odd_names_keep_their_ids_in_junit(tmp_path):
    (tmp_path / "a::b.tstconfig").write_text(
        "command echo x::y 1\nproperty x::y\nassert_eq 2\n"
        "file [p]hp.ini\nallow_missing\nsection Session\nproperty save\nassert_undefined\n")
    done = pytest_run("--tstconfig", ".", f"--junitxml={tmp_path / 'r.xml'}",
                      cwd=tmp_path)
    assert done.returncode == 1, done.stdout
    assert " At:        a::b.tstconfig:3" in done.stdout
    ant_junit(tmp_path / "r.xml")
    names = {(c.get("classname"), c.get("name"))
             for c in ET.parse(tmp_path / "r.xml").getroot().iter("testcase")}
    assert names == {("a::b.tstconfig [command echo x::y 1]", "x::y assert_eq 2"),
                     ("a::b.tstconfig [file [p]hp.ini]", "[Session] save assert_undefined")}
    listed = tstconfig("--list-ids", "a::b.tstconfig", cwd=tmp_path).stdout.splitlines()
    assert {f"{c.split(' [', 1)[0]}::{c.split(' [', 1)[1][:-1]}::{n}" for c, n in names} \
        == set(listed)


def test_ctrl_c_stops_the_session_and_term_ends_it(tmp_path):
    import signal
    import time
    for name in ("a", "b"):
        (tmp_path / f"{name}.tstconfig").write_text("command sleep 30\nexit_status\n"
                                                    "assert_eq 0\n")
    for signum, status in ((signal.SIGINT, 2), (signal.SIGTERM, -signal.SIGTERM)):
        env = dict(os.environ, TSTCONFIG_DISABLE_PLUGINS=third_party_plugins())
        proc = subprocess.Popen([sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
                                 "--tstconfig", "-q", "."], cwd=tmp_path, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(3)
        started = time.monotonic()
        proc.send_signal(signum)
        out, _ = proc.communicate(timeout=60)
        assert time.monotonic() - started < 10, out  # not the second file's 30 s
        assert proc.returncode == status, (signum, proc.returncode, out)
