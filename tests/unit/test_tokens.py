from __future__ import annotations

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from tstconfig_core.tokens import UnterminatedQuote, scan_quoted, tokenize, unescape_java


@pytest.mark.parametrize("line, tokens", [
    ("a b\tc", ["a", "b", "c"]),
    ("  lead  and trail  ", ["lead", "and", "trail"]),
    ('"LIMIT IN" Anywhere', ["LIMIT IN", "Anywhere"]),
    ('"FilesMatch ""^\\.ht"""', ['FilesMatch "^\\.ht"']),
    ('a"b c"d', ["ab cd"]),
    ('x "" y', ["x", "", "y"]),
    ('""', [""]),
    ("back\\slash", ["back\\slash"]),
    ("assert_eq no # x", ["assert_eq", "no", "#", "x"]),
    ("", []),
])
def test_definition_tokens(line, tokens):
    assert tokenize(line) == tokens


def test_separators_and_empty_tokens():
    assert tokenize("root:x:0:", ":", keep_empty=True) == ["root", "x", "0", ""]
    assert tokenize("a::b", ":", keep_empty=False) == ["a", "b"]
    assert tokenize("a::b", ":", keep_empty=True) == ["a", "", "b"]
    assert tokenize('\t"x";', " \t;") == ["x"]
    assert tokenize('"a:b":c', ":", keep_empty=True) == ["a:b", "c"]


def test_other_quote_char_and_none():
    assert tokenize("'a b' c", quote="'") == ["a b", "c"]
    assert tokenize('"a b"', quote=None) == ['"a', 'b"']


def test_unterminated_quote():
    assert tokenize('a "b c') == ["a", "b c"]
    with pytest.raises(UnterminatedQuote):
        tokenize('a "b c', strict=True)


@pytest.mark.parametrize("text, result", [
    ("\\t", "\t"), ("|", "|"), ("\\u0009,", "\t,"), ("\\\\", "\\"), ("\\011", "\t"),
])
def test_unescape_java(text, result):
    assert unescape_java(text) == result


@settings(max_examples=2000, deadline=None)
@given(line=st.lists(st.sampled_from(['"', '"', '"', "a", " ", "\t", ",", "é", "'", "b"]),
                     max_size=16).map("".join),
       separators=st.sampled_from([" \t", ",", " ", ", ", ""]),
       quote=st.sampled_from(['"', "'"]), keep_empty=st.booleans(), strict=st.booleans())
def test_quoted_lines_split_as_the_reference_scans_them(line, separators, quote, keep_empty,
                                                        strict):
    """The tokenizer that splits at quotes gives what a character-by-character scan does."""
    try:
        expected = scan_quoted(line, separators, quote, keep_empty, strict)
    except UnterminatedQuote:
        with pytest.raises(UnterminatedQuote):
            tokenize(line, separators, quote, keep_empty, strict)
        return
    assert tokenize(line, separators, quote, keep_empty, strict) == expected
