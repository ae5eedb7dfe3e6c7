"""Sources through a host, as plugin authors write them (two-phase, or API 1.0 read()),
including the ways they go wrong: each a located error, never a traceback or a pass."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import FIXTURES, make_dist, tstconfig

SOURCES = '''
from tstconfig_core.api import (HostError, PluginError, ReadFile, RunProgram, Source,
                                SourceData)

class Legacy(Source):
    """API 1.0: reads this machine itself."""
    def read(self, request):
        with open(request.args[0]) as fh:
            return SourceData(fh.read().splitlines())

class Settings(Source):
    def read(self, request):
        return SourceData([f"{k} {v}" for k, v in sorted(request.settings.items())])

class ReadTwo(Source):
    def requests(self, request):
        return [ReadFile(request.args[0])]
    def build(self, request, answers):
        found = answers.pop()
        if isinstance(found, HostError):
            raise PluginError(str(found))
        return SourceData(found.decode().splitlines())

class AsksJunk(Source):
    def requests(self, request):
        return {"junk": "abc", "string": "abc", "object": [object()],
                "argv": [RunProgram("echo hi")]}[request.args[0]]
    def build(self, request, answers):
        return SourceData(["a b"])

class Runs(Source):
    """Asks to run a program without saying it runs programs."""
    def requests(self, request):
        return [RunProgram(tuple(request.args))]
    def build(self, request, answers):
        return SourceData(["a b"])

class BuildsBadly(Source):
    def requests(self, request):
        return []
    def build(self, request, answers):
        return {"str": "a b", "lines": SourceData("a b"), "exit": None,
                "warnings": SourceData(["a b"], warnings="oops"),
                "defaults": SourceData(["a b"], defaults=[1])}[request.args[0]]

class Neither(Source):
    summary = "implements nothing"
'''
ENTRY_POINTS = """\
[tstconfig.sources]
legacy = contract_sources:Legacy
settings = contract_sources:Settings
readtwo = contract_sources:ReadTwo
asksjunk = contract_sources:AsksJunk
runs = contract_sources:Runs
buildsbadly = contract_sources:BuildsBadly
neither = contract_sources:Neither
"""


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    site = tmp_path / "site"
    site.mkdir()
    make_dist(site, "contract-sources", "1.0", ENTRY_POINTS, {"contract_sources": SOURCES})
    return {"PYTHONPATH": str(site), "XDG_CACHE_HOME": str(tmp_path / "cache")}


def run(tmp_path: Path, env: dict[str, str], text: str, *args: str) -> dict:
    (tmp_path / "d.tstconfig").write_text(text, encoding="utf-8")
    result = tstconfig(*args, "-r", "json", "d.tstconfig", cwd=tmp_path, env=env)
    assert "Traceback" not in result.stderr, result.stderr
    return json.loads(result.stdout)


def test_both_kinds_of_source_read_this_machine(tmp_path, env):
    (tmp_path / "data").write_text("a b\n")
    doc = run(tmp_path, env, "legacy data\nproperty a\nassert_eq b\n"
                             "readtwo data\nproperty a\nassert_eq b\n")
    assert doc["summary"]["passed"] == 2 and doc["errors"] == []


def test_an_api_10_source_is_refused_on_a_folder_tree(tmp_path, env):
    """It would read this machine instead, silently."""
    (tmp_path / "data").write_text("a OUTSIDE\n")
    doc = run(tmp_path, env, f"legacy {tmp_path}/data\nproperty a\nassert_defined\n",
              "--root", str(FIXTURES / "roots" / "web"))
    assert doc["results"][0]["outcome"] == "not_run"
    assert "reads this machine by itself" in doc["errors"][0]["message"]
    assert "OUTSIDE" not in json.dumps(doc)


def test_api_10_sources_still_get_their_settings(tmp_path, env):
    doc = run(tmp_path, env, "settings\nproperty max_size\nassert_eq 1024\n"
                             "property no_commands\nassert_eq True\n"
                             "property proc_root\nassert_eq /x\n",
              "--max-size", "1K", "--proc-root", str(tmp_path), "--no-commands")
    assert [r["value"] for r in doc["results"]] == [["1024"], ["True"], [str(tmp_path)]]


@pytest.mark.parametrize("what, message", [
    ("junk", "requests() returned str, not a list of requests"),
    ("string", "requests() returned str"),
    ("object", "requests() asked for object"),
    ("argv", "RunProgram needs argv, a list of strings"),
])
def test_what_a_source_asks_is_checked(tmp_path, env, what, message):
    doc = run(tmp_path, env, f"asksjunk {what}\nproperty a\nassert_eq b\n")
    assert doc["summary"]["passed"] == 0 and doc["results"][0]["outcome"] == "not_run"
    assert message in doc["errors"][0]["message"]
    assert "contract-sources" in doc["errors"][0]["message"]  # the plugin's, named


@pytest.mark.parametrize("what, message", [
    ("str", "build() returned str, not a tstconfig_core.api.SourceData"),
    ("lines", "build() returned lines of type str"),
    ("exit", "build() returned NoneType"),
    ("warnings", "build() returned warnings that are not a tuple of strings"),
    ("defaults", "build() returned defaults that are not a mapping"),
])
def test_what_a_source_builds_is_checked(tmp_path, env, what, message):
    doc = run(tmp_path, env, f"buildsbadly {what}\nproperty a\nassert_eq b\n")
    assert doc["summary"]["passed"] == 0 and message in doc["errors"][0]["message"]


def test_no_commands_refuses_any_source_that_asks_to_run_a_program(tmp_path, env):
    marker = tmp_path / "ran"
    doc = run(tmp_path, env, f"runs touch {marker}\nproperty a\nassert_eq b\n",
              "--no-commands")
    assert not marker.exists() and doc["summary"]["passed"] == 0
    assert "--no-commands refuses running programs" in doc["errors"][0]["message"]


def test_a_source_that_implements_nothing_is_listed_broken(tmp_path, env):
    listed = tstconfig("--list-plugins", env=env).stdout
    line = next(ln for ln in listed.splitlines() if " neither " in ln)
    assert "broken" in line and "implements neither requests()" in line
    doc = run(tmp_path, env, "neither\nproperty a\nassert_eq b\n")
    assert doc["results"][0]["outcome"] == "not_run"
