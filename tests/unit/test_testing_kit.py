"""The testing kit (tstconfig_core.testing): plugins that are not installed, used as if
they were; the hosts it runs on; results as objects; the unit-test helpers."""
from __future__ import annotations

import os
import textwrap

import pytest

from tstconfig_core.api import (Assertion, HostError, LineParser, ParseOptions, PluginError,
                                ProgramResult, ReadFile, Reporter, RunProgram, Source,
                                SourceData, decode, split_lines)
from conftest import make_dist
from tstconfig_core.loading.index import installed
from tstconfig_core.testing import (GivenHost, build_source, from_pyproject, parse_options,
                                    parse_text, run_definition, run_files, source_request)


class SemverGe(Assertion):
    """assert_semver_ge X.Y.Z: a plugin class that no distribution installs."""

    summary = "the value is a version at least X.Y.Z"

    def check(self, value, args):
        if len(args) != 1:
            raise PluginError("assert_semver_ge needs one version")
        want = tuple(int(p) for p in args[0].split("."))
        return value is not None and tuple(int(p) for p in value[-1].split(".")) >= want


class Meta(Source):
    """meta PATH: a file's size and its first line, as one row."""

    label = "Meta"

    def requests(self, request):
        return [ReadFile(request.args[0])]

    def build(self, request, answers):
        found = answers.pop()
        if isinstance(found, HostError):
            raise PluginError(f"cannot read {request.args[0]}: {found}")
        first = split_lines(decode(found))[0] if found else ""
        return SourceData([f"size {len(found)}", f"first {first}"])


class Upper(LineParser):
    """Every line upper-cased, split on blanks."""

    def parse_line(self, line, options):
        return line.upper().split()

    class Never(Assertion):
        def check(self, value, args):
            return False


def test_an_uninstalled_assertion_class_works_through_the_kit():
    assert "assert_semver_ge" not in {ep.name for ep in installed()}
    definition = "command echo app 2.4.1\nproperty app\nassert_semver_ge 2.0.0\n" \
                 "assert_semver_ge 3.0.0\nassert_semver_ge\n"
    result = run_definition(definition, assertions={"assert_semver_ge": SemverGe})
    assert result.outcomes() == ["passed", "failed", "not_run"]
    assert [(e.line, e.message) for e in result.errors] == [
        (5, "assert_semver_ge needs one version")]
    assert result.exit_status == 2
    # without it, the same definition does not know the directive
    unknown = run_definition(definition)
    assert "unknown directive 'assert_semver_ge'" in unknown.errors[0].message


def test_every_group_given_directly():
    seen = []

    class Collect(Reporter):
        def on_result(self, result):
            seen.append(result.outcome)

    result = run_definition(
        "meta /etc/app.conf\nparse_mode upper\nproperty FIRST\nassert_eq PORT=8080\n"
        "property SIZE\nassert_eq 10\n",
        sources={"meta": Meta()}, parsers={"upper": Upper}, reporters={"collect": Collect},
        files={"/etc/app.conf": "port=8080\n"})
    assert result.ok, result.report()
    assert result.results[0].source.label == "Meta"
    result.report("collect")
    assert seen == ["passed", "passed"]


def test_a_given_plugin_wins_over_an_installed_one_of_its_name():
    result = run_definition("command echo a 1\nproperty a\nassert_eq 1\n",
                            assertions={"assert_eq": Upper.Never})
    assert result.outcomes() == ["failed"]


def test_a_broken_given_plugin_is_an_error_at_its_line_and_the_run_goes_on():
    class Raises(Assertion):
        def check(self, value, args):
            raise ZeroDivisionError("oops")

    class NotAnAssertion:
        pass

    result = run_definition(
        "command echo a 1\nproperty a\nassert_boom\nassert_odd\nassert_eq 1\n",
        assertions={"assert_boom": Raises, "assert_odd": NotAnAssertion})
    assert result.outcomes() == ["not_run", "not_run", "passed"]
    messages = [(e.line, e.message) for e in result.errors]
    assert messages[0][0] == 3 and "ZeroDivisionError: oops" in messages[0][1]
    assert "(given directly)" in messages[0][1]  # where the plugin came from
    assert messages[1][0] == 4 and "is not a tstconfig_core.api.Assertion" in messages[1][1]


def test_files_and_commands_given_are_the_whole_host(tmp_path):
    result = run_definition(
        textwrap.dedent("""\
            file /etc/hostname
            property
            assert_eq web1
            files /etc/conf.d/*.conf
            property
            assert_count 2
            command ss -tln
            property LISTEN
            assert_defined
            command uname -r
            exit_status
            assert_eq 3
            command id -u
            property
            assert_eq 0
            file /etc/passwd
            property
            assert_defined
            """),
        files={"/etc/hostname": "web1\n", "/etc/conf.d/a.conf": "x\n",
               "/etc/conf.d/b.conf": b"y\n"},
        commands={"ss -tln": "LISTEN 0 128 0.0.0.0:22\n",
                  ("uname", "-r"): ProgramResult(b"6.1\n", b"", 3),
                  "id -u": HostError("command not found: 'id'")})
    assert result.outcomes() == ["passed", "passed", "passed", "passed", "not_run",
                                 "not_run"], result.report()
    errors = [e.message for e in result.errors]
    assert "command not found: 'id'" in errors[0]
    assert "/etc/passwd" in errors[1]  # this machine's is not read
    not_given = run_definition("command hostname\nproperty\nassert_defined\n",
                               commands={"ss -tln": ""})
    assert "command not found: 'hostname' (the commands given to the test host: ss -tln)" \
        in not_given.errors[0].message


def test_the_given_tree_is_removed_and_bad_paths_refused():
    with GivenHost({"/etc/x": "1"}) as host:
        folder = host.folder
        assert host.read("/etc/x", 100, None) == b"1"
    assert not os.path.exists(folder)
    for bad in ("etc/x", "/../x", "/"):
        with pytest.raises(ValueError):
            GivenHost({bad: ""})


def test_this_machine_and_a_tree(tmp_path):
    here = run_definition("file /etc/passwd\nseparator :\nproperty root\nassert_defined\n"
                          "command true\nexit_status\nassert_eq 0\n")
    assert here.ok, here.report()
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text("alice:x:1000:1000::/home/alice:/bin/sh\n")
    tree = run_definition("file /etc/passwd\nseparator :\nproperty root\nassert_defined\n"
                          "property alice\nassert_defined\n", root=tmp_path)
    assert tree.outcomes() == ["failed", "passed"]
    with pytest.raises(TypeError, match="one host"):
        run_definition("command true\n", root=tmp_path, files={})


def test_results_as_objects_and_the_text_report():
    result = run_definition("command echo port 22\nproperty port\nassert_eq 22\n"
                            "name ssh-port\nassert_eq 2222\n", name="ports.tstconfig")
    failed = result.result("ssh-port")
    assert failed.id == "ports.tstconfig::command echo port 22::ssh-port"
    assert failed.value == ("22",) and failed.line == 5
    assert result.result("ports.tstconfig::command echo port 22::port assert_eq 22").passed
    with pytest.raises(KeyError, match="ports.tstconfig::command echo port 22::ssh-port"):
        result.result("nothing")
    text = result.report()
    assert "ASSERTION FAILED\n Command:   echo port 22\n Property:  port\n Value:     22\n" \
           " Assertion: assert_eq 2222\n" in text
    assert "Assertions failed: 1" in text
    assert '"failed": 1' in result.report("json")
    assert repr(result) == ("<RunResult exit 1: 1 passed, 1 failed, 0 waived, 0 not run, "
                            "0 errors>")


def test_variables_waivers_and_exitfirst(tmp_path):
    waivers = tmp_path / "waivers.toml"
    waivers.write_text('[[waiver]]\nid = "t.tstconfig::command echo v ${n}::v assert_eq 2"\n'
                       'reason = "known"\n')
    result = run_definition("command echo v ${n}\nproperty v\nassert_eq 2\n", name="t.tstconfig",
                            variables={"n": "1"}, waivers=waivers)
    assert result.outcomes() == ["waived"] and result.ok
    first = run_definition("command echo v 1\nproperty v\nassert_eq 2\nassert_eq 1\n",
                           exitfirst=True)
    assert first.outcomes() == ["failed"]


def test_run_files_and_a_working_folder(tmp_path):
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "a.tstconfig").write_text("file data.txt\nproperty k\nassert_eq v\n")
    (tmp_path / "data.txt").write_text("k v\n")
    before = os.getcwd()
    result = run_files([tmp_path / "checks"], cwd=tmp_path)
    assert os.getcwd() == before
    assert result.outcomes() == ["passed"], result.report()
    missing = run_files([tmp_path / "nothing.tstconfig"])
    assert "nothing.tstconfig" in missing.errors[0].file and missing.exit_status == 2


def test_installed_false_leaves_third_parties_out(tmp_path, monkeypatch):
    """A third party installed here (a distribution on sys.path) is used, or left out."""
    make_dist(tmp_path, "tstconfig-kit-other", "1.0",
              "[tstconfig.assertions]\nassert_always = kit_other:Always\n",
              {"kit_other": "from tstconfig_core.api import Assertion\n"
                            "class Always(Assertion):\n"
                            "    def check(self, value, args):\n        return True\n"})
    monkeypatch.syspath_prepend(str(tmp_path))
    definition = "command echo a\nproperty a\nassert_always\n"
    assert run_definition(definition).outcomes() == ["passed"]
    alone = run_definition(definition, installed=False)
    assert "tstconfig-kit-other, which is disabled" in alone.errors[0].message
    given = run_definition(definition, installed=False,
                           assertions={"assert_always": Upper.Never})
    assert given.outcomes() == ["failed"]


def test_entry_points_read_from_a_pyproject_without_installing(tmp_path):
    project = tmp_path / "tstconfig-kit-demo"
    (project / "src" / "kit_demo").mkdir(parents=True)
    (project / "pyproject.toml").write_text(textwrap.dedent("""\
        [project]
        name = "tstconfig-kit-demo"
        version = "0.1"
        [project.entry-points."tstconfig.assertions"]
        assert_shouts = "kit_demo.checks:Shouts"
        [project.entry-points."console_scripts"]
        demo = "kit_demo:main"
        """))
    (project / "src" / "kit_demo" / "__init__.py").write_text("")
    (project / "src" / "kit_demo" / "checks.py").write_text(textwrap.dedent("""\
        from tstconfig_core.api import Assertion

        class Shouts(Assertion):
            def check(self, value, args):
                return value is not None and all(v.isupper() for v in value)
        """))
    plugins = from_pyproject(project / "pyproject.toml")
    assert list(plugins) == ["tstconfig.assertions"]  # console_scripts are not ours
    result = run_definition("command echo HEY you\nproperty HEY\nassert_shouts\n"
                            "command echo YOU HEY\nproperty YOU\nassert_shouts\n",
                            plugins=plugins)
    assert result.outcomes() == ["failed", "passed"]


def test_the_unit_helpers():
    request = source_request("/etc/hosts", timeout=5, max_size=1000, allow_missing=True)
    assert (request.args, request.timeout, request.max_size, request.allow_missing) == (
        ("/etc/hosts",), 5.0, 1000, True)
    options = parse_options("separator :", "skip_header_lines 1", "positions 0 4")
    assert (options.separator, options.skip_header_lines, options.positions) == (":", 1, (0, 4))
    with pytest.raises(ValueError, match="unknown option 'colour'"):
        parse_options("colour red")
    with pytest.raises(ValueError, match="not a whole number"):
        parse_options("skip_header_lines x")
    data = build_source(Meta(), "/etc/app.conf", host=GivenHost({"/etc/app.conf": "a=1\nb\n"}))
    assert list(data.lines) == ["size 6", "first a=1"]
    with pytest.raises(PluginError, match="cannot read /nowhere"):
        build_source(Meta(), "/nowhere")
    parsed = parse_text(Upper(), "# c\nhead\na b\n\nc\n",
                        parse_options("hash_comment_allowed true", "skip_header_lines 2"))
    assert [list(r) for r in parsed.rows] == [["A", "B"], ["C"]]
    assert isinstance(ParseOptions(), type(options))
    assert RunProgram(("x",)).argv == ("x",)


def test_what_the_kit_refuses_and_what_it_cleans_up(tmp_path):
    """Mistakes in a test's call are said plainly, before anything runs, and the given
    host's folder never outlives the call."""
    import glob
    import tempfile
    pattern = os.path.join(tempfile.gettempdir(), "tstconfig-given-*")
    before = set(glob.glob(pattern))
    d = "command a\nproperty x\nassert_defined\n"
    for options, message in [
            (dict(timeout=float("nan")), "timeout: a number of seconds above 0"),
            (dict(timeout=0), "timeout: a number of seconds above 0"),
            (dict(max_size=-1), "max_size: a whole number of bytes above 0"),
            (dict(max_size="1k"), "max_size: a whole number of bytes above 0"),
            (dict(variables={"1x": "a"}), "variables: a name is a letter"),
            (dict(variables={"x": 1}), "the value of x is text, not int"),
            (dict(plugins={"nogroup": {}}), "no plugin group 'nogroup'"),
            (dict(files={"/etc/x": 5}), "the content of /etc/x is text or bytes, not int"),
            (dict(commands={"": "x"}), "a command line or a list of its arguments"),
            (dict(commands={5: "x"}), "a command line or a list of its arguments"),
            (dict(commands={"a": "x"}, waivers=tmp_path / "none.toml"), "cannot read it")]:
        with pytest.raises(ValueError if "waivers" not in options else Exception,
                           match=message):
            run_definition(d, **options)
    assert set(glob.glob(pattern)) == before
    short = run_definition("command echo a 1\nproperty a\nassert_never\n",
                           plugins={"assertions": {"assert_never": Upper.Never}})
    assert short.outcomes() == ["failed"]  # a group may be named for short


def test_run_files_takes_one_path_as_one_path(tmp_path):
    (tmp_path / "one.tstconfig").write_text("command echo a 1\nproperty a\nassert_eq 1\n")
    (tmp_path / "two.tstconfig").write_text("command echo a 1\nproperty a\nassert_eq 2\n")
    assert run_files(str(tmp_path / "one.tstconfig")).outcomes() == ["passed"]
    assert run_files(tmp_path / "one.tstconfig").outcomes() == ["passed"]


def test_from_pyproject_says_which_entry_point_and_never_ends_the_caller(tmp_path):
    import sys
    from tstconfig_core.testing import PyprojectError
    project = tmp_path / "p"
    project.mkdir()
    (project / "exits.py").write_text("raise SystemExit(0)\n")
    (project / "needs.py").write_text("import not_installed_anywhere\n")
    for value, message in [("exits:A", "SystemExit: 0"),
                           ("needs:A", "No module named 'not_installed_anywhere'"),
                           ("no_such_module_kit:A", "No module named 'no_such_module_kit'"),
                           ("5", "not MODULE:ATTRIBUTE")]:
        (project / "pyproject.toml").write_text(
            f'[project.entry-points."tstconfig.assertions"]\nassert_x = "{value}"\n')
        path_before = list(sys.path)
        with pytest.raises(PyprojectError, match=f"pyproject.toml: entry point 'assert_x = "
                                                  f"{value}' in tstconfig.assertions: .*"
                                                  f"{message}"):
            from_pyproject(project / "pyproject.toml")
        assert sys.path == path_before
    (project / "pyproject.toml").write_text("[project\n")
    with pytest.raises(PyprojectError, match="pyproject.toml: cannot be read"):
        from_pyproject(project / "pyproject.toml")
