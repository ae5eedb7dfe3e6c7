"""Each parse mode and each preset, through the same row-building the core uses."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tstconfig_core.api import PluginError
from tstconfig_core.engine.parsing import parse_rows
from tstconfig_core.loading.groups import SYNTAXES
from tstconfig_core.loading.registry import PluginRegistry
from tstconfig_core.options import ParseOptions
from tstconfig_plugins.parsers.fixed import FixedParser
from tstconfig_plugins.parsers.keyvalue import KeyValueParser
from tstconfig_plugins.parsers.tokenized import TokenizedParser

from conftest import FIXTURES


def lines(name: str) -> list[str]:
    return (FIXTURES / "data" / name).read_text(encoding="utf-8").splitlines()


def with_syntax(name: str) -> ParseOptions:
    settings = PluginRegistry().instance(SYNTAXES, name).settings()
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
    rows = parse_rows(["header", "# c", "a 1", "", "b 2"], opts, TokenizedParser()).rows
    assert rows == [["a", "1"]]
    opts = ParseOptions(slash_comment_allowed=True, semicolon_comment_allowed=True)
    rows = parse_rows(["// x", "; y", "# z"], opts, TokenizedParser()).rows
    assert rows == [["#", "z"]]


def test_preset_etc_passwd():
    sections = parse_rows(lines("passwd"), with_syntax("etc_passwd"), TokenizedParser())
    assert sections.sections == {}
    assert sections.rows[3] == ["svc", "x", "998", "998", "", "/var/lib/svc", "/usr/sbin/nologin"]
    assert len(sections.rows) == 5


@pytest.mark.parametrize("name", ["etc_group", "etc_shadow"])
def test_preset_colon_files(name):
    rows = parse_rows(["g:x:1:", "# c"], with_syntax(name), TokenizedParser()).rows
    assert rows == [["g", "x", "1", ""]]


def test_preset_ini():
    sections = parse_rows(lines("app.ini"), with_syntax("ini"), KeyValueParser())
    assert sections.rows == []
    assert sections.sections["main"] == [["name", "web01"], ["ports", "80", "443"], ["flag"],
                                      ["extra", "yes"]]
    assert sections.sections["db"] == [["name", "db primary"], ["empty"]]


def test_preset_apache():
    text = ["<Directory />", "  Options None", "  <Files x>", "  Require all denied",
            "  </Files>", "Timeout 300", "#<Directory /srv>", "</Directory>"]
    sections = parse_rows(text, with_syntax("apache"), TokenizedParser())
    assert sections.sections == {"Directory /": [["Options", "None"]],
                              "Files x": [["Require", "all", "denied"]]}
    assert sections.rows == [["Timeout", "300"]]


def test_preset_apt():
    text = ["A::B {", '\t"x";', "//\t\"y\";", "};", 'A::C "root";']
    sections = parse_rows(text, with_syntax("apt"), TokenizedParser())
    assert sections.sections == {"A::B": [["x"]]}
    assert sections.rows == [["A::C", "root"]]


# -- table, regex, csv: through parse_rows, which calls prepare() as the core does --

def _rows(parser, data: list[str], **options):
    from tstconfig_core.api import ParseOptions as Options
    opts = Options(**{k: v for k, v in options.items() if k != "extra"})
    opts.extra.update(options.get("extra", {}))
    return parse_rows(data, opts, parser)


NETSTAT_SHORT = [
    "Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name",
    "tcp6       0      0 :::80                   :::*                    LISTEN      3076/apache2",
]


@pytest.mark.parametrize("name, header, rows, expected", [
    ("netstat: one space between headings, right-aligned queues",
     NETSTAT_SHORT[0], lines("netstat-plnt.txt")[2:], (0, 6, 13, 20, 44, 68, 80)),
    ("netstat: short addresses leave 'Local Address' one heading",
     NETSTAT_SHORT[0], NETSTAT_SHORT[1:], (0, 6, 13, 20, 44, 68, 80)),
    ("ps: right-aligned PID and TIME",
     "    PID TTY          TIME CMD", ["      1 ?        00:00:03 systemd",
                                      "  12345 pts/0    00:00:00 bash"], (0, 8, 17, 26)),
    ("df: numbers wider than their heading, 'Mounted on'",
     "Filesystem     1K-blocks     Used Available Use% Mounted on",
     ["overlay        263174212 99071028 150655500  40% /"], (0, 15, 25, 34, 44, 49)),
    ("a value with a space stays under its heading",
     "NAME    VALUE", ["a       x y", "bb      z"], (0, 8)),
    ("no rows: the header alone", "A  B", [], (0, 3)),
])
def test_table_guesses_column_starts(name, header, rows, expected):
    from tstconfig_plugins.parsers.table import guess_positions
    assert guess_positions(header, rows) == expected, name


def test_table_names_columns_and_cuts_rows():
    from tstconfig_plugins.parsers.table import TableParser
    sections = _rows(TableParser(), lines("df.txt"))
    assert sections.column_names == ("Filesystem", "1K-blocks", "Used", "Available", "Use%",
                                     "Mounted on")
    assert sections.rows[2] == ["/dev/sdb1", "961302560", "86123880", "826324720", "10%",
                               "/srv/backup data"]
    assert len(sections.rows) == 3  # the header is not a row
    given = _rows(TableParser(), lines("df.txt"), positions=(0, 25))
    assert given.column_names == ("Filesystem     1K-blocks", "Used Available Use% Mounted on")


def test_regex_groups_are_columns():
    from tstconfig_plugins.parsers.regex import RegexParser
    pattern = re.compile(r"sshd\[(?P<pid>\d+)\]: (\w+)(?: (publickey))?")
    sections = _rows(RegexParser(), lines("auth.log"), extra={"pattern": pattern})
    assert sections.column_names == ("pid", "", "")
    assert sections.rows == [["901", "Accepted", "publickey"], ["915", "Failed", ""],
                            ["930", "Failed", ""]]  # CRON's line does not match
    whole = _rows(RegexParser(), ["a1 b22", "c"], extra={"pattern": re.compile(r"\d+")})
    assert whole.rows == [["1"]]


def test_regex_needs_a_pattern():
    from tstconfig_plugins.parsers.regex import RegexParser
    with pytest.raises(PluginError, match="needs 'pattern RE'"):
        _rows(RegexParser(), ["x"])


def test_csv_dialects_header_and_quotes():
    from tstconfig_plugins.parsers.delimited import CsvParser
    sections = _rows(CsvParser(), lines("users.csv"), extra={"csv_header": True})
    assert sections.column_names == ("name", "uid", "shell", "full name")
    assert sections.rows[0] == ["root", "0", "/bin/bash", "root, the superuser"]
    assert sections.rows[1][3] == 'Deploy "bot"'
    assert sections.rows[2] == ["backup", "34", "/usr/sbin/nologin", ""]
    tabs = _rows(CsvParser(), ["a\tb c\td"], extra={"csv_dialect": "excel-tab"})
    assert tabs.rows == [["a", "b c", "d"]]
    sniffed = _rows(CsvParser(), lines("services.ssv"),
                    extra={"csv_dialect": "sniff", "csv_header": True})
    assert sniffed.column_names == ("name", "port", "enabled") and sniffed.rows[0] == ["ssh", "22", "yes"]
    semicolons = _rows(CsvParser(), ["a;b,c"], extra={"csv_delimiter": ";"})
    assert semicolons.rows == [["a", "b,c"]]


def test_csv_options_are_checked():
    from tstconfig_core.options import OptionError
    from tstconfig_plugins.parsers.delimited import CsvParser
    with pytest.raises(OptionError, match="unknown dialect"):
        CsvParser.options["csv_dialect"](("excel-semicolon",))
    with pytest.raises(OptionError, match="one character"):
        CsvParser.options["csv_delimiter"]((";;",))
    assert CsvParser.options["csv_delimiter"]((r"\t",)) == "\t"


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(st.lists(st.sampled_from(["k", "=", " ", "\t", '"', ",", "v", "é", ""]),
                               max_size=12).map("".join), max_size=8),
       separator=st.sampled_from([" \t", ",", " ", ", "]), quote=st.sampled_from(['"', ""]),
       ignore_empty=st.booleans(), optional=st.booleans())
def test_the_keyvalue_reader_prepare_makes_reads_as_parse_line(lines, separator, quote,
                                                                ignore_empty, optional):
    parser = KeyValueParser()
    options = ParseOptions(parse_mode="keyvalue", key_separator="=", separator=separator,
                           quote_char=quote or None, ignore_empty_tokens=ignore_empty,
                           key_separator_optional=optional)
    row_of = parser.prepare(lines, options).row_of
    assert [row_of(ln) for ln in lines] == [parser.parse_line(ln, options) for ln in lines]


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(st.lists(st.sampled_from(["k", " ", "\t", '"', ",", "v", "é", ""]),
                               max_size=12).map("".join), max_size=8),
       separator=st.sampled_from([" \t", ",", " ", ", "]), quote=st.sampled_from(['"', ""]),
       ignore_empty=st.booleans())
def test_the_tokenized_reader_prepare_makes_reads_as_parse_line(lines, separator, quote,
                                                                 ignore_empty):
    parser = TokenizedParser()
    options = ParseOptions(separator=separator, quote_char=quote or None,
                           ignore_empty_tokens=ignore_empty)
    row_of = parser.prepare(lines, options).row_of
    assert [row_of(ln) for ln in lines] == [parser.parse_line(ln, options) for ln in lines]


@settings(max_examples=500, deadline=None)
@given(lines=st.lists(st.lists(st.sampled_from(["a", ",", "\t", '"', '"', "\\", " ", "é", "\r"]),
                               max_size=10).map("".join).filter(bool), max_size=12),
       dialect=st.sampled_from(["excel", "excel-tab", "unix"]), header=st.booleans())
def test_csv_read_a_chunk_at_once_reads_as_a_line_at_a_time(lines, dialect, header):
    """One csv.reader for a chunk gives the rows (and names, and errors) of the line at a
    time reader, quoted fields running on past their line included."""
    from tstconfig_core.api import LineParser
    from tstconfig_plugins.parsers.delimited import CsvParser
    parser = CsvParser()
    options = ParseOptions(parse_mode="csv", extra={"csv_dialect": dialect,
                                                    "csv_header": header})
    try:
        expected = LineParser.parse(parser, lines, options)
    except PluginError as exc:
        with pytest.raises(PluginError, match=re.escape(str(exc))):
            parser.parse(lines, options)
        return
    got = parser.parse(lines, options)
    assert (got.rows, got.column_names) == (expected.rows, expected.column_names)


@settings(max_examples=400, deadline=None)
@given(rows=st.lists(st.lists(st.sampled_from(["a", " ", "\t", "\x1c", "\x0b", "é", "\xa0",
                                               "\u2028", "bc", "  "]),
                              max_size=14).map("".join), max_size=8))
def test_the_table_mask_marks_what_its_words_cover(rows):
    """data_mask, in C for ASCII rows, marks exactly the positions of the words (\\S+)."""
    from tstconfig_plugins.parsers.table import data_mask
    width = max(map(len, rows), default=0) + 1
    expected = bytearray(width)
    for row in rows:
        for word in re.finditer(r"\S+", row):
            expected[word.start():word.end()] = b"\x01" * len(word.group())
    assert data_mask(rows, width) == expected
