"""The html, prometheus, github and gitlab-codequality reports under hostile input, through
the real CLI: a filter fragment typed by hand, two definition files that reports name
alike, and a definition file named thousands of times."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from conftest import tstconfig
from htmldom import dom, parse

PAGE = ('command printf "a 1\\nb 2\\n"\nparse_mode tokenized\n'
        "property a\nassert_eq 1\nproperty b\nassert_eq 3\n")


@pytest.mark.parametrize("fragment", ["#q=%", "#q=100%", "#host=%E0%A4%A&q=a",
                                      "#file=%zz&o=f,p", "#o=f%2"])
def test_a_malformed_percent_escape_in_the_fragment_leaves_the_filters_working(
        tmp_path, fragment):
    """decodeURIComponent throws on a lone ``%``: the script must not stop there, with
    the filters hidden and no count, for a link someone typed or cut short."""
    (tmp_path / "a.tstconfig").write_text(PAGE, encoding="utf-8")
    done = tstconfig("-r", "html:r.html", "a.tstconfig", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    doc = dom(tmp_path / "r.html", fragment)
    assert not doc.one("form", id="filters").hidden
    assert doc.one("output", id="shown").text().startswith("showing ")


# Two definition files whose names show alike: a real byte 0xff, shown as ``\xff``, and
# a name written with a backslash. Their checks get the same id; the first run of the
# command prints ``a 2`` and the second ``a 1``, so one of the two checks fails.
FLIP = ('command sh -c "test -e flag && echo a 1 || echo a 2; touch flag"\n'
        "property a\nassert_eq {}\n")


def _alike(tmp_path: Path, expected: str) -> None:
    for name in (b"a\xff.tstconfig", b"a\\xff.tstconfig"):
        (tmp_path / name.decode("utf-8", "surrogateescape")).write_text(
            FLIP.format(expected), encoding="utf-8")


@pytest.mark.parametrize("expected", ["1", "2"])  # (the first fails; the second fails)
def test_a_failed_check_is_never_shown_passed_when_two_checks_share_an_id(
        tmp_path, expected):
    _alike(tmp_path, expected)
    done = tstconfig("-r", "html:r.html", "-r", "prometheus:r.prom", "-r", "json:r.json",
                     ".", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    results = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["results"]
    assert sorted(r["outcome"] for r in results) == ["failed", "passed"]
    assert len({r["id"] for r in results}) == 1  # (why: their ids are the same)
    text = (tmp_path / "r.prom").read_text(encoding="utf-8")
    states = {s.labels["outcome"]: s.value for f in text_string_to_metric_families(text)
              if f.name == "tstconfig_check_outcome" for s in f.samples}
    assert states["failed"] == 1 and states["passed"] == 0
    page = parse((tmp_path / "r.html").read_text(encoding="utf-8"))
    cells = [td.attrs.get("class") for td in page.one("table", id="matrix").all("td")
             if td.attrs.get("class") != "e"][1:]  # (after the errors row's)
    assert "f" in cells and "p" not in cells, cells


def test_a_file_named_20000_times_gives_a_gitlab_report_in_linear_time(tmp_path):
    """Each name after the first is a warning of its own, all alike: each needs a unique
    fingerprint, which must not be found by hashing every earlier count again."""
    (tmp_path / "a.tstconfig").write_text(PAGE, encoding="utf-8")
    started = time.monotonic()
    done = tstconfig("-q", "-r", "gitlab-codequality:gl.json", *["a.tstconfig"] * 20_000,
                     cwd=tmp_path, timeout=120)
    took = time.monotonic() - started
    assert done.returncode == 1, done.stderr
    issues = json.loads((tmp_path / "gl.json").read_text(encoding="utf-8"))
    assert len(issues) == 20_000  # (a failure, and 19,999 warnings)
    assert len({issue["fingerprint"] for issue in issues}) == 20_000
    assert took < 30, took
