from __future__ import annotations

from tstconfig_core.definition import Directive, SyntaxProblem, parse_definition, split_lines


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
