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


def test_a_pattern_waives_what_it_matches_and_an_exact_id_wins(tmp_path):
    w = waivers(tmp_path, '[[waiver]]\npattern = "f::b::*"\nreason = "glob"\n'
                          '[[waiver]]\nid = "f::b::a assert_eq 2"\nreason = "exact"\n')
    assert w.apply(result("f::b::a assert_eq 2")).waiver == "exact"
    assert w.apply(result("f::b::z assert_eq 2")).waiver == "glob"
    assert w.apply(result("g::b::z assert_eq 2")).outcome == FAILED


def test_an_id_is_never_a_pattern(tmp_path):
    """Ids hold [, * and ? of their own: a copied id must waive that check, no other."""
    w = waivers(tmp_path, '[[waiver]]\nid = "u::b::Url assert_eq https://*"\nreason = "r"\n'
                          '[[waiver]]\nid = "s::b::[ab] k assert_eq 1"\nreason = "r"\n')
    assert w.apply(result("u::b::Url assert_eq https://*")).outcome == WAIVED
    assert w.apply(result("u::b::Url assert_eq https://example.com")).outcome == FAILED
    assert w.apply(result("s::b::[ab] k assert_eq 1")).outcome == WAIVED
    assert w.apply(result("s::b::a k assert_eq 1")).outcome == FAILED


def test_only_failures_are_waived(tmp_path):
    w = waivers(tmp_path, '[[waiver]]\npattern = "*"\nreason = "all"\n')
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
    ('[[waiver]]\nid = "x"\npattern = "y"\nreason = "r"\n', "not both"),
    ('[[waiver]]\nid = ""\nreason = "r"\n', "id must be a text"),
    ('[[waiver]]\nid = "x"\nreason = "r"\nexpire = 2026-01-01\n', "unknown key(s) expire"),
    ('[[waiver]]\nid = "x"\nreason = "r"\nexpires = "soon"\n', "expires must be a date"),
    ('[[waiver]]\nid = "x"\nreason = "r"\nowner = 3\n', "owner must be a text"),
    ('[[waiver]]\nid = "x"\nreason = 3\n', "reason must be a text"),
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
    with pytest.raises(WaiverError, match="cannot read it: is a directory"):
        load(str(tmp_path))
    with pytest.raises(WaiverError, match="larger than 16 MiB"):
        load("/dev/zero")


def test_a_byte_order_mark_is_read(tmp_path):
    (tmp_path / "w.toml").write_bytes(b'\xef\xbb\xbf[[waiver]]\nid = "x"\nreason = "r"\n')
    assert [w.id for w in load(str(tmp_path / "w.toml"))._all] == ["x"]


def test_lines_are_given_only_where_they_are_known(tmp_path):
    """An inline array has no [[waiver]] lines: no line, rather than a wrong one; and an
    unused waiver is still told apart from a used one."""
    w = waivers(tmp_path, 'waiver = [{id = "x", reason = "r"}, {id = "y", reason = "r"}]\n')
    w.apply(result("x"))
    (warning,) = w.warnings()
    assert warning.line is None and "'y'" in warning.message
    w = waivers(tmp_path,
                '[[waiver]]\nid = "x"\nreason = """\n[[waiver]]\n"""\n[[waiver]]\nid = "y"\n'
                'reason = "r"\n')
    assert [x.line for x in w._all] == [None, None]


def test_many_waivers_load_in_linear_time(tmp_path):
    import time
    text = "".join(f'[[waiver]]\nid = "c{i}"\nreason = "r"\n\n' for i in range(40_000))
    start = time.perf_counter()
    w = waivers(tmp_path, text)
    assert time.perf_counter() - start < 5  # quadratic line counting took 24 s
    assert w._all[-1].line == 4 * 39_999 + 1
