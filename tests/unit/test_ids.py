"""Stable ids: made of what a check checks, unique in a file, short for dashboards."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tstconfig_core.ids import FileIds, block_part, check_part, plain, quoted, shortened
from tstconfig_core.render import printable


def test_tokens_are_written_as_a_definition_writes_them():
    assert quoted(["a", "", "b c", 'say "hi"']) == 'a "" "b c" "say ""hi"""'
    assert quoted([]) == ""


def test_the_check_part_names_section_subject_assertion_and_arguments():
    assert check_part(None, "property", ("PermitRootLogin",), "assert_eq", ("no",)) == \
        "PermitRootLogin assert_eq no"
    assert check_part("Session", "property", ("a", "b"), "assert_eq", ("",)) == \
        '[Session] a b assert_eq ""'
    assert check_part("", "section_size", None, "assert_gt", ("3",)) == \
        "[] section_size assert_gt 3"
    assert check_part(None, "property", (), "assert_defined", ()) == "(every row) assert_defined"
    assert check_part(None, "none", None, "assert_undefined", ()) == "(no value) assert_undefined"


def test_a_long_source_is_shortened_and_still_unique():
    one = "sh -c " + "x" * 1500
    two = "sh -c " + "x" * 1499 + "y"
    assert len(shortened(one)) == 100 and shortened(one) != shortened(two)
    assert shortened(one) == shortened(one)  # stable
    assert block_part("command", ["echo", "a b"], None) == 'command echo "a b"'
    assert block_part("command", ["x" * 500], "my block") == "my block"


def test_identical_checks_are_numbered_and_no_id_is_given_twice():
    ids = FileIds("f.tstconfig")
    assert ids.make("file /x", "a assert_eq 1") == ("f.tstconfig::file /x::a assert_eq 1",
                                                   "a assert_eq 1")
    assert ids.make("file /x", "a assert_eq 1")[1] == "a assert_eq 1 (2)"
    # a check whose own arguments end in "(3)" must not take the id of the third copy
    assert ids.make("file /x", "a assert_eq 1 (3)")[1] == "a assert_eq 1 (3)"
    assert ids.make("file /x", "a assert_eq 1")[1] == "a assert_eq 1 (4)"


def test_ids_are_plain_text_as_every_report_shows_them():
    ids = FileIds("f\x1b.tstconfig")
    assert ids.make("file /x", 'a assert_eq "x\ty  z"') == (
        'f\\x1b.tstconfig::file /x::a assert_eq "x\\ty z"', 'a assert_eq "x\\ty z"')
    # what JUnit and TAP would show alike is one id: the second gets a suffix
    assert ids.make("file /x", 'a assert_eq "x\ty z"')[1] == 'a assert_eq "x\\ty z" (2)'
    assert ids.make("file /x", "a  assert_eq\u00a0b")[1] == "a assert_eq b"
    assert block_part("command", ["echo", "\x1b[2J"], None) == "command echo \\x1b[2J"


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from([" ", "a", "\t", "\n", "\xa0", "\u3000", "\x1b", "é",
                                         "\u2028", "\x85", "b"]), max_size=12))
def test_plain_text_is_left_as_it_is_only_when_nothing_would_change_it(text):
    assert plain(text) == " ".join(printable(text).split())
