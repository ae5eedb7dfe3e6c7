"""Third-party plugins, installed for real with pip into a throwaway virtual environment.

The environment gets tstconfig from this checkout, the example plugin
tstconfig-iptables, and tests/fixtures/plugins/tstconfig-broken: a distribution
whose plugins fail in every way a plugin can (an import that fails, a check
that raises, a parser of the wrong type, a second ``assert_eq``). Everything
is installed from local paths; pip finds the dependencies where it is set up
to (CI's and this machine's package index).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
BROKEN = ROOT / "tests" / "fixtures" / "plugins" / "tstconfig-broken"
IPTABLES = ROOT / "examples" / "plugins" / "tstconfig-iptables"


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("plugins-venv")
    subprocess.run([sys.executable, "-m", "venv", str(home / "venv")], check=True)
    pip = subprocess.run([str(home / "venv" / "bin" / "pip"), "install", "--quiet",
                          str(ROOT), str(BROKEN), str(IPTABLES)],
                         capture_output=True, text=True)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    return home


def tstconfig(venv: Path, *args: str, definition: str | None = None,
              env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The venv's tstconfig, run outside this checkout (so nothing is imported from it)."""
    work = venv / "work"
    work.mkdir(exist_ok=True)
    if definition is not None:
        (work / "d.tstconfig").write_text(textwrap.dedent(definition), encoding="utf-8")
        args = (*args, "d.tstconfig")
    clean = {k: v for k, v in os.environ.items()
             if k not in ("PYTHONPATH", "TSTCONFIG_DISABLE_PLUGINS")}
    return subprocess.run([str(venv / "venv" / "bin" / "tstconfig"), *args], cwd=work,
                          capture_output=True, text=True, timeout=60,
                          env={**clean, "XDG_CACHE_HOME": str(venv / "cache"), **(env or {})})


def listing(result: subprocess.CompletedProcess) -> dict[tuple[str, str, str], list[str]]:
    """(group, name, distribution) -> [version, status, summary words...]"""
    rows = {}
    for line in result.stdout.splitlines()[2:]:
        cells = line.split()
        if len(cells) >= 5 and cells[0].startswith("tstconfig."):
            rows[tuple(cells[:3])] = cells[3:]
    return rows


def test_list_plugins_shows_all_of_it(venv):
    result = tstconfig(venv, "--list-plugins")
    assert result.returncode == 0, result.stderr
    rows = listing(result)
    assert rows[("tstconfig.parsers", "iptables", "tstconfig-iptables")][:2] == ["1.0.0", "ok"]
    needs = rows[("tstconfig.assertions", "assert_needs_lib", "tstconfig-broken")]
    assert needs[:2] == ["0.1.0", "broken"] and "ModuleNotFoundError:" in needs
    assert rows[("tstconfig.sources", "ldap", "tstconfig-broken")][1] == "broken"
    assert rows[("tstconfig.parsers", "toml", "tstconfig-broken")][1] == "broken"
    assert rows[("tstconfig.assertions", "assert_eq", "tstconfig-broken")][1:] == [
        "conflict", "also", "registered", "by", "tstconfig"]
    assert rows[("tstconfig.assertions", "assert_eq", "tstconfig")][1:] == [
        "conflict", "also", "registered", "by", "tstconfig-broken"]
    assert rows[("tstconfig.assertions", "assert_explodes", "tstconfig-broken")][1] == "ok"
    assert "5 plugin(s) cannot be used" in result.stdout


def test_a_definition_that_uses_no_broken_name_runs_normally(venv):
    result = tstconfig(venv, definition="""\
        command printf "root 0\\nsshd 105\\n"
        property root
        assert_contains 0
        assert_not_empty
        assert_fine
        property sshd
        assert_ge 100
        """)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Assertions passed: 4" in result.stdout and "Errors: 0" in result.stdout


def test_each_broken_name_is_an_error_where_it_is_used_and_the_run_goes_on(venv):
    result = tstconfig(venv, definition="""\
        command printf "root 0\\n"
        property root
        assert_needs_lib
        assert_explodes
        assert_eq 0
        assert_contains 0
        ldap ou=people
        property x
        assert_defined
        command printf "a b\\n"
        parse_mode toml
        property a
        assert_defined
        command printf "k v\\n"
        property k
        assert_fine
        """)
    out = result.stdout
    assert "Traceback" not in out + result.stderr
    assert ("ERROR: d.tstconfig:3: plugin 'assert_needs_lib' failed to import: "
            "ModuleNotFoundError: No module named 'ldap_client_that_is_not_installed'; "
            "entry point 'assert_needs_lib = tstconfig_broken.needs_lib:Check' in "
            "tstconfig.assertions (distribution tstconfig-broken 0.1.0)") in out
    assert ("ERROR: d.tstconfig:4: assertion plugin 'assert_explodes' failed: RuntimeError: "
            "boom inside the plugin; entry point 'assert_explodes = "
            "tstconfig_broken.checks:Explodes' in tstconfig.assertions "
            "(distribution tstconfig-broken 0.1.0)") in out
    line5 = next(ln for ln in out.splitlines() if ln.startswith("ERROR: d.tstconfig:5:"))
    assert "registered by more than one plugin" in line5
    assert "(distribution tstconfig 0.4" in line5 and "(distribution tstconfig-broken 0.1.0)" in line5
    line7 = next(ln for ln in out.splitlines() if ln.startswith("ERROR: d.tstconfig:7:"))
    assert "failed to import" in line7 and "tstconfig-broken 0.1.0" in line7
    assert line7.endswith("the 1 assertion(s) of this block were not run")
    assert "d.tstconfig:8:" not in out and "d.tstconfig:9:" not in out  # no cascade
    line11 = next(ln for ln in out.splitlines() if ln.startswith("ERROR: d.tstconfig:11:"))
    assert "is not a tstconfig_core.api.Parser" in line11 and "tstconfig-broken" in line11
    # assert_contains (line 6) and assert_fine (line 16) still ran; the ldap and toml
    # blocks' assertions were not run, and said so
    assert "Assertions tested: 2" in out and "Assertions passed: 2" in out
    assert "Errors: 5" in out and result.returncode == 2


def test_disabled_distributions_are_as_if_not_installed(venv):
    for how in ({"env": {"TSTCONFIG_DISABLE_PLUGINS": "tstconfig-broken"}},
                {"args": ("--disable-plugins", "tstconfig_Broken")}):
        result = tstconfig(venv, *how.get("args", ()), env=how.get("env"), definition="""\
            command printf "root 0\\n"
            property root
            assert_eq 0
            assert_needs_lib
            """)
        assert "Assertions passed: 1" in result.stdout, result.stdout  # assert_eq is ours again
        assert ("ERROR: d.tstconfig:4: assertion 'assert_needs_lib' comes from the distribution "
                "tstconfig-broken, which is disabled") in result.stdout
        listed = listing(tstconfig(venv, "--list-plugins", *how.get("args", ()),
                                   env=how.get("env")))
        assert listed[("tstconfig.assertions", "assert_eq", "tstconfig")][1] == "ok"
        assert listed[("tstconfig.assertions", "assert_needs_lib", "tstconfig-broken")][1] == \
            "disabled"


def test_the_core_cannot_be_disabled(venv):
    result = tstconfig(venv, "--disable-plugins", "tstconfig,tstconfig-broken",
                       definition="command echo a\nproperty a\nassert_undefined\n")
    assert "cannot be disabled" in result.stderr
    assert "Assertions tested: 1" in result.stdout


def test_an_installed_parser_works_with_no_change_to_tstconfig(venv):
    work = venv / "work"
    shutil.copytree(IPTABLES / "tests", work / "tests", dirs_exist_ok=True)
    shutil.copy(IPTABLES / "examples" / "web-firewall.tstconfig", work / "fw.tstconfig")
    # tstconfig-broken's second assert_eq would make every assert_eq an error: turn it off
    result = tstconfig(venv, "fw.tstconfig", env={"TSTCONFIG_DISABLE_PLUGINS": "tstconfig-broken"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Assertions passed: 6" in result.stdout
