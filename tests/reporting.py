"""Checking reports with the consumers users have: jsonschema, xmlschema, prove."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
SHARED = Path(os.environ.get("TSTCONFIG_SHARED", ROOT.parent / "shared"))
JUNIT_XSD = SHARED / "schemas" / "junit-ant.xsd"
# The schema as installed: validating against it also proves the package ships it.
JSON_SCHEMA = Path(str(files("tstconfig_core") / "schemas" / "report.schema.json"))
# .ci/run sets these, so that there the checks cannot be skipped.
REQUIRE_XSD = os.environ.get("TSTCONFIG_REQUIRE_XSD") == "1"
REQUIRE_PROVE = os.environ.get("TSTCONFIG_REQUIRE_PROVE") == "1"
REQUIRE_SHARED = os.environ.get("TSTCONFIG_REQUIRE_SHARED") == "1"


def need(condition: bool, required: bool, reason: str) -> None:
    if not condition:
        if required:
            pytest.fail(f"required here but missing: {reason}")
        pytest.skip(reason)


def validate_json(path: Path) -> dict:
    import jsonschema
    doc = json.loads(path.read_text(encoding="utf-8"))
    schema = json.loads(JSON_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(doc)
    return doc


@lru_cache(maxsize=1)
def _xsd():
    import xmlschema
    return xmlschema.XMLSchema(str(JUNIT_XSD))


def validate_junit(path: Path) -> dict[str, int]:
    """Validate against Ant's schema; the counts summed over the suites (each suite's
    counts checked against its testcases, and its time against theirs)."""
    need(JUNIT_XSD.is_file(), REQUIRE_XSD, f"{JUNIT_XSD} not found")
    _xsd().validate(str(path))
    import xml.etree.ElementTree as ET
    root = ET.parse(path).getroot()
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in root.iter("testsuite"):
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases)
        for key, child in (("failures", "failure"), ("errors", "error"), ("skipped", "skipped")):
            assert int(suite.get(key, 0)) == sum(c.find(child) is not None for c in cases), key
        assert abs(float(suite.get("time")) - sum(float(c.get("time")) for c in cases)) < 1e-5
        for key in totals:
            totals[key] += int(suite.get(key, 0))
    return totals


def prove(path: Path) -> tuple[int, int, list[str], int]:
    """(tests, failed, parse errors, exit status) as Perl's prove reads the TAP file."""
    need(shutil.which("prove") is not None, REQUIRE_PROVE, "prove is not installed")
    result = subprocess.run(["prove", "-e", "cat", str(path)], capture_output=True, text=True)
    out = result.stdout
    tests = int(re.search(r"Tests=(\d+)", out).group(1))
    failed = re.search(r"Failed: (\d+)\)", out)
    errors = re.findall(r"Parse errors: (.*)", out)
    return tests, int(failed.group(1)) if failed else 0, errors, result.returncode


def tappy(path: Path) -> tuple[int, int, int]:
    """(tests, failed, skipped) as the tap.py consumer reads the TAP file.

    tap.py turns each test point into a unittest case, and anything out of
    order (a line after the plan, a wrong plan) into one more failing case.
    """
    import unittest
    import warnings
    from tap.loader import Loader
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a YAML block it could not read is a failure here
        suite = Loader().load_suite_from_file(str(path))
    result = unittest.TestResult()
    suite.run(result)
    return result.testsRun, len(result.failures) + len(result.errors), len(result.skipped)


def harness_accepts_tap14() -> bool:
    """Test::Harness 3.48 and later know TAP version 14."""
    result = subprocess.run(["perl", "-MTest::Harness", "-e", "print $Test::Harness::VERSION"],
                            capture_output=True, text=True)
    try:
        return tuple(int(x) for x in result.stdout.strip().split(".")[:2]) >= (3, 48)
    except ValueError:
        return False
