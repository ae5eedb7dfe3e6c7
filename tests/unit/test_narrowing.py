"""Narrowed parses (Parser.narrow) through the runner: a block that only looks keys up
parses only their lines, and reports exactly what a block parsing every line reports."""
from __future__ import annotations

from pathlib import Path

import pytest

from tstconfig_core.engine.context import Context, RunSettings
from tstconfig_core.engine.interpreter import Interpreter
from tstconfig_core.loading.registry import PluginRegistry
from tstconfig_core.model import AssertionResult, ErrorEvent

REGISTRY = PluginRegistry()

PASSWD = """\
root:x:0:0:root:/root:/bin/bash
# root:commented:out
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
"quoted:user":x:7:7::/q:/bin/sh
root:x:0:0:second root:/root:/bin/zsh

bin:x:2:2:bin:/bin:
"""

TABLE = """\
Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name
tcp        0      0 0.0.0.0:22              0.0.0.0:*               LISTEN      876/sshd
tcp        0      0 127.0.0.1:25            0.0.0.0:*               LISTEN      4435/master
tcp6       0      0 :::22                   :::*                    LISTEN      876/sshd
"""


def run(definition: str, narrow: bool = True) -> tuple[list[tuple], list]:
    """(what was reported, the narrowed keys of each assertion's block)."""
    reported: list[tuple] = []
    narrowed: list = []
    runner: Interpreter

    def emit(event: object) -> None:
        if isinstance(event, AssertionResult):
            reported.append((event.line, event.property, event.value, event.passed))
            narrowed.append(runner.block.narrowed if runner.block else None)
        elif isinstance(event, ErrorEvent):
            reported.append((event.line, event.message))

    runner = Interpreter(Context(REGISTRY, emit, RunSettings(timeout=10.0), narrow=narrow))
    runner.run(definition, "t.tstconfig")
    return reported, narrowed


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "passwd").write_text(PASSWD)
    (tmp_path / "table").write_text(TABLE)
    return tmp_path


def both(definition: str) -> tuple[list[tuple], list]:
    """Run narrowed and not; they must agree. Returns the narrowed run's findings."""
    narrowed, oracle = run(definition), run(definition, narrow=False)
    assert narrowed[0] == oracle[0]
    assert not any(oracle[1])  # the oracle parses every line
    return narrowed


def test_a_lookup_only_block_is_narrowed_and_answers_alike(files):
    reported, narrowed = both(f"""file {files}/passwd
syntax etc_passwd
columns 0 6
property root
assert_eq /bin/bash /bin/zsh
property quoted:user
assert_eq /bin/sh
property bin
assert_eq ""
property nobody
assert_undefined
""")
    assert [r[-1] for r in reported] == [True, True, True, True]
    assert all(n is not None and n.columns == (0,) for n in narrowed)
    assert narrowed[0].keys == {"root", "quoted:user", "bin", "nobody"}


@pytest.mark.parametrize("policy", ["append", "replace", "ignore", "unique"])
def test_duplicates_policies_see_every_row_of_a_key(files, policy):
    reported, _ = both(f"file {files}/passwd\nsyntax etc_passwd\nduplicates_policy {policy}\n"
                       "columns 0 4\nproperty root\nassert_eq root\n")
    assert reported[0][2] == {"append": ("root", "second root"), "replace": ("second root",),
                              "ignore": ("root",), "unique": ("root", "second root")}[policy]


def test_section_size_after_a_lookup_counts_every_row(files):
    reported, narrowed = both(f"file {files}/passwd\nsyntax etc_passwd\nproperty root\n"
                              "assert_defined\nsection_size\nassert_eq 5\nproperty daemon\n"
                              "assert_defined\n")
    assert [r[-1] for r in reported] == [True, True, True]
    assert narrowed[0] is not None and narrowed[1] is None and narrowed[2] is None


def test_other_key_columns_parse_every_line(files):
    reported, narrowed = both(f"file {files}/passwd\nsyntax etc_passwd\ncolumns 0 6\n"
                              "property daemon\nassert_eq /usr/sbin/nologin\ncolumns 2 0\n"
                              "property 2\nassert_eq bin\nproperty 0\nassert_eq root root\n")
    assert [r[-1] for r in reported] == [True, True, True]
    assert narrowed[0] is not None and narrowed[1:] == [None, None]


def test_two_key_columns_and_no_key(files):
    reported, narrowed = both(f"file {files}/passwd\nsyntax etc_passwd\ncolumns 0 2 6\n"
                              "property root 0\nassert_eq /bin/bash /bin/zsh\nproperty root 9\n"
                              "assert_undefined\n")
    assert [r[-1] for r in reported] == [True, True]
    assert narrowed[0].columns == (0, 2) and ("root", "0") in narrowed[0].keys
    reported, narrowed = both(f"file {files}/table\nparse_mode fixed\n"
                              "positions 0 6 13 20 44 68 80\nskip_header_lines 1\nproperty\n"
                              "assert_count 21\n")
    assert reported[0][-1] and narrowed == [None]


def test_a_fixed_table(files):
    reported, narrowed = both(f"file {files}/table\nparse_mode fixed\n"
                              "positions 0 6 13 20 44 68 80\nskip_header_lines 1\ncolumns 3 6\n"
                              "property 0.0.0.0:22\nassert_ends_with /sshd\nproperty :::22\n"
                              "assert_eq 876/sshd\nproperty 0.0.0.0:25\nassert_undefined\n")
    assert [r[-1] for r in reported] == [True, True, True]
    assert all(n is not None and n.columns == (3,) for n in narrowed)


def test_sections_and_names_are_never_narrowed(files):
    (files / "app.ini").write_text("[main]\nname = web\n[db]\nname = pg\n")
    reported, narrowed = both(f"file {files}/app.ini\nsyntax ini\nsection db\nproperty name\n"
                              "assert_eq pg\n")
    assert reported[0][-1] and narrowed == [None]
    reported, narrowed = both(f"file {files}/table\nparse_mode table\n"
                              'columns "Local Address" State\nproperty 127.0.0.1:25\n'
                              "assert_eq LISTEN\n")
    assert reported[0][-1] and narrowed == [None]


def test_columns_by_name_after_a_narrowed_lookup(files):
    """A name resolves against the whole parse; tokenized rows have none, so it is an error
    at the `columns` line either way."""
    reported, _ = both(f"file {files}/passwd\nsyntax etc_passwd\nproperty root\n"
                       "assert_defined\ncolumns Shell\nproperty root\nassert_defined\n")
    assert reported[0][-1] is True
    assert reported[1][0] == 5 and "have no names" in reported[1][1]
