"""The loader's failure and conflict paths, with real entry points.

Each test writes distributions (a *.dist-info folder and a module) into a
temporary folder put on PYTHONPATH, then runs tstconfig in a subprocess: the
entry points are found exactly as an installed package's would be.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conftest import make_dist, tstconfig

GOOD = '''
from tstconfig_core.api import Assertion, PluginError

class Length(Assertion):
    """The value has N tokens."""
    summary = "the value has N tokens"
    def check(self, value, args):
        if len(args) != 1 or not args[0].isdigit():
            raise PluginError("assert_length needs one whole number")
        return value is not None and len(value) == int(args[0])

class Raises(Assertion):
    summary = "always raises"
    def check(self, value, args):
        raise RuntimeError("boom inside the plugin")

class NotAnAssertion:
    pass
'''


@pytest.fixture
def plugins(tmp_path: Path) -> dict[str, str]:
    site = tmp_path / "site"
    site.mkdir()
    make_dist(site, "tsc-good", "2.0", """
        [tstconfig.assertions]
        assert_length = tsc_good:Length
        assert_raises = tsc_good:Raises
        assert_wrong_type = tsc_good:NotAnAssertion
        """, {"tsc_good": GOOD})
    make_dist(site, "tsc-broken", "1.2", """
        [tstconfig.assertions]
        assert_broken = tsc_broken:Check
        [tstconfig.sources]
        brokensource = tsc_broken:Source
        """, {"tsc_broken": "raise ImportError('needs libfoo, which is not installed')\n"})
    make_dist(site, "tsc-dup", "0.1", """
        [tstconfig.assertions]
        assert_eq = tsc_good:Length
        """, {})
    return {"PYTHONPATH": str(site), "XDG_CACHE_HOME": str(tmp_path / "cache")}


def run_definition(tmp_path: Path, env: dict[str, str], text: str):
    path = tmp_path / "d.tstconfig"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return tstconfig(str(path), env=env)


def test_third_party_assertion_is_dispatched(tmp_path, plugins):
    result = run_definition(tmp_path, plugins, """\
        command echo key a b c
        property key
        assert_length 3
        assert_length 2
        assert_length x
        """)
    assert "Traceback" not in result.stderr
    assert "Assertions tested: 2" in result.stdout
    assert "Assertions failed: 1" in result.stdout
    assert "d.tstconfig:5: assert_length needs one whole number" in result.stdout
    assert result.returncode == 2


def test_import_failure_is_located_and_names_distribution(tmp_path, plugins):
    result = run_definition(tmp_path, plugins, """\
        command echo key
        property key
        assert_defined
        assert_broken
        assert_defined
        brokensource x
        """)
    out = result.stdout
    assert "d.tstconfig:4: plugin 'assert_broken' failed to import: ImportError: needs libfoo" in out
    assert "tsc-broken 1.2" in out
    assert "assert_broken = tsc_broken:Check" in out
    assert "d.tstconfig:6: plugin 'brokensource' failed to import" in out
    assert "Assertions tested: 2" in out and "Assertions passed: 2" in out
    assert "Errors: 2" in out
    assert result.returncode == 2


def test_unused_broken_plugin_does_not_matter(tmp_path, plugins):
    result = run_definition(tmp_path, plugins, """\
        command echo key
        property key
        assert_defined
        """)
    assert result.returncode == 0, result.stdout
    assert "Errors: 0" in result.stdout


def test_conflict_names_both_distributions(tmp_path, plugins):
    result = run_definition(tmp_path, plugins, """\
        command echo key value
        property key
        assert_eq value
        assert_not_empty
        """)
    out = result.stdout
    assert "d.tstconfig:3: 'assert_eq' is registered by more than one plugin" in out
    assert "tsc-dup 0.1" in out and "tstconfig " in out.split("registered by")[1]
    assert "Assertions tested: 1" in out and "Errors: 1" in out


def test_plugin_that_raises_is_an_error_and_the_run_goes_on(tmp_path, plugins):
    result = run_definition(tmp_path, plugins, """\
        command echo key
        property key
        assert_raises
        assert_defined
        assert_wrong_type
        """)
    out = result.stdout
    assert "d.tstconfig:3: assertion plugin 'assert_raises' failed: RuntimeError: boom" in out
    assert "d.tstconfig:5: plugin 'assert_wrong_type' is not a tstconfig_core.api.Assertion" in out
    assert "Assertions passed: 1" in out and "Errors: 2" in out
    assert "Traceback" not in result.stderr


def test_unknown_keyword_suggests_third_party_names(tmp_path, plugins):
    result = run_definition(tmp_path, plugins, "command echo k\nassert_lenght 1\n")
    assert "unknown directive 'assert_lenght'; did you mean 'assert_length'?" in result.stdout
