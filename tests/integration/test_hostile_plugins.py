"""Issue 13: plugins that misbehave, installed for real with pip.

tests/fixtures/plugins/tstconfig-hostile has one plugin per misbehaviour the
review found: it ends the process (SystemExit at import, in ``__init__``, in a
check, in an option's converter; argparse), raises GeneratorExit or a
BaseException of its own, returns the wrong type, quotes its data in an error,
hangs (in an import, in a read), prints on standard output, or claims another's
name. None may stop a run, pass a check, leak a sensitive value or corrupt a
report: each is an error at the line that used it, and everything else runs.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
HOSTILE = ROOT / "tests" / "fixtures" / "plugins" / "tstconfig-hostile"
SECRET = "HOSTILESECRET"

# A block that fails, so a run that ends early would lose a failure.
FAILING = "command echo a b\nproperty a\nassert_eq c\n"


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("hostile-venv")
    subprocess.run([sys.executable, "-m", "venv", str(home / "venv")], check=True)
    pip = subprocess.run([str(home / "venv" / "bin" / "pip"), "install", "--quiet",
                          str(ROOT), str(HOSTILE)], capture_output=True, text=True)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    return home


def run(venv: Path, text: str, *args: str, timeout: float = 60) -> tuple[subprocess.CompletedProcess, dict]:
    """The definition run with the JSON report on standard output (where a plugin's
    print would corrupt it), and a stale report file it must replace."""
    work = venv / "work"
    work.mkdir(exist_ok=True)
    (work / "d.tstconfig").write_text(text, encoding="utf-8")
    (work / "stale.json").write_text('{"stale": true}')
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TSTCONFIG_DISABLE_PLUGINS")}
    result = subprocess.run([str(venv / "venv" / "bin" / "tstconfig"), *args, "-r", "json",
                             "-r", "json:stale.json", "d.tstconfig"], cwd=work,
                            capture_output=True, text=True, timeout=timeout,
                            env={**env, "XDG_CACHE_HOME": str(venv / "cache")})
    assert "Traceback" not in result.stderr, result.stderr
    doc = json.loads(result.stdout)  # whatever a plugin printed went elsewhere
    assert json.loads((work / "stale.json").read_text()) == doc
    return result, doc


# (the hostile lines, what the error says)
CASES = {
    "source: SystemExit": ("hostile_exit x\nproperty ok\nassert_eq yes\n", "SystemExit"),
    "source: argparse": ("hostile_argparse x\nproperty ok\nassert_eq yes\n", "SystemExit: 2"),
    "source: GeneratorExit": ("hostile_generator_exit x\nproperty ok\nassert_eq yes\n",
                              "GeneratorExit"),
    "source: str lines": ("hostile_str_lines x\nproperty ok\nassert_eq yes\n",
                          "lines of type str"),
    "source: SystemExit in __init__": ("hostile_init_exit x\nproperty ok\nassert_eq yes\n",
                                       "could not be created: SystemExit"),
    "source: SystemExit at import": ("hostile_import_exit x\nproperty ok\nassert_eq yes\n",
                                     "failed to import: SystemExit"),
    "source: prints": ("hostile_prints x\nproperty ok\nassert_eq no\n", None),
    "assertion: SystemExit": ("command echo ok yes\nproperty ok\nassert_hostile_exit\n",
                              "SystemExit"),
    "assertion: own BaseException": ("command echo ok yes\nproperty ok\nassert_hostile_base\n",
                                     "Stop: stop"),
    "assertion: str for a bool": ("command echo ok yes\nproperty ok\nassert_hostile_str\n",
                                  "not a bool"),
    "assertion: prints": ("command echo ok yes\nproperty ok\nassert_hostile_prints\n", None),
    "parse mode: option converter SystemExit": (
        "command echo ok yes\nparse_mode hostile_option_exit\nhostile_exit_option 1\n"
        "property ok\nassert_eq yes\n", "SystemExit: 3"),
    "parse mode: option named like a directive": (
        "command echo ok yes\nparse_mode hostile_option_clash\nproperty ok\nassert_eq yes\n",
        "declares option(s) that are keywords already"),
    "parse mode: prints at import": (
        "command echo ok yes\nparse_mode hostile_print_import\nproperty ok\nassert_eq no\n", None),
    "source named like an assertion": ("command echo ok yes\nproperty nothing\nassert_defined\n",
                                       "'assert_defined' is claimed more than once"),
}


@pytest.mark.parametrize("case", CASES)
def test_a_misbehaving_plugin_is_an_error_and_the_run_goes_on(venv, case):
    text, error = CASES[case]
    result, doc = run(venv, FAILING + text + FAILING)
    outcomes = [r["outcome"] for r in doc["results"]]
    assert outcomes[0] == outcomes[-1] == "failed", outcomes
    assert "passed" not in outcomes, doc["results"]
    assert doc["summary"]["status"] == "FAIL"
    if error is None:
        assert result.returncode == 1 and not doc["errors"]
    else:
        assert result.returncode == 2
        assert any(error in e["message"] for e in doc["errors"]), doc["errors"]
        assert all(e["line"] >= 4 for e in doc["errors"])


@pytest.mark.parametrize("source", ["hostile_quotes_data", "hostile_crash_quotes_data"])
def test_a_third_party_source_error_is_masked_in_a_sensitive_block(venv, source):
    result, doc = run(venv, f"{source} x\nsensitive\nproperty ok\nassert_eq yes\n")
    assert doc["errors"] and SECRET not in json.dumps(doc) + result.stderr
    assert "<masked>" in doc["errors"][0]["message"]
    _, shown = run(venv, f"{source} x\nproperty ok\nassert_eq yes\n")
    assert SECRET in shown["errors"][0]["message"]  # (it is there to be masked)


def test_a_hanging_read_is_bounded_by_the_block_timeout(venv):
    started = time.monotonic()
    result, doc = run(venv, "hostile_slow x\ntimeout 1\nproperty ok\nassert_eq yes\n")
    assert time.monotonic() - started < 10
    assert "longer than the block's timeout of 1 s" in doc["errors"][0]["message"]
    assert [r["outcome"] for r in doc["results"]] == ["not_run"]


def test_a_hanging_import_is_bounded_and_tried_once(venv):
    started = time.monotonic()
    text = "command echo ok yes\nparse_mode hostile_slow_import\nproperty ok\nassert_eq yes\n"
    result, doc = run(venv, text * 3, "--timeout", "1")
    assert time.monotonic() - started < 10
    assert len(doc["errors"]) == 3
    assert all("took longer than 1 s to import" in e["message"] for e in doc["errors"])


def test_a_typo_imports_no_plugin(venv):
    """The suggestion for a typo comes from names: the hanging import is not waited for,
    the printing one prints nothing."""
    started = time.monotonic()
    result, doc = run(venv, "command echo ok yes\nproperty ok\nassert_eqq yes\nmax_siz 1\n")
    assert time.monotonic() - started < 10
    assert "did you mean 'assert_eq'" in doc["errors"][0]["message"]
    assert "HOSTILE-IMPORT-NOISE" not in result.stderr


def test_list_plugins_survives_every_hostile_plugin(venv):
    env = {k: v for k, v in os.environ.items() if k != "TSTCONFIG_DISABLE_PLUGINS"}
    result = subprocess.run([str(venv / "venv" / "bin" / "tstconfig"), "--timeout", "2",
                             "--list-plugins"], capture_output=True, text=True, timeout=30,
                            env={**env, "XDG_CACHE_HOME": str(venv / "cache")})
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    rows = {tuple(line.split()[:2]): line for line in result.stdout.splitlines()
            if line.startswith("tstconfig.")}
    assert "HOSTILE-IMPORT-NOISE" not in result.stdout
    assert "its summary is a int" in rows[("tstconfig.assertions", "assert_hostile_summary")]
    assert "took longer than 2 s to import" in rows[("tstconfig.parsers", "hostile_slow_import")]
    for name in ("hostile_import_exit", "hostile_init_exit"):
        assert " broken " in rows[("tstconfig.sources", name)] and "SystemExit" in rows[("tstconfig.sources", name)]
    assert " conflict " in rows[("tstconfig.sources", "assert_defined")]
    assert " conflict " in rows[("tstconfig.parsers", "hostile_option_clash")]


@pytest.mark.parametrize("reporter", ["hostile_raise_second", "hostile_init_raise"])
def test_a_broken_reporter_loses_only_its_own_report(venv, reporter):
    result, doc = run(venv, FAILING + FAILING + FAILING, "-r", f"{reporter}:broken.out")
    assert result.returncode == 2
    assert [r["outcome"] for r in doc["results"]] == ["failed"] * 3 and not doc["errors"]
    assert reporter in result.stderr and "tstconfig-hostile" in result.stderr
