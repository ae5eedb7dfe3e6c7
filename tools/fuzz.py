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

With ``--reports``, each file also runs through the real run and the built-in
reporters (text, JSON, JUnit, TAP, HTML, Prometheus, GitHub, GitLab), and the
reports must agree: each parses, and each holds every result. With ``--hostile``, the plugins of the test
distribution tstconfig-hostile (tests/fixtures/plugins; install it first) join
the vocabulary, each misbehaving its own way (ending the process, hanging,
printing, returning the wrong type), and nothing may reach standard output.

Generated ``command`` directives are refused (``--no-commands``): random
command lines are never run. Needs hypothesis (``pip install 'tstconfig[test]'``).
For a coverage-guided fuzzer, :data:`check_definition` has hypothesis's
``fuzz_one_input``: ``atheris.Setup(sys.argv,
check_definition.hypothesis.fuzz_one_input); atheris.Fuzz()``.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

try:
    from hypothesis import HealthCheck, given, seed, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - said plainly when run
    sys.exit("tools/fuzz.py needs hypothesis: pip install 'tstconfig[test]'")

from tstconfig_core.engine.context import Context, RunSettings
from tstconfig_core.engine.interpreter import Interpreter
from tstconfig_core.loading.groups import ASSERTIONS, PARSERS, REPORTERS, SOURCES, SYNTAXES
from tstconfig_core.loading.registry import PluginRegistry
from tstconfig_core.model import AssertionResult, ErrorEvent, Event, Summary, WarningEvent
from tstconfig_core.options import OPTION_DIRECTIVES

NAME = "fuzzed.tstconfig"
_PROC = re.compile(r"\bproc\b")  # maybe a block reading /proc, whose files move
REGISTRY = PluginRegistry(import_timeout=0.5)  # (a hostile import hangs)
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
    # issue 14: row sets, defaults, variables, guards
    "where", "where_clear", "default", "let", "ignore_case", "allow_missing", "only_if_exists",
    "assert_all", "assert_any", "assert_none", "${x}", "$${x}", "${", "$$", "=", "!=", "~",
    "!~", "<", ">=", "# note",
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
                   st.just("section_size"), st.just("exit_status"),
                   _line("where", st.sampled_from(["0", "1", "2", "Proto", "9"]),
                         st.sampled_from(["=", "!=", "~", "!~", "<", ">=", "assert_eq", "x"]),
                         _words(VALUES, 2)),
                   st.sampled_from(["where_clear", "ignore_case", "allow_missing", "let x",
                                    "only_if_exists /etc/passwd", "only_if_exists /nonexistent"]),
                   _line("default", _words(VALUES, 2)))
_PLAIN_ASSERT = _line(st.sampled_from(REGISTRY.names(ASSERTIONS)), _words(VALUES + ["${x}"]))
ASSERT = st.one_of(_PLAIN_ASSERT, _PLAIN_ASSERT, _PLAIN_ASSERT, _line(
    st.sampled_from(["assert_all", "assert_any", "assert_none"]), _PLAIN_ASSERT))
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

#: tstconfig-hostile's plugins, where it is installed.
HOSTILE_SOURCES = [n for n in REGISTRY.names(SOURCES) if n.startswith("hostile_")]
HOSTILE_CHECKS = [n for n in REGISTRY.names(ASSERTIONS) if n.startswith("assert_hostile_")]
HOSTILE_MODES = [n for n in REGISTRY.names(PARSERS) if n.startswith("hostile_")]


def _hostile_block() -> st.SearchStrategy[list[str]]:
    source = st.one_of(_line(st.sampled_from(HOSTILE_SOURCES), st.sampled_from(PATHS)),
                       SOURCE, st.just("command echo ok yes"))
    body = st.one_of(OPTION, SELECT, ASSERT, CHAOS, st.just("sensitive"), st.just("property ok"),
                     _line("parse_mode", st.sampled_from(HOSTILE_MODES)),
                     _line("hostile_exit_option", _words(VALUES, 1)),
                     _line(st.sampled_from(HOSTILE_CHECKS), _words(VALUES, 2)),
                     st.just("assert_defined"))
    return st.builds(lambda s, b: [s, *b], source, st.lists(body, max_size=10))


def hostile_definitions() -> st.SearchStrategy[str]:
    if not (HOSTILE_SOURCES and HOSTILE_CHECKS and HOSTILE_MODES):
        sys.exit("--hostile needs tstconfig-hostile installed: "
                 "pip install tests/fixtures/plugins/tstconfig-hostile")
    return st.builds(lambda blocks, end: end.join(line for b in blocks for line in b),
                     st.lists(st.one_of(_hostile_block(), BLOCK), min_size=1, max_size=4),
                     st.sampled_from(["\n", "\r\n"]))

_slowest = [0.0]


def _run(text: str, narrow: bool) -> tuple[list[Event], Summary]:
    events: list[Event] = []
    summary = Summary()

    def emit(event: Event) -> None:
        summary.count(event)
        events.append(event)

    Interpreter(Context(REGISTRY, emit, SETTINGS[0], narrow=narrow)).run(text, NAME)
    return events, summary


SETTINGS = [RunSettings(timeout=2.0, no_commands=True, max_size=1 << 20)]
BUILT_IN_REPORTERS = ("text", "json", "junit", "tap", "html", "prometheus", "github",
                      "gitlab-codequality")


def _run_reporting(text: str) -> tuple[list[Event], Summary]:
    """The file through the real run and every built-in reporter, whose reports must
    each parse and hold every result the engine made: none is lost. (The events are
    those the reporters were given.)"""
    from tstconfig_core.run import Run
    path = WORKDIR / NAME
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    streams = {name: io.StringIO() for name in BUILT_IN_REPORTERS}
    reporters = [REGISTRY.instance(REPORTERS, name)(stream) for name, stream in streams.items()]
    events: list[Event] = []
    run = Run(reporters, REGISTRY, SETTINGS[0], observers=[events.append])
    status = run.execute([str(path)])
    assert status in (0, 1, 2), status
    assert not run.broken_reporters, [r.name for r in run.broken_reporters]
    results = sum(isinstance(e, AssertionResult) for e in events)
    doc = json.loads(streams["json"].getvalue())
    assert len(doc["results"]) == results, ("json", len(doc["results"]), results)
    cases = ET.fromstring(streams["junit"].getvalue()).findall(".//testcase")
    assert len(cases) >= results, ("junit", len(cases), results)  # (errors are cases too)
    tap = streams["tap"].getvalue().splitlines()
    points = [ln for ln in tap if re.match(r"(not )?ok \d+", ln)]
    assert f"1..{len(points)}" in tap, ("tap plan", tap[-3:])
    assert len(points) >= results, ("tap", len(points), results)
    assert "SUMMARY REPORT" in streams["text"].getvalue()
    _check_new_reports({name: stream.getvalue() for name, stream in streams.items()},
                       events, results)
    return [e._replace(file=NAME) if isinstance(e, (ErrorEvent, WarningEvent, AssertionResult))
            else e
            for e in events], run.summary


def _check_new_reports(reports: dict[str, str], events: list[Event], results: int) -> None:
    """The html, prometheus, github and gitlab-codequality reports hold every result."""
    outcomes = [e.outcome for e in events if isinstance(e, AssertionResult)]
    failed = outcomes.count("failed") + outcomes.count("waived")
    located = sum(isinstance(e, (ErrorEvent, WarningEvent)) for e in events)
    page = reports["html"]
    assert page.count("<script") == 1 and page.count("<article ") == failed, "html"
    assert len(re.findall(r"<td class=[pfwn][ >]", page)) == results, "html cells"
    counted = sum(int(m.group(1)) for m in
                  re.finditer(r'^tstconfig_checks\{.*\} (\d+)$', reports["prometheus"], re.M))
    assert counted == results, ("prometheus", counted, results)
    lines = reports["github"].splitlines()
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)
    assert len(lines) == failed + located + 1, ("github", len(lines), failed, located)
    assert len(json.loads(reports["gitlab-codequality"])) == failed + located, "gitlab"


_checks = {"reports": False, "narrowing": True}


def _timeless(events: list[Event]) -> list[Event]:
    """The events without what differs from run to run: times and durations."""
    return [e._replace(duration=0.0) if isinstance(e, AssertionResult) else e
            for e in events if isinstance(e, (AssertionResult, ErrorEvent, WarningEvent))]


def run_one(text: str) -> None:
    """Run one definition; raise AssertionError if an invariant does not hold."""
    started = time.monotonic()
    # Nothing may print on standard output (a plugin's print goes to standard error).
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = io.StringIO(), io.StringIO()
    try:
        events, summary = (_run_reporting(text) if _checks["reports"]
                           else _run(text, narrow=True))
        leaked = sys.stdout.getvalue()
    finally:
        sys.stdout, sys.stderr = out, err
    assert not leaked, f"printed on standard output: {leaked[:200]!r}"
    _slowest[0] = max(_slowest[0], time.monotonic() - started)
    lines = max(1, text.count("\n") + text.count("\r") + 1)  # a bound: CRLF counts twice
    for event in events:
        if isinstance(event, (ErrorEvent, AssertionResult)):
            assert event.file == NAME, event
            assert event.line is not None and 1 <= event.line <= lines, event
    assert summary.exit_status in (0, 1, 2)
    if _checks["narrowing"] and not _PROC.search(text):
        assert _timeless(events) == _timeless(_run(text, narrow=False)[0]), "narrowing changed"


def fuzz_test(examples: int, seed_value: int | None = None,
              definitions: st.SearchStrategy[str] = DEFINITION):
    """A hypothesis test running ``examples`` generated definitions through run_one."""
    test = settings(deadline=None, database=None, max_examples=examples,
                    suppress_health_check=list(HealthCheck))(given(definitions)(run_one))
    return test if seed_value is None else seed(seed_value)(test)


#: For coverage-guided fuzzers: check_definition.hypothesis.fuzz_one_input(bytes).
check_definition = fuzz_test(100)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/fuzz.py",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000,
                        help="generated definition files to run (default 2000)")
    parser.add_argument("--seed", type=int, default=None, help="repeat a run exactly")
    parser.add_argument("--reports", action="store_true",
                        help="also write every built-in report, and check they agree")
    parser.add_argument("--hostile", action="store_true",
                        help="mix in tstconfig-hostile's misbehaving plugins (installed)")
    args = parser.parse_args(argv)
    # (the reports are written by the run, which cuts long values: that oracle is
    # the default run's)
    _checks["reports"] = args.reports
    _checks["narrowing"] = not args.reports
    definitions = DEFINITION
    if args.hostile:
        definitions = hostile_definitions()
        # (short: a hostile read hangs; plugins make the narrowing oracle meaningless)
        SETTINGS[0] = RunSettings(timeout=0.1, no_commands=True, max_size=1 << 20)
        _checks["narrowing"] = False
    started = time.monotonic()
    fuzz_test(args.examples, args.seed, definitions)()
    kind = " with hostile plugins" if args.hostile else ""
    print(f"fuzz: {args.examples} generated definition files{kind}, every invariant held"
          f"{' (reports included)' if args.reports else ''} "
          f"({time.monotonic() - started:.1f} s; slowest {_slowest[0]:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
