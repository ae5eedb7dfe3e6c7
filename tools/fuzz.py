"""Fuzzing the definition reader and runner: ``python tools/fuzz.py``.

Generates definition files, from tstconfig's own vocabulary (every keyword,
parse mode and syntax installed) mixed with arbitrary text and bytes, and runs
each through the real reader and runner, in this process, against a folder of
awkward files (a FIFO, a directory, binary data, /dev/zero). Each must hold:

- nothing escapes: no exception leaves the runner;
- every error is located: its file, and a line inside the file;
- the exit status is 0, 1 or 2;
- narrowing changes nothing: a block that parses only the rows its
  ``property`` lines name (:meth:`Parser.narrow`) reports what a block that
  parses every row reports (checked for definitions that read no ``proc``
  file, whose contents move between two runs).

Generated ``command`` directives are refused (``--no-commands``): random
command lines are never run. Needs hypothesis (``pip install 'tstconfig[test]'``).
For a coverage-guided fuzzer, :data:`check_definition` has hypothesis's
``fuzz_one_input``: ``atheris.Setup(sys.argv,
check_definition.hypothesis.fuzz_one_input); atheris.Fuzz()``.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

try:
    from hypothesis import HealthCheck, given, seed, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - said plainly when run
    sys.exit("tools/fuzz.py needs hypothesis: pip install 'tstconfig[test]'")

from tstconfig_core.engine.context import Context, RunSettings
from tstconfig_core.engine.interpreter import Interpreter
from tstconfig_core.loading.groups import ASSERTIONS, PARSERS, SOURCES, SYNTAXES
from tstconfig_core.loading.registry import PluginRegistry
from tstconfig_core.model import AssertionResult, ErrorEvent, Event, Summary, WarningEvent
from tstconfig_core.options import OPTION_DIRECTIVES

NAME = "fuzzed.tstconfig"
_PROC = re.compile(r"\bproc\b")  # maybe a block reading /proc, whose files move
REGISTRY = PluginRegistry()
WORKDIR = Path(tempfile.mkdtemp(prefix="tstconfig-fuzz-"))


def _workdir() -> Path:
    """Files a generated definition may name: the ordinary and the awkward."""
    (WORKDIR / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\nbin:x:1:1::/bin:\n"
                                    '"root":q:2\nbin:x:1:1::/bin:\n# root:c\nroot\n')
    (WORKDIR / "app.ini").write_text("[main]\nname = web\nports = 80 443\n; c\n[db]\nx=1\n")
    (WORKDIR / "table.txt").write_text("Proto Local Address  State\ntcp   0.0.0.0:22     LISTEN\n")
    (WORKDIR / "binary").write_bytes(bytes(range(256)) * 4)
    (WORKDIR / "empty").write_bytes(b"")
    (WORKDIR / "dir").mkdir(exist_ok=True)
    if not (WORKDIR / "fifo").exists():
        os.mkfifo(WORKDIR / "fifo")
    return WORKDIR


PATHS = [str(_workdir() / n) for n in ("passwd", "app.ini", "table.txt", "binary", "empty",
                                       "dir", "fifo", "missing")] + ["/dev/zero", "/dev/null"]
WORDS = sorted({
    *REGISTRY.names(SOURCES), *REGISTRY.names(ASSERTIONS),
    *REGISTRY.names(PARSERS), *REGISTRY.names(SYNTAXES),
    *OPTION_DIRECTIVES, "section", "columns", "property", "section_size", "exit_status",
    "duplicates_policy", "timeout", "max_size", "sensitive", "pattern", "csv_header",
    "csv_dialect", "csv_delimiter", "append", "replace", "ignore", "unique", "true", "false",
    "0", "1", "-1", "3", "1e9", "nan", "64K", '""', '"', "(.*)", "^\\[(.*)\\]$", "[", "\\t",
    ":", "=", ",", "root", "main", "meminfo", "net/tcp", "net/listening", "../etc",
    "Local Address", "*", "é", "\x00", "\x1b[31m",
})
PROC_PATHS = ["meminfo", "net/tcp", "net/tcp6", "net/listening", "sys/kernel/ostype",
              "loadavg", "self/status", "mounts", "../etc/passwd", "self/root/etc"]
VALUES = ["root", "bin", "x", "0", "1", "main", "db", "name", "ports", "80", "443", "tcp",
          "0.0.0.0:22", "LISTEN", "Proto", "State", "MemTotal", "Linux", "Name", "22", ""]


def _line(*parts: object) -> st.SearchStrategy[str]:
    """A directive line: each part a fixed word or a strategy for one."""
    return st.tuples(*(p if isinstance(p, st.SearchStrategy) else st.just(p) for p in parts)
                     ).map(lambda words: " ".join(w if w else '""' for w in words))


def _words(pool: list[str], most: int = 3) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(pool), max_size=most).map(" ".join)


CHAOS = st.one_of(
    _line(st.sampled_from(WORDS), st.lists(st.one_of(st.sampled_from(WORDS + PATHS),
                                                     st.text(max_size=12)), max_size=5).map(" ".join)),
    st.text(max_size=40),
    st.binary(max_size=40).map(lambda b: b.decode("utf-8", "replace")))
GOOD_PATHS = PATHS[:3] + ["/etc/passwd"]
SOURCE = st.one_of(  # mostly sources that read, so parsing and assertions get exercised
    _line("file", st.sampled_from(GOOD_PATHS)), _line("file", st.sampled_from(GOOD_PATHS)),
    _line("proc", st.sampled_from(PROC_PATHS[:5])), _line("file", st.sampled_from(PATHS)),
    _line("proc", st.sampled_from(PROC_PATHS)), st.just("command echo a b"))
OPTION = st.one_of(
    _line("parse_mode", st.sampled_from(REGISTRY.names(PARSERS))),
    _line("syntax", st.sampled_from(REGISTRY.names(SYNTAXES))),
    _line(st.sampled_from(["skip_header_lines", "read_lines", "timeout"]),
          st.sampled_from(["0", "1", "2", "-1", "x", ""])),
    _line("positions", _words(["0", "3", "6", "13", "20", "44", "2"], 5)),
    _line(st.sampled_from(["separator", "key_separator", "quote_char", "csv_delimiter"]),
          st.sampled_from([":", "=", ",", "\\t", " ", "ab", ""])),
    _line(st.sampled_from(["section_header_pattern", "section_footer_pattern", "pattern"]),
          st.sampled_from(["^\\[(.*)\\]$", "(\\S+)", "^(\\w+):(\\w+)", "(", "(?P<k>\\S+) (.*)", "x"])),
    _line(st.sampled_from(["hash_comment_allowed", "ignore_empty_tokens", "csv_header",
                           "key_separator_optional"]), st.sampled_from(["true", "false", "1"])),
    _line("duplicates_policy", st.sampled_from(["append", "replace", "ignore", "unique", "x"])),
    _line("columns", _words(["0", "1", "2", "3", "6", "Proto", "State", "Local Address", "-1"])),
    _line("max_size", st.sampled_from(["1K", "64M", "0", "x"])),
    st.just("sensitive"))
SELECT = st.one_of(_line("property", _words(VALUES)), _line("section", _words(VALUES, 2)),
                   st.just("section_size"), st.just("exit_status"))
ASSERT = _line(st.sampled_from(REGISTRY.names(ASSERTIONS)), _words(VALUES))
BLOCK = st.builds(lambda source, body: [source, *body], SOURCE,
                  st.lists(st.one_of(OPTION, SELECT, SELECT, ASSERT, ASSERT, CHAOS), max_size=12))
#: A block that mostly looks keys up, so its parse may be narrowed to them; now and
#: then a `columns` or `section_size` makes it parse every row.
_KEYS = ["root", "bin", "0", "1", "x", "q", "/bin"]  # what the files' rows hold
_LOOKUP = st.tuples(_line("property", _words(_KEYS, 2)), ASSERT)
LOOKUPS = st.builds(
    lambda source, options, checks: [source, *options, *(line for item in checks for line in item)],
    _line("file", st.sampled_from(GOOD_PATHS)),
    st.lists(st.one_of(OPTION, st.sampled_from(["syntax etc_passwd", "separator :",
                                                "ignore_empty_tokens false"])), max_size=3),
    st.lists(st.one_of(_LOOKUP, _LOOKUP, st.tuples(
        _line("columns", _words(["0", "1", "2", "5", "6"], 2)),
        _line("property", _words(_KEYS, 2)), ASSERT),
        st.tuples(st.just("section_size"), ASSERT)), min_size=1, max_size=5))
DEFINITION = st.builds(
    lambda head, blocks, end: end.join(head + [line for block in blocks for line in block]),
    st.lists(CHAOS, max_size=3), st.lists(st.one_of(BLOCK, LOOKUPS), max_size=4),
    st.sampled_from(["\n", "\n", "\r\n", "\r"]))

_slowest = [0.0]


def _run(text: str, narrow: bool) -> tuple[list[Event], Summary]:
    events: list[Event] = []
    summary = Summary()

    def emit(event: Event) -> None:
        summary.count(event)
        events.append(event)

    settings = RunSettings(timeout=2.0, no_commands=True, max_size=1 << 20)
    Interpreter(Context(REGISTRY, emit, settings, narrow=narrow)).run(text, NAME)
    return events, summary


def _timeless(events: list[Event]) -> list[Event]:
    """The events without what differs from run to run: times and durations."""
    return [e._replace(duration=0.0) if isinstance(e, AssertionResult) else e
            for e in events if isinstance(e, (AssertionResult, ErrorEvent, WarningEvent))]


def run_one(text: str) -> None:
    """Run one definition; raise AssertionError if an invariant does not hold."""
    started = time.monotonic()
    events, summary = _run(text, narrow=True)
    _slowest[0] = max(_slowest[0], time.monotonic() - started)
    lines = max(1, text.count("\n") + text.count("\r") + 1)  # a bound: CRLF counts twice
    for event in events:
        if isinstance(event, (ErrorEvent, AssertionResult)):
            assert event.file == NAME, event
            assert event.line is not None and 1 <= event.line <= lines, event
    assert summary.exit_status in (0, 1, 2)
    if not _PROC.search(text):
        assert _timeless(events) == _timeless(_run(text, narrow=False)[0]), "narrowing changed"


def fuzz_test(examples: int, seed_value: int | None = None):
    """A hypothesis test running ``examples`` generated definitions through run_one."""
    test = settings(deadline=None, database=None, max_examples=examples,
                    suppress_health_check=list(HealthCheck))(given(DEFINITION)(run_one))
    return test if seed_value is None else seed(seed_value)(test)


#: For coverage-guided fuzzers: check_definition.hypothesis.fuzz_one_input(bytes).
check_definition = fuzz_test(100)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/fuzz.py",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000,
                        help="generated definition files to run (default 2000)")
    parser.add_argument("--seed", type=int, default=None, help="repeat a run exactly")
    args = parser.parse_args(argv)
    started = time.monotonic()
    fuzz_test(args.examples, args.seed)()
    print(f"fuzz: {args.examples} generated definition files, every invariant held "
          f"({time.monotonic() - started:.1f} s; slowest {_slowest[0]:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
