"""API 1.7: a source names its columns (``SourceData.column_names``), and suggests options
of the parse mode it suggests (in ``defaults``, directly or under ``extra``).

The plugins are tests/fixtures/plugins/tstconfig-suggesting, installed for real (a
*.dist-info on the search path, as pip leaves one) and run in-process: the ``shaped``
source returns the SourceData a JSON file describes, ``parse_mode pairs`` has options of
its own (``pair_separator``, required; ``pair_fields``, a whole number).
"""
from __future__ import annotations

import io
import json
import sys
import tomllib
from pathlib import Path

import pytest

from conftest import FIXTURES, make_dist
from tstconfig_core.engine.context import Context, RunSettings
from tstconfig_core.engine.interpreter import Interpreter
from tstconfig_core.inspect import InspectPrinter
from tstconfig_core.loading.registry import PluginRegistry
from tstconfig_core.model import AssertionResult, ErrorEvent
from tstconfig_core.run import Run

PACKAGE = FIXTURES / "plugins" / "tstconfig-suggesting"
SOCKETS = ["tcp 0.0.0.0:22 LISTEN sshd", "udp 0.0.0.0:68 UNCONN dhclient",
           "tcp 127.0.0.1:25 LISTEN master"]
COLUMNS = ["proto", "local", "state", "program"]


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PluginRegistry:
    """A registry that finds the fixture package as an installed distribution."""
    project = tomllib.loads((PACKAGE / "pyproject.toml").read_text(encoding="utf-8"))
    entry_points = "".join(
        f"[{group}]\n" + "".join(f"{name} = {target}\n" for name, target in found.items())
        for group, found in project["project"]["entry-points"].items())
    site = tmp_path / "site"
    site.mkdir()
    module = "tstconfig_suggesting"
    make_dist(site, "tstconfig-suggesting", "0.1.0", entry_points,
              {module: (PACKAGE / f"{module}.py").read_text(encoding="utf-8")})
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delitem(sys.modules, module, raising=False)  # (a fresh import each test)
    return PluginRegistry()


def shaped(folder: Path, lines: list[str], **fields: object) -> Path:
    """A file the ``shaped`` source turns into ``SourceData(lines, **fields)``."""
    path = folder / f"shape{len(list(folder.glob('shape*')))}.json"
    path.write_text(json.dumps({"lines": lines, **fields}), encoding="utf-8")
    return path


def run(registry: PluginRegistry, definition: str) -> list[tuple]:
    """What the run reported, in order: (line, value, passed) for each assertion,
    (line, message) for each error."""
    reported: list[tuple] = []

    def emit(event: object) -> None:
        if isinstance(event, AssertionResult):
            reported.append((event.line, event.value, event.passed))
        elif isinstance(event, ErrorEvent):
            reported.append((event.line, event.message))

    Interpreter(Context(registry, emit, RunSettings(timeout=10.0))).run(definition,
                                                                        "t.tstconfig")
    return reported


# -- SourceData.column_names -----------------------------------------------------------

def test_columns_and_where_name_the_columns_the_source_names(registry, tmp_path):
    data = shaped(tmp_path, SOCKETS, column_names=COLUMNS)
    assert run(registry, f"""shaped {data}
parse_mode tokenized
columns program state
property sshd
assert_eq LISTEN
where state = LISTEN
where proto = tcp
section_size
assert_eq 2
where_clear
columns local program
where state != LISTEN
property 0.0.0.0:68
assert_eq dhclient
""") == [(5, ("LISTEN",), True), (9, ("2",), True), (14, ("dhclient",), True)]


def test_columns_named_by_the_source_survive_a_later_columns_line(registry, tmp_path):
    """The names are resolved once the rows exist, and the lines have been let go by
    then (``data._replace(lines=())``): the source's names are kept."""
    data = shaped(tmp_path, SOCKETS, column_names=COLUMNS)
    assert run(registry, f"""shaped {data}
property tcp
assert_defined
columns program local
property master
assert_eq 127.0.0.1:25
""") == [(3, ("0.0.0.0:22", "LISTEN", "sshd", "127.0.0.1:25", "LISTEN", "master"), True),
         (6, ("127.0.0.1:25",), True)]


def test_a_name_the_source_does_not_give_says_which_it_gives(registry, tmp_path):
    data = shaped(tmp_path, SOCKETS, column_names=COLUMNS)
    error, _ = run(registry, f"shaped {data}\ncolumns pid\nproperty sshd\nassert_defined\n")
    assert error[0] == 2 and error[1].startswith(
        "columns: no column is named 'pid'; the columns are 'proto', 'local', 'state', "
        "'program'")


def test_the_parsers_own_names_win_over_the_sources(registry, tmp_path):
    data = shaped(tmp_path, ["name,port", "sshd,22", "smtp,25"],
                  column_names=["first", "second"],
                  defaults={"parse_mode": "csv", "extra": {"csv_header": True}})
    reported = run(registry, f"""shaped {data}
columns port name
property 22
assert_eq sshd
columns first
""")
    assert reported[0] == (4, ("sshd",), True)
    assert reported[1][0] == 5 and "no column is named 'first'; the columns are 'name', " \
        "'port'" in reported[1][1]


def test_a_parse_without_names_of_its_own_takes_the_sources(registry, tmp_path):
    data = shaped(tmp_path, ["sshd,22", "smtp,25"], column_names=["name", "port"],
                  defaults={"parse_mode": "csv"})
    assert run(registry, f"shaped {data}\ncolumns port name\nproperty 25\nassert_eq smtp\n"
               ) == [(4, ("smtp",), True)]


@pytest.mark.parametrize("names", ["proto local", ["proto", 3], {"proto": 0}])
def test_column_names_of_the_wrong_type_are_the_plugins_bug(registry, tmp_path, names):
    data = shaped(tmp_path, SOCKETS, column_names=names)
    first = shaped(tmp_path, SOCKETS, column_names=COLUMNS)
    reported = run(registry, f"""shaped {data}
property tcp
assert_defined
shaped {first}
columns program state
property sshd
assert_eq LISTEN
""")
    assert reported[0][0] == 1 and (
        "build() returned column_names that are not a tuple of strings" in reported[0][1])
    assert "tstconfig-suggesting" in reported[0][1]  # a plugin's bug names its distribution
    assert reported[1:] == [(3, None, False), (7, ("LISTEN",), True)]


def test_inspect_heads_the_columns_with_the_sources_names(registry, tmp_path):
    data = shaped(tmp_path, SOCKETS, column_names=COLUMNS)
    path = tmp_path / "d.tstconfig"
    path.write_text(f"shaped {data}\n", encoding="utf-8")
    out = io.StringIO()
    printer = InspectPrinter(out, 50)
    Run([printer], registry, RunSettings(timeout=10.0), run_assertions=False,
        block_observers=[printer.block]).execute([str(path)])
    heading = next(ln for ln in out.getvalue().splitlines() if "proto" in ln)
    assert heading.split() == COLUMNS


# -- a parse mode's own options in a source's defaults --------------------------------

PAIRS = ["PermitRootLogin: no", "Banner: /etc/issue: welcome", "Port: 22"]


@pytest.mark.parametrize("defaults", [
    {"parse_mode": "pairs", "pair_separator": ":", "pair_fields": 2},
    {"parse_mode": "pairs", "extra": {"pair_separator": ":", "pair_fields": 2}},
    {"parse_mode": "pairs", "pair_separator": ":", "extra": {"pair_fields": 2}},
], ids=["direct", "extra", "both"])
def test_a_source_suggests_a_third_party_parser_with_its_options(registry, tmp_path,
                                                                   defaults):
    data = shaped(tmp_path, PAIRS, defaults=defaults)
    assert run(registry, f"""shaped {data}
property Banner
assert_eq "/etc/issue: welcome"
property Port
assert_eq 22
""") == [(3, ("/etc/issue: welcome",), True), (5, ("22",), True)]


def test_the_definitions_own_option_line_wins_over_the_suggestion(registry, tmp_path):
    """An option line of a parse mode needs the mode named first (``parse_mode pairs``);
    what the definition sets is kept, what it leaves is the source's."""
    data = shaped(tmp_path, PAIRS, defaults={"parse_mode": "pairs", "pair_separator": ":",
                                            "pair_fields": 2})
    assert run(registry, f"""shaped {data}
parse_mode pairs
pair_separator :
pair_fields 3
property Banner
assert_eq /etc/issue welcome
shaped {data}
parse_mode pairs
pair_separator /
property Banner:
assert_eq "etc/issue: welcome"
""") == [(6, ("/etc/issue", "welcome"), True), (11, ("etc/issue: welcome",), True)]


def test_a_suggested_mode_needs_no_option_line_for_what_the_source_suggests(registry,
                                                                            tmp_path):
    """``pairs`` requires ``pair_separator``: suggested by the source, it is there."""
    given = shaped(tmp_path, PAIRS, defaults={"parse_mode": "pairs",
                                             "extra": {"pair_separator": ":"}})
    missing = shaped(tmp_path, PAIRS, defaults={"parse_mode": "pairs"})
    reported = run(registry, f"""shaped {given}
property Port
assert_eq 22
shaped {missing}
property Port
assert_eq 22
""")
    assert reported[0] == (3, ("22",), True)
    assert reported[1] == (4, "parse_mode pairs (suggested by the shaped source) needs "
                              "pair_separator: add 'pair_separator ...' to the block (it has "
                              "no default); the 1 assertion(s) of this block were not run")
    assert reported[2] == (6, None, False)


def test_a_mode_the_definition_chose_is_checked_before_reading(registry, tmp_path):
    """What a source suggests is known once it is read; a mode the definition chose is
    checked before, so its required options come from the definition."""
    data = shaped(tmp_path, PAIRS, defaults={"parse_mode": "pairs",
                                            "extra": {"pair_separator": ":"}})
    reported = run(registry, f"shaped {data}\nparse_mode pairs\nproperty Port\n"
                             "assert_eq 22\n")
    assert reported[0][0] == 2 and reported[0][1].startswith(
        "parse_mode pairs needs pair_separator")


def test_suggestions_for_another_mode_than_the_definitions_are_left_out(registry, tmp_path):
    """The definition chose tokenized: the options of ``pairs`` the source suggests with
    it are no error, and not used; a field it suggests still is."""
    data = shaped(tmp_path, ["a:b:c"], defaults={"parse_mode": "pairs", "pair_separator": ":",
                                                "pair_fields": 2, "separator": ":"})
    assert run(registry, f"shaped {data}\nparse_mode tokenized\nproperty a\nassert_eq b c\n"
               ) == [(4, ("b", "c"), True)]


def test_options_of_a_core_parse_mode_may_be_suggested_too(registry, tmp_path):
    data = shaped(tmp_path, ["name;port", "sshd;22"],
                  defaults={"parse_mode": "csv", "csv_delimiter": ";", "csv_header": True})
    assert run(registry, f"shaped {data}\ncolumns name port\nproperty sshd\nassert_eq 22\n"
               ) == [(4, ("22",), True)]


@pytest.mark.parametrize("defaults, message", [
    ({"parse_mode": "pairs", "pair_separator": ":", "pair_width": 2},
     "source 'shaped' suggests unknown options: pair_width; parse_mode pairs's own options "
     "are pair_fields, pair_separator"),
    ({"parse_mode": "pairs", "extra": {"pair_separator": ":", "separator": ","}},
     "source 'shaped' suggests unknown options: separator; parse_mode pairs's own options "
     "are pair_fields, pair_separator"),
    ({"pair_separator": ":"},
     "source 'shaped' suggests unknown options: pair_separator;"),
    ({"parse_mode": "tokenized", "csv_header": True},
     "source 'shaped' suggests unknown options: csv_header;"),
])
def test_an_unknown_suggested_option_is_an_error_naming_the_modes_own(registry, tmp_path,
                                                                        defaults, message):
    data = shaped(tmp_path, PAIRS, defaults=defaults)
    first, *rest = run(registry, f"shaped {data}\nproperty Port\nassert_eq 22\n")
    assert first[0] == 2 and first[1].startswith(message.rstrip(";"))
    if message.endswith(";"):  # tokenized has no options of its own: none are named
        assert "'s own options" not in first[1]
    assert rest == [(3, None, False)]


def test_extra_that_is_not_a_mapping_is_the_plugins_bug(registry, tmp_path):
    data = shaped(tmp_path, PAIRS, defaults={"parse_mode": "pairs", "extra": [":"]})
    [error, result] = run(registry, f"shaped {data}\nproperty Port\nassert_eq 22\n")
    assert error[0] == 1 and "defaults whose extra is not a mapping" in error[1]
    assert result == (3, None, False)


def test_a_syntax_sets_a_parse_modes_own_options(registry, tmp_path):
    data = shaped(tmp_path, PAIRS)
    assert run(registry, f"""shaped {data}
syntax colon_pairs
property Banner
assert_eq "/etc/issue: welcome"
""") == [(4, ("/etc/issue: welcome",), True)]


def test_inspect_says_where_a_suggested_option_came_from(registry, tmp_path):
    data = shaped(tmp_path, PAIRS, defaults={"parse_mode": "pairs", "pair_separator": "=",
                                            "pair_fields": 2})
    path = tmp_path / "d.tstconfig"
    path.write_text(f"shaped {data}\nparse_mode pairs\npair_separator :\n", encoding="utf-8")
    out = io.StringIO()
    printer = InspectPrinter(out, 50)
    Run([printer], registry, RunSettings(timeout=10.0), run_assertions=False,
        block_observers=[printer.block]).execute([str(path)])
    shown = [ln.strip() for ln in out.getvalue().splitlines()]
    assert "parse_mode pairs" in shown and "pair_separator :" in shown
    assert "pair_fields 2  (suggested by the shaped source)" in shown
    assert "Errors: 0" in out.getvalue()
