"""parse_mode json and yaml: a document's rows by its shape, cells as JSON writes them,
the query option, errors located in the text, and the memory a document takes."""
from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from tstconfig_core.api import OptionError, ParseOptions, PluginError
from tstconfig_core.engine.parsing import parse_rows
from tstconfig_core.memory import MemoryBudget, OverBudget, budgeted
from tstconfig_plugins.parsers import documents
from tstconfig_plugins.parsers.structured import (JsonParser, YamlParser, cell, compile_query,
                                                  rows_of)

from conftest import FIXTURES

DATA = FIXTURES / "structured"
CASES = sorted(p for p in (DATA / "rows").iterdir() if not p.name.endswith(".expected.json"))


def parsed(path: Path | str, query: str | None = None, text: str | None = None):
    """The rows of a document, through the core's own row-building (parse_rows)."""
    path = Path(path)
    options = ParseOptions()
    if query is not None:
        options.extra["query"] = compile_query(query.split(" "))
    parser = YamlParser() if path.suffix == ".yaml" else JsonParser()
    lines = (path.read_text(encoding="utf-8") if text is None else text).splitlines()
    return parse_rows(lines, options, parser)


def table(path: Path | str, query: str | None = None, text: str | None = None) -> dict:
    result = parsed(path, query, text)
    return {"columns": list(result.column_names), "rows": [list(row) for row in result.rows]}


# -- the rows, by the shape of what is selected ------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=[p.name for p in CASES])
def test_rows_by_shape(case):
    """Each file of tests/fixtures/structured/rows/ and the rows it must give
    (NAME.expected.json: columns, rows, and the query, if any)."""
    expected = json.loads(case.with_name(case.stem + ".expected.json").read_text(encoding="utf-8"))
    got = table(case, expected.get("query"))
    assert got == {"columns": expected["columns"], "rows": expected["rows"]}


def test_a_missing_key_is_empty_and_a_null_one_is_null():
    rows, names = rows_of([{"a": "1"}, {"b": None}])
    assert names == ("a", "b") and rows == [["1", ""], ["", "null"]]


def test_a_list_of_objects_is_looked_up_by_its_first_key():
    rows, names = rows_of([{"ifname": "eth0", "mtu": 1500}, {"mtu": 9000, "ifname": "eth1"}])
    assert names == ("ifname", "mtu")
    assert rows == [["eth0", "1500"], ["eth1", "9000"]]  # columns in the order first seen


@pytest.mark.parametrize("value, text", [
    ("as is: \t\"quoted\"", "as is: \t\"quoted\""), (0, "0"), (-17, "-17"), (1.0, "1.0"),
    (2.50, "2.5"), (1e100, "1e+100"), (float("inf"), "Infinity"), (float("nan"), "NaN"),
    (True, "true"), (False, "false"), (None, "null"), ([], "[]"), ({}, "{}"),
    ({"z": [1, 2.0, None], "a": {"é": "ü"}}, '{"z":[1,2.0,null],"a":{"é":"ü"}}'),
    ([True, "x y"], '[true,"x y"]'),
])
def test_cell_text_is_json_text(value, text):
    assert cell(value) == text


def test_a_number_of_5000_digits_is_an_error_not_a_crash():
    with pytest.raises(PluginError, match="too many digits"):
        cell(10 ** 5000)
    with pytest.raises(PluginError, match="too many digits"):
        table("x.yaml", text="big: 0x" + "f" * 5000)


def test_blank_lines_and_pretty_printing_do_not_change_the_rows():
    """ip -j addr and ip -j -p addr (pretty-printed) are the same document; the core drops
    blank lines before the parser sees them, which JSON allows anywhere but in a string."""
    compact = table(DATA / "ip-addr.json")
    pretty = table(DATA / "ip-addr-pretty.json")
    spaced_out = (DATA / "ip-addr-pretty.json").read_text().replace("\n", "\n\n  \n")
    spaced = table("x.json", text=spaced_out)
    assert compact == pretty == spaced
    assert compact["columns"][:3] == ["ifindex", "ifname", "flags"]
    assert [row[1] for row in compact["rows"]] == ["lo", "ifb0", "ifb1", "eth0"]


# -- the query option ----------------------------------------------------------------------

def test_query_picks_addresses_from_ip_addr():
    got = table(DATA / "ip-addr.json", "[].{ifname: ifname, addr: addr_info[0].local}")
    assert got["columns"] == ["ifname", "addr"]
    assert got["rows"] == [["lo", "127.0.0.1"], ["ifb0", "null"], ["ifb1", "null"],
                           ["eth0", "192.0.2.2"]]


def test_query_picks_lsblk_children():
    got = table(DATA / "lsblk.json",
                "blockdevices[].children[].{name: name, mount: mountpoints[0]}")
    assert got["rows"] == [["loop0p1", "null"], ["loop0p2", "/mnt/tstconfig-boot"],
                           ["loop0p3", "/mnt/tstconfig-data"]]


def test_query_over_a_kubernetes_manifest():
    got = table(DATA / "k8s-web.yaml", "[?kind=='Deployment'].spec.template.spec.containers[]"
                                       " | [].{name: name, image: image}")
    assert got["rows"] == [["nginx", "registry.example.com/shop/nginx:1.25.4"],
                           ["metrics", "registry.example.com/shop/nginx-exporter:0.11.0"]]
    kinds = table(DATA / "k8s-web.yaml", "[].kind")  # the trailing --- adds no document
    assert kinds["rows"] == [["Deployment"], ["Service"]]


def test_the_query_is_shown_as_written():
    assert str(compile_query(["[].{a:", "b}"])) == "[].{a: b}"


@pytest.mark.parametrize("expression, message", [
    ("[].{a: b", "is not a JMESPath expression: it ends too soon"),
    ("a.}", "at character 3 ('}')"),
    ("a ^ b", "Unknown token ^ at character 3"),
    ("", "needs a JMESPath expression"),
    ("nosuch(@)", "JMESPath has no function nosuch(); it has abs, avg"),
    ("length(@, @)", "length() takes 1 argument(s), not 2"),
    ("merge()", "merge() takes at least 1 argument(s), not 0"),
    ("(" * 3000 + "a" + ")" * 3000, "nests too deeply"),
])
def test_a_bad_query_is_an_option_error_that_says_why(expression, message):
    with pytest.raises(OptionError) as caught:
        compile_query(expression.split(" ") if expression else [])
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_query_that_fails_on_the_data_is_a_plugin_error():
    with pytest.raises(PluginError, match=r"query 'length\(mtu\)' cannot be applied to this "
                                          r"data: .*length\(\)"):
        table("x.json", "length(mtu)", text='{"mtu": 1500}')
    with pytest.raises(PluginError, match="slice step cannot be zero"):
        table("x.json", "[::0]", text="[1, 2]")


# -- errors in the text --------------------------------------------------------------------

def test_invalid_json_names_line_and_column_and_quotes_the_line():
    text = '{\n  "a": 1,\n  "b": 2 "c": 3\n}'
    with pytest.raises(PluginError) as caught:
        table("x.json", text=text)
    assert str(caught.value) == (
        "invalid JSON at line 3, column 10 (lines counted after skip_header_lines): "
        "Expecting ',' delimiter: '  \"b\": 2 \"c\": 3'")


def test_a_long_line_is_quoted_around_the_problem():
    text = "[" + "1," * 500 + "x]"
    with pytest.raises(PluginError) as caught:
        table("x.json", text=text)
    message = str(caught.value)
    assert "line 1, column 1002" in message
    assert message.endswith("'...1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,x]'")


@pytest.mark.parametrize("text, message", [
    ("", "there is no JSON document: the text is empty"),
    ("[" * 100_000, "nests too deeply"),
    ("1" * 5000, "more digits than Python reads"),
])
def test_json_that_cannot_be_read(text, message):
    with pytest.raises(PluginError, match=message):
        table("x.json", text=text)


@pytest.mark.parametrize("text, message", [
    ("a: b: c", "invalid YAML at line 1, column 5 (lines counted after skip_header_lines): "
                "mapping values are not allowed here: 'a: b: c'"),
    ("a:\n  - x\n - y", "invalid YAML at line 3, column 2"),
    ("a: [1, 2", "invalid YAML at line 1, column 9"),
    ("? [a, b]\n: c", "found unhashable key"),
    ("a: !!python/object:os.system x", "could not determine a constructor"),
    ("a: 2001-02-30", "a value cannot be read as its type or tag says (ValueError: day is out"),
    ("a: !!bool maybe", "a value cannot be read as its type or tag says (KeyError"),
    ("a: !!timestamp noon", "a value cannot be read as its type or tag says (AttributeError"),
    ("a: *nowhere", "found undefined alias 'nowhere'"),
    ("a: \x00", "invalid YAML at line 1, column 4"),
    ("- " * 2000 + "a", "nests too deeply"),
    ("a: &x [b, *x]", "an alias (*name) is inside its own anchor"),
])
def test_yaml_that_cannot_be_read(text, message):
    with pytest.raises(PluginError) as caught:
        table("x.yaml", text=text)
    assert message in str(caught.value)


def test_lone_surrogates_become_replacement_characters():
    """An escape can make half a UTF-16 pair, which no report can write: such a character is
    replaced, as the sources replace bytes that are not UTF-8."""
    json_rows = table("x.json", text='{"\\ud800k": "a\\udfffb", "ok": "\\ud83d\\ude00"}')["rows"]
    assert json_rows == [["\ufffdk", "a\ufffdb"], ["ok", "\U0001f600"]]
    yaml_rows = table("x.yaml", text='"\\ud800k": "a\\udfffb"\nok: "\\U0001F600"')["rows"]
    assert yaml_rows == [["\ufffdk", "a\ufffdb"], ["ok", "\U0001f600"]]


# -- the parse modes' declarations ---------------------------------------------------------

def test_the_modes_read_no_core_option_and_declare_query():
    for parser in (JsonParser, YamlParser):
        assert parser.takes == frozenset()
        assert set(parser.options) == {"query"}
        assert parser.summary and parser.__doc__


def test_importing_the_modes_imports_neither_yaml_nor_jmespath():
    probe = ("import sys; import tstconfig_plugins.parsers.structured; "
             "print(sorted(m for m in ('yaml', 'jmespath') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=60)
    assert result.stdout.strip() == "[]", result.stderr


# -- memory ----------------------------------------------------------------------------------

def _peak(make, text: str) -> int:
    tracemalloc.start()
    try:
        make(text)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


JSON_SHAPES = {  # those that take the most per character, and real output
    "empty objects": "[" + ",".join(["{}"] * 20000) + "]",
    "nested lists": "[" + ",".join(["[[]]"] * 20000) + "]",
    "short strings": "[" + ",".join(['"ab"'] * 20000) + "]",
    "wide strings": "[" + ",".join(['"\U0001f600x"'] * 20000) + "]",
    "distinct keys": "{" + ",".join(f'"{i}":1' for i in range(20000)) + "}",
    "one-key objects": "[" + ",".join('{"%d":{"%d":0}}' % (i, i) for i in range(20000)) + "]",
    "ip -j addr": (DATA / "ip-addr.json").read_text() * 1,
    "nft -j list ruleset": (DATA / "nft-ruleset.json").read_text(),
}


@pytest.mark.parametrize("name", JSON_SHAPES)
def test_the_json_estimate_is_at_least_what_json_takes(name):
    text = JSON_SHAPES[name]
    assert documents._json_cost(text) >= _peak(json.loads, text)


YAML_SHAPES = {
    "block sequence": "- a\n" * 2000,
    "flow sequence": "[" + ",".join(["a"] * 2000) + "]",
    "flow mappings": "[" + ",".join(["{a,b}"] * 1000) + "]",
    "nested sequences": "- - - - - - - -\n" * 400,
    "empty values": "k:\n" * 2000,
    "explicit keys": "? \n" * 2000,
    "kubernetes": (DATA / "k8s-web.yaml").read_text() * 10,
}


@pytest.mark.parametrize("name", YAML_SHAPES)
def test_the_yaml_estimate_is_at_least_what_pyyaml_takes(name):
    import yaml
    text = YAML_SHAPES[name]
    estimate = documents._yaml_cost(text.split("\n"), text)
    assert estimate >= _peak(lambda t: list(yaml.safe_load_all(t)), text) - 64 * 1024  # (its
    # loader's own few objects aside, which the budget's 1 MiB floor holds)


def _in_budget(path: str, text: str, max_size: int, query: str | None = None) -> int:
    with budgeted(MemoryBudget(max_size)) as budget:
        table(path, query, text)
    return budget.used


def test_json_shaped_to_cost_the_most_is_stopped_before_it_is_read():
    text = "[" + ",".join(["{}"] * 40000) + "]"  # 120 KB: 2.9 MB once read
    with pytest.raises(OverBudget):
        _in_budget("x.json", text, max_size=len(text))  # a budget of 1.2 MB
    assert _in_budget("x.json", text, max_size=4 * len(text)) > len(text) * 24


def test_objects_of_different_keys_cannot_make_a_square_of_cells():
    """5,000 objects of one key each, all different: 25 million cells, 200 MB, refused
    before they are made."""
    text = "[" + ",".join('{"k%d":1}' % i for i in range(5000)) + "]"
    with pytest.raises(OverBudget):
        _in_budget("x.json", text, max_size=1024 * 1024)


def test_yaml_aliases_that_repeat_past_the_budget_are_refused():
    """Nine levels of ten aliases each: a billion values once written out, by a cell or a
    query's projection. Refused as soon as it is read, whatever the query (this one
    would write out nothing)."""
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    with pytest.raises(OverBudget):
        _in_budget("x.yaml", "\n".join(levels), max_size=64 * 1024 * 1024, query="keys(@)")
    few = "\n".join(levels[:3])  # a thousand values: well within
    assert _in_budget("x.yaml", few, max_size=64 * 1024) < 1024 * 1024


def test_yaml_shaped_to_cost_the_most_is_stopped_before_it_is_read():
    """A flow sequence of one-letter items: PyYAML takes some 300 times its size to read
    it (nodes and their marks), so 32 KiB of it is refused in a budget of 1 MiB, before
    it is read, though the rows it makes here are one number."""
    text = "[" + ",".join(["a"] * 16 * 1024) + "]"
    with pytest.raises(OverBudget):
        _in_budget("x.yaml", text, max_size=32 * 1024, query="length(@)")
    assert table("x.yaml", "length(@)", text)["rows"] == [["16384"]]
