"""The command line: arguments, exit status, inputs, isolation, commands."""
from __future__ import annotations

import random
import time
from pathlib import Path

from click.testing import CliRunner

from conftest import FIXTURES, tstconfig
from tstconfig_core import __version__
from tstconfig_core.cli import main


def test_version():
    result = tstconfig("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"tstconfig {__version__}"


def test_no_arguments_is_usage_error():
    result = tstconfig()
    assert result.returncode == 2
    assert "Usage:" in result.stderr


def test_help_has_examples():
    result = tstconfig("--help")
    assert result.returncode == 0
    assert "Examples:" in result.stdout and "Exit status" in result.stdout


def test_report_starts_with_version_and_file(workdir):
    result = tstconfig("cases/sections.tstconfig", cwd=workdir)
    lines = result.stdout.splitlines()
    assert lines[0] == f"tstconfig {__version__}"
    assert "Reading definition file: cases/sections.tstconfig" in lines
    assert result.returncode == 0


def test_standard_input(workdir):
    result = tstconfig("-", cwd=workdir, input="file data/passwd\nsyntax etc_passwd\n"
                                                "property root\nassert_not_empty\nprpty\n")
    assert "Reading definition file: <stdin>" in result.stdout
    assert "ERROR: <stdin>:5: unknown directive 'prpty'" in result.stdout
    assert result.returncode == 2


def test_directory_is_recursive_and_sorted(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.tstconfig").write_text("command echo z\nproperty z\nassert_defined\n")
    (tmp_path / "a.tstconfig").write_text("command echo a\nproperty a\nassert_defined\n")
    (tmp_path / "c.tstconfig").write_text("command echo c\nproperty c\nassert_defined\n")
    (tmp_path / "ignored.txt").write_text("garbage\n")
    result = tstconfig(str(tmp_path))
    read = [ln.split(": ", 1)[1] for ln in result.stdout.splitlines()
            if ln.startswith("Reading definition file:")]
    assert read == [str(tmp_path / "a.tstconfig"), str(tmp_path / "b" / "z.tstconfig"),
                    str(tmp_path / "c.tstconfig")]
    assert "Assertions tested: 3" in result.stdout and result.returncode == 0


def test_missing_definition_and_empty_directory(tmp_path):
    result = tstconfig(str(tmp_path / "nope.tstconfig"), str(tmp_path))
    assert f"ERROR: {tmp_path / 'nope.tstconfig'}: cannot read definition file" in result.stdout
    assert f"ERROR: {tmp_path}: no *.tstconfig files in directory" in result.stdout
    assert "Errors: 2" in result.stdout and result.returncode == 2


def test_files_do_not_leak_state_and_counters_add_up(tmp_path):
    first = tmp_path / "1.tstconfig"
    second = tmp_path / "2.tstconfig"
    first.write_text("command echo key v\nparse_mode fixed\npositions 0 4\n"
                     "property key\nassert_eq v\n")
    second.write_text("property key\nassert_eq v\n")
    result = tstconfig(str(first), str(second))
    assert f"{second}:1: property needs a source first" in result.stdout
    assert "Assertions tested: 1" in result.stdout
    assert "Assertions passed: 1" in result.stdout and "Errors: 2" in result.stdout


def test_exit_status_one_for_failures_only(workdir):
    assert tstconfig("cases/fixed.tstconfig", cwd=workdir).returncode == 1


def test_timeout_kills_the_process_group(workdir):
    started = time.monotonic()
    result = tstconfig("cases/timeout.tstconfig", cwd=workdir)
    elapsed = time.monotonic() - started
    assert elapsed < 10, elapsed  # the commands sleep 30 s
    assert "timed out after 0.5 s" in result.stdout
    pid = int((workdir / "timeout.pid").read_text())
    time.sleep(0.1)
    assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]


def test_run_wide_timeout_option(tmp_path):
    definition = tmp_path / "t.tstconfig"
    definition.write_text("command sleep 20\nproperty x\nassert_undefined\n")
    started = time.monotonic()
    result = tstconfig("--timeout", "0.3", str(definition))
    assert time.monotonic() - started < 10
    assert "timed out after 0.3 s" in result.stdout and result.returncode == 2


def test_bad_options_are_usage_errors(tmp_path):
    definition = tmp_path / "t.tstconfig"
    definition.write_text("command true\n")
    assert tstconfig("--timeout", "0", str(definition)).returncode == 2
    assert tstconfig("--reporter", "nosuch", str(definition)).returncode == 2
    result = tstconfig("-r", "text", "-r", "text:-", str(definition))
    assert result.returncode == 2 and "standard output" in result.stderr
    result = tstconfig("-r", f"text:{definition}/dir/r.txt", str(definition))
    assert result.returncode == 2 and "Not a directory" in result.stderr


def test_text_report_to_a_file(tmp_path, workdir):
    out = tmp_path / "report.txt"
    result = tstconfig("-r", f"text:{out}", "cases/fixed.tstconfig", cwd=workdir)
    assert result.stdout == ""
    assert "SUMMARY REPORT: FAIL" in out.read_text()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tstconfig-")]


def test_only_used_plugins_are_imported(tmp_path):
    """A definition using file and assert_eq imports no other plugin module."""
    definition = tmp_path / "d.tstconfig"
    definition.write_text(f"file {FIXTURES / 'data' / 'passwd'}\nproperty x\nassert_eq y\n")
    code = ("import sys\nfrom tstconfig_core.cli import main\n"
            f"try:\n    main([{str(definition)!r}])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('tstconfig_plugins.')))\n"
            "print(sorted(m for m in ('tabulate', 'xml', 'difflib') if m in sys.modules))\n")
    import subprocess
    import sys
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    modules, others = result.stdout.strip().splitlines()[-2:]
    assert modules == str(["tstconfig_plugins.assertions", "tstconfig_plugins.assertions.basic",
                           "tstconfig_plugins.assertions.values",  # their helper, not a plugin
                           "tstconfig_plugins.parsers", "tstconfig_plugins.parsers.tokenized",
                           "tstconfig_plugins.reporters", "tstconfig_plugins.reporters.text",
                           "tstconfig_plugins.sources", "tstconfig_plugins.sources.file"])
    assert others == "[]"


def test_generated_garbage_never_tracebacks(tmp_path):
    """Random directive soup: only located errors, exit 0/1/2, never a traceback."""
    rng = random.Random(20261125)
    words = ["file", "command", "property", "section", "section_size", "columns", "positions",
             "parse_mode", "syntax", "fixed", "keyvalue", "ini", "apache", "assert_eq",
             "assert_contains", "exit_status", "timeout", "separator", "read_lines", '"',
             '""', "-1", "0", "3", "x", "/etc/passwd", "echo", "true", "\\t", "[", "(.*)",
             "duplicates_policy", "replace", "key_separator", "=", "quote_char", "é", "\x00"]
    runner = CliRunner()
    for i in range(150):
        lines = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 5)))
                 for _ in range(rng.randint(1, 12))]
        path = tmp_path / f"g{i}.tstconfig"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        result = runner.invoke(main, ["--timeout", "2", str(path)])
        assert result.exit_code in (0, 1, 2), (lines, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            lines, result.exception)
        assert "Traceback" not in result.output


def test_interrupt_reports_what_was_collected_and_kills_the_command(tmp_path):
    import signal
    import subprocess
    import sys
    pidfile = tmp_path / "child.pid"
    definition = tmp_path / "d.tstconfig"
    definition.write_text("command echo a\nproperty a\nassert_defined\n"
                          f"command sh -c \"echo $$ > {pidfile}; sleep 30\"\n"
                          "property x\nassert_defined\n")
    proc = subprocess.Popen([sys.executable, "-m", "tstconfig_core", str(definition)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 10
    while not (pidfile.exists() and pidfile.read_text().strip()):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 130
    assert "Traceback" not in err
    assert "Run interrupted" in out and "SUMMARY REPORT: FAIL" in out
    assert "Assertions passed: 1" in out
    child = Path(f"/proc/{pidfile.read_text().strip()}")
    time.sleep(0.1)
    assert not child.exists() or child.joinpath("stat").read_text().split()[2] == "Z"
