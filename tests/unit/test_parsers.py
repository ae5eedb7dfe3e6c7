"""Each parse mode and each preset, through the same row-building the core uses."""
from __future__ import annotations

import pytest

from tstconfig_core.api import PluginError
from tstconfig_core.block import parse_rows
from tstconfig_core.loader import PluginRegistry
from tstconfig_core.options import ParseOptions
from tstconfig_plugins.parsers.fixed import FixedParser
from tstconfig_plugins.parsers.keyvalue import KeyValueParser
from tstconfig_plugins.parsers.tokenized import TokenizedParser

from conftest import FIXTURES


def lines(name: str) -> list[str]:
    return (FIXTURES / "data" / name).read_text(encoding="utf-8").splitlines()


def with_syntax(name: str) -> ParseOptions:
    settings = PluginRegistry().instance("tstconfig.syntaxes", name, object).settings()
    return ParseOptions(**settings)


def test_tokenized():
    opts = ParseOptions()
    assert TokenizedParser().parse_line(' a  "b c" d ', opts) == ["a", "b c", "d"]
    opts.separator, opts.ignore_empty_tokens = ",", False
    assert TokenizedParser().parse_line("a,,b,", opts) == ["a", "", "b", ""]


def test_fixed():
    opts = ParseOptions(positions=(0, 4, 8))
    parser = FixedParser()
    assert parser.parse_line("ab  cd  ef gh ", opts) == ["ab", "cd", "ef gh"]
    assert parser.parse_line("ab", opts) == ["ab", "", ""]
    with pytest.raises(PluginError, match="positions"):
        parser.parse_line("ab", ParseOptions())


def test_keyvalue():
    parser = KeyValueParser()
    opts = ParseOptions(key_separator=":")
    assert parser.parse_line("Default: deny (incoming), allow", opts) == [
        "Default", "deny", "(incoming),", "allow"]
    assert parser.parse_line("New profiles: skip", opts) == ["New profiles", "skip"]
    assert parser.parse_line("no separator", opts) is None
    opts.key_separator_optional = True
    assert parser.parse_line("  bare key  ", opts) == ["bare key"]
    opts.separator = "|"
    assert parser.parse_line("k: a b", opts) == ["k", "a b"]


def test_skip_read_and_comments():
    opts = ParseOptions(skip_header_lines=1, read_lines=3, hash_comment_allowed=True)
    rows = parse_rows(["header", "# c", "a 1", "", "b 2"], opts, TokenizedParser()).top
    assert rows == [["a", "1"]]
    opts = ParseOptions(slash_comment_allowed=True, semicolon_comment_allowed=True)
    rows = parse_rows(["// x", "; y", "# z"], opts, TokenizedParser()).top
    assert rows == [["#", "z"]]


def test_preset_etc_passwd():
    sections = parse_rows(lines("passwd"), with_syntax("etc_passwd"), TokenizedParser())
    assert sections.named == {}
    assert sections.top[3] == ["svc", "x", "998", "998", "", "/var/lib/svc", "/usr/sbin/nologin"]
    assert len(sections.top) == 5


@pytest.mark.parametrize("name", ["etc_group", "etc_shadow"])
def test_preset_colon_files(name):
    rows = parse_rows(["g:x:1:", "# c"], with_syntax(name), TokenizedParser()).top
    assert rows == [["g", "x", "1", ""]]


def test_preset_ini():
    sections = parse_rows(lines("app.ini"), with_syntax("ini"), KeyValueParser())
    assert sections.top == []
    assert sections.named["main"] == [["name", "web01"], ["ports", "80", "443"], ["flag"],
                                      ["extra", "yes"]]
    assert sections.named["db"] == [["name", "db primary"], ["empty"]]


def test_preset_apache():
    text = ["<Directory />", "  Options None", "  <Files x>", "  Require all denied",
            "  </Files>", "Timeout 300", "#<Directory /srv>", "</Directory>"]
    sections = parse_rows(text, with_syntax("apache"), TokenizedParser())
    assert sections.named == {"Directory /": [["Options", "None"]],
                              "Files x": [["Require", "all", "denied"]]}
    assert sections.top == [["Timeout", "300"]]


def test_preset_apt():
    text = ["A::B {", '\t"x";', "//\t\"y\";", "};", 'A::C "root";']
    sections = parse_rows(text, with_syntax("apt"), TokenizedParser())
    assert sections.named == {"A::B": [["x"]]}
    assert sections.top == [["A::C", "root"]]
