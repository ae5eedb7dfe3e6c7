"""Waivers: TOML read with the standard library, exact ids and globs, expiry, mistakes located."""
from __future__ import annotations

import datetime

import pytest

from tstconfig_core.model import FAILED, NOT_RUN, PASSED, WAIVED, AssertionResult
from tstconfig_core.waivers import WaiverError, Waivers, load

TODAY = datetime.date(2026, 11, 25)


def result(check_id: str, outcome: str = FAILED) -> AssertionResult:
    return AssertionResult("f.tstconfig", 3, None, None, ("a",), ("1",), "assert_eq", ("2",),
                           outcome, "expected ['2'], got ['1']", 0.0, id=check_id)


def waivers(tmp_path, text: str) -> Waivers:
    path = tmp_path / "waivers.toml"
    path.write_text(text, encoding="utf-8")
    found = load(str(path))
    return Waivers(found.path, found._all, today=TODAY)


def test_an_exact_id_waives_a_failure_with_its_reason(tmp_path):
    w = waivers(tmp_path, '[[waiver]]\nid = "f::b::a assert_eq 2"\nreason = "OPS-1"\n'
                          'owner = "ops"\nexpires = 2026-11-25\n')
    waived = w.apply(result("f::b::a assert_eq 2"))
    assert waived.outcome == WAIVED and not waived.passed
    assert waived.waiver == "OPS-1 (owner: ops, until 2026-11-25)"
    assert w.apply(result("f::b::other")).outcome == FAILED
    assert w.warnings() == []


def test_a_glob_waives_what_it_matches_and_an_exact_id_wins(tmp_path):
    w = waivers(tmp_path, '[[waiver]]\nid = "f::b::*"\nreason = "glob"\n'
                          '[[waiver]]\nid = "f::b::a assert_eq 2"\nreason = "exact"\n')
    assert w.apply(result("f::b::a assert_eq 2")).waiver == "exact"
    assert w.apply(result("f::b::z assert_eq 2")).waiver == "glob"
    assert w.apply(result("g::b::z assert_eq 2")).outcome == FAILED


def test_only_failures_are_waived(tmp_path):
    w = waivers(tmp_path, '[[waiver]]\nid = "*"\nreason = "all"\n')
    assert w.apply(result("x", PASSED)).outcome == PASSED
    assert w.apply(result("x", NOT_RUN)).outcome == NOT_RUN
    assert w.warnings() == []  # it matched checks, so it is not unused


def test_an_expired_waiver_no_longer_applies_and_says_so(tmp_path):
    w = waivers(tmp_path, '# old\n[[waiver]]\nid = "x"\nreason = "r"\nexpires = "2026-11-24"\n')
    failed = w.apply(result("x"))
    assert failed.outcome == FAILED and "expired on 2026-11-24" in failed.message
    (warning,) = w.warnings()
    assert warning.line == 2 and "expired on 2026-11-24" in warning.message


def test_a_waiver_that_matches_nothing_is_a_warning_at_its_line(tmp_path):
    w = waivers(tmp_path, '[[waiver]]\nid = "x"\nreason = "r"\n\n[[waiver]]\nid = "y"\n'
                          'reason = "r"\n')
    w.apply(result("x"))
    (warning,) = w.warnings()
    assert warning.file.endswith("waivers.toml") and warning.line == 5
    assert "matches no check" in warning.message


@pytest.mark.parametrize("text, message", [
    ('[[waiver]]\nid = "x"\n', "needs reason"),
    ('[[waiver]]\nreason = "r"\n', "needs id"),
    ('[[waiver]]\nid = "x"\nreason = "r"\nexpire = 2026-01-01\n', "unknown key(s) expire"),
    ('[[waiver]]\nid = "x"\nreason = "r"\nexpires = "soon"\n', "expires must be a date"),
    ('[[waiver]]\nid = "x"\nreason = "r"\nowner = 3\n', "owner must be a text"),
    ('waiver = "x"\n', "array of tables"),
    ('[waivers]\n', "unknown key(s) waivers"),
    ('[[waiver]\n', "not valid TOML"),
])
def test_mistakes_are_located(tmp_path, text, message):
    with pytest.raises(WaiverError, match=message.replace("(", r"\(").replace(")", r"\)")) as exc:
        waivers(tmp_path, text)
    assert str(exc.value).startswith(str(tmp_path / "waivers.toml"))


def test_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(WaiverError, match="cannot read it"):
        load(str(tmp_path / "nope.toml"))
