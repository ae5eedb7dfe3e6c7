"""What reports print of data: nothing a terminal would act on, empty tokens visible."""
from __future__ import annotations

import sys
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from tstconfig_core.render import cut, cut_value, joined, printable, shown_value

INVISIBLE = ("Cc", "Cf", "Zl", "Zp")


def test_no_control_or_format_character_is_printed_as_it_is():
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if 0xD800 <= code < 0xE000 or unicodedata.category(char) not in INVISIBLE:
            continue
        shown = printable(f"a{char}b")
        assert shown.isprintable() and shown.startswith("a\\") and shown.endswith("b"), \
            hex(code)


def test_escapes_read_as_python_writes_them():
    assert printable("\t\n\r\x1b[31m\x7f\u202e\U000e0041") == \
        "\\t\\n\\r\\x1b[31m\\x7f\\u202e\\U000e0041"
    assert printable("José Müller 名前") == "José Müller 名前"  # letters are kept


def test_empty_and_blank_tokens_are_quoted_but_a_lone_empty_value_shows_as_in_03():
    assert joined(["10.0.0.0/8", ""]) == '10.0.0.0/8 ""'
    assert joined(["a", " ", "b"]) == 'a " " b'
    assert shown_value([""]) == ""
    assert shown_value(["", ""]) == '"" ""'
    assert shown_value(None) == "<undefined>"


def test_a_long_text_is_cut_with_its_whole_size_once():
    assert cut("x" * 10, 4) == "xxxx… [cut: 10 characters in all]"
    assert cut(cut("x" * 10, 4), 4) == cut("x" * 10, 4)
    assert cut(cut("x" * 10, 4) + " (its waiver expired)", 4).endswith("(its waiver expired)")
    assert cut("x" * 4, 4) == "xxxx"


def test_a_long_value_keeps_the_tokens_of_its_first_characters():
    assert cut_value(("ab", "cd", "ef"), 4) == ("ab", "c… [cut: 8 characters in all]")
    assert cut_value(("abc", "de"), 4) == ("abc", "… [cut: 6 characters in all]")
    assert cut_value(("ab", "cd"), 5) == ("ab", "cd")
    assert cut_value((), 4) == () and cut_value(None, 4) is None


@given(st.lists(st.text(max_size=12), max_size=12), st.integers(min_value=1, max_value=40))
def test_a_cut_value_is_the_start_of_the_whole_and_cutting_again_changes_nothing(tokens,
                                                                                 limit):
    value = tuple(tokens)
    shown = cut_value(value, limit)
    assert cut_value(shown, limit) == shown
    if shown == value:
        assert len(" ".join(value)) <= limit
    else:
        whole = " ".join(value)
        assert " ".join(shown) == f"{whole[:limit]}… [cut: {len(whole)} characters in all]"
