from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tstconfig_core.definition import (Directive, SyntaxProblem, blocks, parse_definition,
                                       split_lines)


def test_comments_blank_lines_and_line_numbers():
    text = "# comment\n\n   # indented comment\nfile /etc/hosts\nassert_eq no # x\n"
    items = list(parse_definition(text, "d.tstconfig"))
    assert items == [
        Directive("d.tstconfig", 4, "file", ("/etc/hosts",)),
        Directive("d.tstconfig", 5, "assert_eq", ("no", "#", "x")),
    ]


def test_empty_argument_is_kept():
    (d,) = parse_definition('assert_eq x 42 "" /bin/sh\n', "f")
    assert d.args == ("x", "42", "", "/bin/sh")


def test_crlf_reads_as_lf():
    assert split_lines("a\r\nb\nc") == ["a", "b", "c"]
    assert split_lines("a\n\n") == ["a", ""]
    assert split_lines("") == []


def test_problems_are_located():
    items = list(parse_definition('file x\nproperty "open\n""\n', "f"))
    assert isinstance(items[1], SyntaxProblem) and items[1].line == 2
    assert "unterminated" in items[1].message
    assert isinstance(items[2], SyntaxProblem) and "keyword" in items[2].message


def test_directive_text():
    assert Directive("f", 1, "assert_eq", ("a", "b")).text == "assert_eq a b"




@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(st.sampled_from(
    ["a", "b", " ", "\t", "\f", "\x0b", "\x1c", "\x1f", "\xa0", "\u2028", "\x85", "#", '"',
     "\r", "é", "file", "property", "x"]), max_size=20).map("".join), max_size=12))
def test_a_line_read_at_once_is_the_line_tokenize_reads(lines):
    """blocks() splits plain text with str.split(): the same directives as tokenize()
    makes of each line (parse_definition)."""
    text = "\n".join(lines)
    seen = []
    for block in blocks(text, "t", lambda k: k == "file"):
        if block.source is not None and block.problem is None:
            seen.append(block.source)
        seen += [i for i in block.items if isinstance(i, Directive)]
    assert seen == [i for i in parse_definition(text, "t") if isinstance(i, Directive)]
