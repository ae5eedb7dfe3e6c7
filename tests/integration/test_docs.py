"""The README's example is run, and its report must read as the README shows."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import FIXTURES, make_dist, normalized, tstconfig

README = Path(__file__).parents[2] / "README.md"


def code_blocks(text: str) -> list[str]:
    return [body for lang, body in fenced_blocks(text) if lang == ""]


def test_readme_netstat_example(tmp_path):
    blocks = code_blocks(README.read_text(encoding="utf-8"))
    definition = next(b for b in blocks if b.startswith("command netstat -plnt"))
    report = next(b for b in blocks if b.startswith("tstconfig "))
    fixture = FIXTURES / "data" / "netstat-plnt.txt"
    (tmp_path / "netstat.tstconfig").write_text(
        definition.replace("command netstat -plnt", f"command cat {fixture}"))
    result = tstconfig("netstat.tstconfig", cwd=tmp_path)
    expected = normalized(report).replace("netstat -plnt", f"cat {fixture}")
    assert normalized(result.stdout) == expected
    assert result.returncode == 1


PLUGINS_DOC = Path(__file__).parents[2] / "docs" / "plugins.md"
KINDS = ["Sources", "Parsers", "Syntaxes", "Assertions", "Reporters"]


def fenced_blocks(markdown: str) -> list[tuple[str, str]]:
    """(language, text) of each fenced code block, openings paired with closings."""
    blocks, lang, body = [], None, []
    for line in markdown.splitlines():
        if line.startswith("```"):
            if lang is None:
                lang, body = line[3:].strip(), []
            else:
                blocks.append((lang, "\n".join(body) + "\n"))
                lang = None
        elif lang is not None:
            body.append(line)
    return blocks


def doc_example(kind: str) -> tuple[str, str, str, str]:
    """(entry-point section, module name, code, definition) of a kind's example in plugins.md."""
    text = PLUGINS_DOC.read_text(encoding="utf-8")
    section = text.split(f"\n## {kind}\n", 1)[1].split("\n## ", 1)[0]
    blocks = fenced_blocks(section)
    toml = next(text for lang, text in blocks if lang == "toml")
    code = [text for lang, text in blocks if lang == "python"][-1]  # the contract comes first
    definition = [text for lang, text in blocks if lang == ""][-1]
    group = re.search(r'\[project\.entry-points\."([^"]+)"\]', toml).group(1)
    name, target = (part.strip().strip('"') for part in toml.splitlines()[1].split("="))
    return f"[{group}]\n{name} = {target}\n", target.split(":")[0], code, definition


@pytest.mark.parametrize("kind", KINDS)
def test_plugin_doc_example_works_as_written(kind, tmp_path):
    """Each kind's example in docs/plugins.md, installed as a distribution and used."""
    entry_points, module, code, definition = doc_example(kind)
    site = tmp_path / "site"
    site.mkdir()
    make_dist(site, f"docs-{kind.lower()}", "1.0", entry_points, {module: code})
    (tmp_path / "d.tstconfig").write_text(definition, encoding="utf-8")
    env = {"PYTHONPATH": str(site), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    args = ["-r", "oneline"] if kind == "Reporters" else []
    result = tstconfig(*args, "d.tstconfig", cwd=tmp_path, env=env)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stdout + result.stderr
    if kind == "Reporters":
        assert result.stdout == "tstconfig OK 1/1, 0 error(s)\n"
    else:
        assert "Assertions passed: 1" in result.stdout and "Errors: 0" in result.stdout
    listed = tstconfig("--list-plugins", env=env).stdout
    assert re.search(rf"docs-{kind.lower()} +1\.0 +ok", listed), listed


def test_the_examples_pass_here():
    """The README's first command runs examples/*.tstconfig: each must pass on this machine."""
    examples = sorted((Path(__file__).parents[2] / "examples").glob("*.tstconfig"))
    assert len(examples) >= 5
    result = tstconfig(*map(str, examples))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUMMARY REPORT: PASS" in result.stdout and "Errors: 0" in result.stdout


REPORTERS_DOC = Path(__file__).parents[2] / "docs" / "reporters.md"


def test_reporters_doc_examples_are_what_tstconfig_prints(tmp_path):
    """The definition of docs/reporters.md is run: its TAP and JUnit lines are printed as
    shown (fields the doc leaves out aside), and its waivers file is valid."""
    doc = REPORTERS_DOC.read_text(encoding="utf-8")
    blocks = dict((lang, body) for lang, body in fenced_blocks(doc) if lang in ("toml", "xml"))
    plain = code_blocks(doc)
    definition = next(b for b in plain if b.startswith("command printf"))
    (tmp_path / "ex.tstconfig").write_text(definition, encoding="utf-8")
    tap = tstconfig("-r", "tap", "ex.tstconfig", cwd=tmp_path).stdout.splitlines()
    shown = next(b for b in plain if b.startswith("TAP version 14")).splitlines()
    assert all(line in tap for line in shown if not line.startswith("# tstconfig"))
    assert tap[-1] == shown[-1] == "1..3"
    junit = tstconfig("-r", "junit", "ex.tstconfig", cwd=tmp_path).stdout
    for line in blocks["xml"].splitlines():
        if "<testcase" in line or line.startswith((" Command:", " Value:", "id: ")):
            assert re.sub(r'time="[^"]*"', "", line) in re.sub(r'time="[^"]*"', "", junit)
    from tstconfig_core.waivers import load
    (tmp_path / "w.toml").write_text(blocks["toml"], encoding="utf-8")
    assert [w.reason for w in load(str(tmp_path / "w.toml"))._all] == [
        "the jump host needs root logins until OPS-1234 is done",
        "legacy hosts are being retired"]


def test_the_plugin_testing_example_runs_as_written(tmp_path):
    """docs/plugins.md's complete distribution: its pyproject.toml, module, conftest.py
    and test file, tested with pytest where they are written (nothing installed)."""
    from pytests import pytest_run
    section = PLUGINS_DOC.read_text(encoding="utf-8").split(
        "\n## Packaging and testing a plugin\n", 1)[1]
    blocks = fenced_blocks(section)
    project = next(body for lang, body in blocks if lang == "toml")
    python = [body for lang, body in blocks if lang == "python"]
    module = next(b for b in python if b.startswith('"""assert_semver_ge'))
    conftest = next(b for b in python if b.startswith("# conftest.py"))
    tests = next(b for b in python if b.startswith("# tests/test_semver.py"))
    (tmp_path / "pyproject.toml").write_text(project)
    (tmp_path / "tstconfig_semver").mkdir()
    (tmp_path / "tstconfig_semver" / "__init__.py").write_text(module)
    (tmp_path / "conftest.py").write_text(conftest)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_semver.py").write_text(tests)
    done = pytest_run(cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 passed" in done.stdout
    # the dependency line is one pip can satisfy with this tstconfig (a pre-release
    # only where the specifier names one, as pip decides)
    from packaging.requirements import Requirement

    from tstconfig_core import __version__
    pin = re.search(r'dependencies = \["([^"]+)"\]', project).group(1)
    assert Requirement(pin).specifier.contains(__version__), (pin, __version__)
    assert not Requirement("tstconfig>=0.4").specifier.contains("0.4.0.dev0")


def test_reporters_doc_new_formats_are_what_tstconfig_writes(tmp_path):
    """The prometheus, github and gitlab-codequality examples of docs/reporters.md, of its
    definition run from checks/ (times, the host and fingerprints aside)."""
    doc = REPORTERS_DOC.read_text(encoding="utf-8")
    definition = next(b for b in code_blocks(doc) if b.startswith("command printf"))
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "ex.tstconfig").write_text(definition, encoding="utf-8")
    (tmp_path / "ex.tstconfig").write_text(definition, encoding="utf-8")

    def same(line: str) -> str:
        line = re.sub(r'host="[^"]*"', 'host="H"', line)
        return re.sub(r"(seconds) \S+$", r"\1 T", line)
    prom = tstconfig("-r", "prometheus", "ex.tstconfig", cwd=tmp_path).stdout.splitlines()
    shown = next(body for lang, body in fenced_blocks(doc) if lang == "text"
                 and body.startswith("# tstconfig 0.4")).splitlines()
    written = [same(line) for line in prom]
    assert [same(line) for line in shown if line != "..."] == [
        line for line in written if line in map(same, shown)]
    assert len(written) == len(shown) - 1 + 8  # (the eight lines "..." stands for)
    env = {"GITHUB_WORKSPACE": str(tmp_path), "CI_PROJECT_DIR": str(tmp_path)}
    github = tstconfig("-r", "github", "checks/ex.tstconfig", cwd=tmp_path, env=env).stdout
    gh_doc = doc.split("\n## github\n", 1)[1]
    assert next(b for lang, b in fenced_blocks(gh_doc) if lang == "text") == github
    gitlab = tstconfig("-r", "gitlab-codequality", "checks/ex.tstconfig", cwd=tmp_path,
                       env=env).stdout
    shown_json = json.loads(next(b for lang, b in fenced_blocks(gh_doc) if lang == "json"))
    assert shown_json == json.loads(gitlab)
