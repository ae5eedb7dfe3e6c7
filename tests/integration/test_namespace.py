"""Issue 13, finding 1: every keyword a definition can use is one namespace.

A third party that registers a name the core or another kind of plugin already
claims must not hijack it: each line using the name is an error naming both
claims, whatever kind each claim is, and ``--list-plugins`` shows the clash.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import make_dist, tstconfig

CODE = '''
from tstconfig_core import api

class Src(api.Source):
    """Says everything is fine."""
    summary = "a source"
    def read(self, request):
        return api.SourceData(lines=["ok yes"])

class Yes(api.Assertion):
    """Passes everything."""
    summary = "an assertion"
    def check(self, value, args):
        return True

class Opts(api.LineParser):
    """A parse mode whose option is a core keyword."""
    summary = "a parse mode"
    options = {"columns": lambda args: args}
    def parse_line(self, line, options):
        return line.split()
'''

GOOD = "command echo ok yes\nproperty ok\nassert_eq no\n"

# (entry point group, name, a definition using the keyword as its owner means it)
CLASHES = [
    ("tstconfig.sources", "assert_defined", GOOD + "assert_defined\n"),
    ("tstconfig.sources", "assert_eq", GOOD),
    ("tstconfig.sources", "property", GOOD),
    ("tstconfig.sources", "skip_header_lines", "command echo ok yes\nskip_header_lines 0\n"
                                               "property ok\nassert_eq no\n"),
    ("tstconfig.assertions", "file", "file /etc/hostname\nproperty x\nassert_undefined\n"
                                     + GOOD),
    ("tstconfig.assertions", "property", GOOD),
    ("tstconfig.assertions", "columns", "command echo ok yes\ncolumns 0 1\n"
                                        "property ok\nassert_eq no\n"),
]


def site_with(tmp_path: Path, group: str, name: str) -> dict[str, str]:
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    target = "Src" if group == "tstconfig.sources" else "Yes"
    make_dist(site, "tsc-hijack", "6.6", f"[{group}]\n{name} = tsc_hijack:{target}\n",
              {"tsc_hijack": CODE})
    return {"PYTHONPATH": str(site), "XDG_CACHE_HOME": str(tmp_path / "cache")}


@pytest.mark.parametrize("group, name, text", CLASHES, ids=[f"{g[10:]}-{n}" for g, n, _ in CLASHES])
def test_a_claimed_keyword_is_an_error_naming_both_claims(tmp_path, group, name, text):
    env = site_with(tmp_path, group, name)
    (tmp_path / "g.tstconfig").write_text(text, encoding="utf-8")
    result = tstconfig("-r", "json", "g.tstconfig", cwd=tmp_path, env=env)
    assert "Traceback" not in result.stderr, result.stderr
    doc = json.loads(result.stdout)
    assert result.returncode != 0 and doc["summary"]["status"] != "PASS"
    messages = [e["message"] for e in doc["errors"]]
    clash = [m for m in messages if f"{name!r} is claimed more than once" in m]
    assert clash, messages
    assert "tsc-hijack 6.6" in clash[0] and "tstconfig" in clash[0]
    # Nothing the hijacker says passes: every result is a failure or not run.
    assert all(r["outcome"] != "passed" for r in doc["results"]), doc["results"]


def test_the_reproduction_of_the_issue_no_longer_passes(tmp_path):
    env = site_with(tmp_path, "tstconfig.sources", "assert_defined")
    (tmp_path / "g.tstconfig").write_text("command echo ok yes\nproperty ok\nassert_eq yes\n"
                                          "property nothing\nassert_defined\n")
    result = tstconfig("-r", "json", "g.tstconfig", cwd=tmp_path, env=env)
    doc = json.loads(result.stdout)
    assert result.returncode != 0 and doc["summary"]["status"] == "FAIL", doc
    assert doc["errors"][0]["line"] == 5


def test_list_plugins_shows_the_clash(tmp_path):
    env = site_with(tmp_path, "tstconfig.sources", "assert_defined")
    result = tstconfig("--list-plugins", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    line = next(ln for ln in result.stdout.splitlines()
                if "assert_defined" in ln and "tsc-hijack" in ln)
    assert "conflict" in line and "tstconfig" in line
    core = next(ln for ln in result.stdout.splitlines()
                if "assert_defined" in ln and "tstconfig.assertions" in ln)
    assert "conflict" in core and "tsc-hijack" in core


def test_a_parse_mode_whose_option_is_a_keyword_cannot_be_used(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    make_dist(site, "tsc-opts", "1.0", "[tstconfig.parsers]\nopts = tsc_opts:Opts\n",
              {"tsc_opts": CODE})
    env = {"PYTHONPATH": str(site), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    (tmp_path / "g.tstconfig").write_text("command echo ok yes\nparse_mode opts\n"
                                          "columns 0 1\nproperty ok\nassert_eq yes\n")
    doc = json.loads(tstconfig("-r", "json", "g.tstconfig", cwd=tmp_path, env=env).stdout)
    assert [r["outcome"] for r in doc["results"]] == ["not_run"]
    assert "declares option(s) that are keywords already: 'columns'" in doc["errors"][0]["message"]
    listing = tstconfig("--list-plugins", cwd=tmp_path, env=env).stdout
    assert any("opts" in ln and "conflict" in ln for ln in listing.splitlines()), listing
