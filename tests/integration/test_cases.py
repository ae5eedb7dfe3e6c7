"""Every tests/fixtures/cases/NAME.tstconfig against its golden report NAME.expected.

Adding a case is adding the two files. Regenerate the golden files with
TSTCONFIG_UPDATE_GOLDEN=1 and read the diff before committing it.
"""
from __future__ import annotations

import os
import re

import pytest

from conftest import FIXTURES, case_args, normalized, tstconfig

CASES = sorted(p.stem for p in (FIXTURES / "cases").glob("*.tstconfig"))


def expected_status(report: str) -> int:
    errors = int(re.search(r"^Errors: (\d+)$", report, re.MULTILINE).group(1))
    failed = int(re.search(r"^Assertions failed: (\d+)$", report, re.MULTILINE).group(1))
    return 2 if errors else (1 if failed else 0)


@pytest.mark.parametrize("case", CASES)
def test_case_report(case: str, workdir) -> None:
    result = tstconfig(*case_args(case), f"cases/{case}.tstconfig", cwd=workdir)
    assert "Traceback" not in result.stderr
    got = normalized(result.stdout)
    golden = FIXTURES / "cases" / f"{case}.expected"
    if os.environ.get("TSTCONFIG_UPDATE_GOLDEN"):
        golden.write_text(got, encoding="utf-8")
    expected = golden.read_text(encoding="utf-8")
    assert got == expected
    assert result.returncode == expected_status(expected)


def test_cases_exist() -> None:
    assert len(CASES) >= 9
    for case in CASES:
        assert (FIXTURES / "cases" / f"{case}.expected").is_file(), case
