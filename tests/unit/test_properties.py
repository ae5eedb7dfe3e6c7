"""Property-based tests: arbitrary text into the tokenizer, the definition reader,
every parse mode and the runner. Nothing may escape but the documented errors,
and every error must carry a file and a line."""
from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tstconfig_core.api import Parsed, ParseOptions, PluginError
from tstconfig_core.definition import Directive, SyntaxProblem, definition_lines, parse_definition
from tstconfig_core.engine.parsing import parse_narrowed, parse_rows
from tstconfig_core.loading.groups import PARSERS as PARSER_GROUP
from tstconfig_core.loading.registry import PluginRegistry
from tstconfig_core.tokens import WHITESPACE, UnterminatedQuote, tokenize
from tstconfig_plugins.parsers.table import guess_positions

REGISTRY = PluginRegistry()
TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=200)
LINES = st.lists(st.text(max_size=80), max_size=30)
SEPARATORS = st.sampled_from([WHITESPACE, ":", ",", " \t;", "|", "ab"])
QUOTES = st.sampled_from(['"', "'", None])


def quoted(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


@given(st.lists(st.text(max_size=20), max_size=10))
def test_any_tokens_survive_quoting(tokens):
    """Quote every token (doubling quotes), join with spaces: the tokenizer gives them back."""
    assert tokenize(" ".join(quoted(t) for t in tokens), strict=True) == tokens


@given(TEXT, SEPARATORS, QUOTES, st.booleans())
def test_tokenizer_takes_any_text(line, separators, quote, keep_empty):
    tokens = tokenize(line, separators, quote, keep_empty)
    assert all(isinstance(t, str) for t in tokens)
    if quote is None or quote not in line:
        expected = re.split("[" + re.escape(separators) + "]", line)
        assert tokens == (expected if keep_empty else [t for t in expected if t])


@given(TEXT)
def test_strict_tokenizer_raises_only_for_an_open_quote(line):
    try:
        tokenize(line, strict=True)
    except UnterminatedQuote:
        assert line.count('"') % 2 == 1


@given(st.text(max_size=400))
def test_definition_reader_locates_everything(text):
    lines = definition_lines(text)
    for item in parse_definition(text, "d.tstconfig"):
        assert item.file == "d.tstconfig" and 1 <= item.line <= len(lines)
        if isinstance(item, Directive):
            assert item.keyword and not item.keyword.startswith("#")
        else:
            assert isinstance(item, SyntaxProblem) and item.message


PARSERS = REGISTRY.names(PARSER_GROUP)
OPTIONS = st.fixed_dictionaries({}, optional={
    "separator": SEPARATORS, "quote_char": QUOTES, "ignore_empty_tokens": st.booleans(),
    "key_separator": st.sampled_from([":", "=", " "]), "key_separator_optional": st.booleans(),
    "positions": st.lists(st.integers(0, 60), min_size=1, max_size=6, unique=True).map(
        lambda p: tuple(sorted(p))),
    "section_header_pattern": st.sampled_from([re.compile(r"\[(.*)\]"), re.compile(r"(\w+):")]),
})
EXTRA = st.fixed_dictionaries({}, optional={
    "pattern": st.sampled_from([re.compile(r"(\S+)\s+(.*)"), re.compile(r"(?P<k>\w+)"),
                                re.compile(r"x")]),
    "csv_header": st.booleans(), "csv_dialect": st.sampled_from(["excel", "unix", "sniff"]),
})


@pytest.mark.parametrize("name", PARSERS)
@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=150)
@given(lines=LINES, options=OPTIONS, extra=EXTRA)
def test_every_parse_mode_takes_any_text(name, lines, options, extra):
    parser = REGISTRY.instance(PARSER_GROUP, name)
    opts = ParseOptions(**options)
    opts.extra.update(extra)
    try:
        parsed = parse_rows(lines, opts, parser)
    except PluginError as exc:
        assert str(exc)  # a message for a person, never an empty one
        return
    assert isinstance(parsed, Parsed)
    for rows in (parsed.rows, *parsed.sections.values()):
        assert all(all(isinstance(cell, str) for cell in row) for row in rows)


TABLE_TEXT = st.text(alphabet=" ab1\t|é", max_size=60)  # what matters: blank or not


@given(TABLE_TEXT, st.lists(TABLE_TEXT, max_size=20))
def test_table_guess_is_a_set_of_cuts(header, rows):
    positions = guess_positions(header, rows)
    assert positions[0] == 0 and list(positions) == sorted(set(positions))
    assert positions[-1] <= max([len(header), *map(len, rows)], default=0)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_the_runner_on_generated_definitions(data):
    """The fuzz target's definitions and invariants (tools/fuzz.py runs more)."""
    from fuzz import DEFINITION, run_one
    run_one(data.draw(DEFINITION))


NARROW_TEXT = st.text(alphabet='ab: ,"\t#', max_size=14)  # few letters, so keys repeat
NARROW_OPTIONS = st.fixed_dictionaries({  # drawn every time: the fast paths need them all
    "separator": st.sampled_from([":", ":", WHITESPACE, ",", " :"]),
    "quote_char": st.sampled_from(['"', '"', None]), "ignore_empty_tokens": st.booleans(),
    "hash_comment_allowed": st.booleans(),
}, optional={
    "positions": st.lists(st.integers(0, 12), min_size=1, max_size=4, unique=True).map(
        lambda p: tuple(sorted(p))),
    "section_header_pattern": st.just(re.compile(r"\[(.*)\]")),
})
KEY = st.text(alphabet='ab"', max_size=3)


def _key(row, columns):
    """The key of ``row`` in ``columns``, as the index finds it; None when it is too short."""
    if len(row) <= max(columns):
        return None
    return row[columns[0]] if len(columns) == 1 else tuple(row[c] for c in columns)


@pytest.mark.parametrize("name", PARSERS)
@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=300)
@given(lines=st.lists(NARROW_TEXT, max_size=12), options=NARROW_OPTIONS,
       columns=st.one_of(st.just([0]), st.lists(st.integers(0, 3), min_size=1, max_size=2,
                                                unique=True)),
       others=st.lists(st.tuples(KEY, KEY), max_size=3), data=st.data())
def test_narrowed_lines_give_every_row_of_the_wanted_keys(name, lines, options, columns, others,
                                                          data):
    """The contract of Parser.narrow, for every parser that offers it: parsing only the
    lines it keeps gives, in order, every row a full parse has with a wanted key. The
    keys wanted are some the rows have, and some drawn at random."""
    from tstconfig_core.api import Wanted
    parser = REGISTRY.instance(PARSER_GROUP, name)
    opts = ParseOptions(**options)
    try:
        full = parse_rows(lines, opts, parser)
    except PluginError:
        return
    present = sorted({k for k in (_key(row, columns) for row in full.rows) if k is not None},
                     key=repr)
    drawn = data.draw(st.lists(st.sampled_from(present), max_size=3)) if present else []
    keys = frozenset([*drawn, *(k[0] if len(columns) == 1 else k for k in others)])
    narrowed = parse_narrowed(lines, opts, parser, Wanted(tuple(columns), keys))
    if narrowed is None:
        return  # this parser (or these options) parse every line
    assert not narrowed.sections and not full.sections

    def wanted_rows(rows):
        return [list(row) for row in rows if _key(row, columns) in keys]

    assert wanted_rows(narrowed.rows) == wanted_rows(full.rows)
