"""Issue 13, findings 3 and 13: a failed selector leaves no value; --inspect draws no
ruler the size of a hostile offset."""
from __future__ import annotations

import json
import resource
import subprocess
import sys

import pytest

from conftest import tstconfig

DATA = "k v\nname a b\n[s]\nz w\n"

# Each selector that fails, after a property whose value the assertion would pass on,
# and what becomes of the next property: found, or not run (a failed section leaves
# nothing to select from until the next section; the column names still cannot be
# resolved).
FAILED_SELECTORS = {
    "columns: a negative number": ("columns 0 -1", "passed"),
    "columns: a fraction": ("columns 0 1.5", "passed"),
    "columns: a name without names": ("columns KEY VALUE", "not_run"),
    "section: unknown": ("section nosuch", "not_run"),
    "section: none in the data": ("section s", "not_run"),
    "exit_status of a file": ("exit_status", "passed"),
}


@pytest.mark.parametrize("selector", FAILED_SELECTORS)
def test_the_assertions_after_a_failed_selector_are_not_run(tmp_path, selector):
    (tmp_path / "kv.txt").write_text(DATA)
    (tmp_path / "d.tstconfig").write_text(
        f"file kv.txt\nproperty k\nassert_eq v\n{FAILED_SELECTORS[selector][0]}\n"
        "assert_eq v\nassert_not_eq x\nproperty name\nassert_eq a b\n")
    doc = json.loads(tstconfig("-r", "json", "d.tstconfig", cwd=tmp_path).stdout)
    outcomes = [(r["line"], r["outcome"]) for r in doc["results"]]
    after = FAILED_SELECTORS[selector][1]
    assert outcomes == [(3, "passed"), (5, "not_run"), (6, "not_run"), (8, after)], doc
    assert [e["line"] for e in doc["errors"]][:1] == [4]
    assert doc["summary"]["status"] == "FAIL"


@pytest.mark.parametrize("positions", ["0 99999999999999999999", "0 300000000",
                                       "0 4 " + " ".join(str(10 ** k) for k in range(2, 40))])
def test_inspect_draws_no_ruler_the_size_of_an_offset(tmp_path, positions):
    (tmp_path / "d.tstconfig").write_text(
        f"command echo abc def ghi\nparse_mode fixed\npositions {positions}\n"
        "property abc\nassert_eq x\n")
    limit = 1024 ** 3  # 1 GiB: the 300,000,000 cut once drew 2.3 GB

    def bounded() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    result = subprocess.run([sys.executable, "-m", "tstconfig_core", "--inspect", "d.tstconfig"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=60,
                            preexec_fn=bounded)
    assert "Traceback" not in result.stderr, result.stderr
    assert "past the longest line, 11 characters" in result.stdout
    assert result.returncode == 0 and "abc def ghi" in result.stdout
