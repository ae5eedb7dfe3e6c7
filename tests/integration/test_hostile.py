"""Bad, hostile and faulty input: every case an error on its line, and the run goes on.

Each hostile block is followed by a block that must still pass, so "the run
goes on" is checked, not assumed. Everything here is real: real FIFOs,
devices, symbolic links, permissions, commands and signals.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from conftest import tstconfig

LOCATED = re.compile(r"^ERROR: (.+?):(\d+): \S")
GOOD_BLOCK = "command echo ok yes\nproperty ok\nassert_eq yes\n"


def run_definition(folder: Path, text: str | bytes, *args: str, name: str = "d.tstconfig",
                   **kwargs) -> subprocess.CompletedProcess:
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return tstconfig(*args, str(path), **kwargs)


def check_clean(result: subprocess.CompletedProcess) -> None:
    """No traceback; exit 0, 1 or 2; every ERROR line is FILE:LINE: message."""
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert result.returncode in (0, 1, 2), (result.returncode, result.stderr)
    for line in result.stdout.splitlines():
        if line.startswith("ERROR: "):
            assert LOCATED.match(line), line


def errors(result: subprocess.CompletedProcess) -> dict[int, str]:
    """line number -> message of each located error."""
    found = {}
    for line in result.stdout.splitlines():
        match = LOCATED.match(line)
        if match:
            found[int(match.group(2))] = line.split(": ", 2)[2]
    return found


def count(result: subprocess.CompletedProcess, label: str) -> int:
    return int(re.search(rf"^{label}: (\d+)$", result.stdout, re.MULTILINE).group(1))


# -- definition files made of anything --------------------------------------------------

@pytest.mark.parametrize("name, content", [
    ("binary", bytes(range(256)) * 40),
    ("invalid UTF-8", b"command echo \xff\xfe ok\nproperty \xc3\x28\nassert_defined\n"),
    ("NUL bytes", b"file /etc/\x00passwd\nproperty root\x00\nassert_eq\x00 x\ncommand echo\x00 a\n"),
    ("unterminated quotes", b'command echo "a\nproperty "x\nassert_eq "\n"\n'),
    ("CR-only line ends", b"command echo a b\rproperty a\rassert_eq b\r"),
    ("only separators", b" \t\f\v\r\n\x0b\x1c\x1d\x1e\x85\n"),
])
def test_definition_made_of_anything(tmp_path, name, content):
    result = run_definition(tmp_path, content + b"\n" + GOOD_BLOCK.encode())
    check_clean(result)
    assert count(result, "Assertions passed") >= 1, name  # the good block still ran


def test_cr_only_line_ends_are_lines(tmp_path):
    result = run_definition(tmp_path, b"command echo a b\rproperty a\rassert_eq c\r")
    assert "Assertions failed: 1" in result.stdout  # three directives, not one


def test_a_ten_megabyte_line(tmp_path):
    line = "assert_eq " + "x" * 5_000_000 + ' "quoted ' + "y" * 5_000_000 + '"\n'
    result = run_definition(tmp_path, "command echo k v\nproperty k\n" + line + "z" * 10_000_000
                            + "\n" + GOOD_BLOCK)
    check_clean(result)
    assert len(result.stdout) < 20_000  # errors and values are shown cut, not in full
    assert re.search(r"\.\.\. \(100000\d\d characters\)$", errors(result)[4])
    assert count(result, "Assertions failed") == 1 and count(result, "Assertions passed") == 1


def test_a_million_directives(tmp_path):
    """A million directives in one block: run, and in a bounded time and memory."""
    text = "command echo k v\n" + "property k\nassert_eq v\n" * 500_000
    result = run_definition(tmp_path, text, timeout=300)
    check_clean(result)
    assert count(result, "Assertions passed") == 500_000


def test_a_file_that_is_not_a_definition_stops_at_the_error_cap(tmp_path):
    result = run_definition(tmp_path, "".join(f"junk{i} a b\n" for i in range(1_000_000)),
                            name="a.tstconfig")
    (tmp_path / "b.tstconfig").write_text(GOOD_BLOCK)
    result = tstconfig(str(tmp_path / "a.tstconfig"), str(tmp_path / "b.tstconfig"))
    check_clean(result)
    assert count(result, "Errors") == 201
    assert "more than 200 errors in this file: the rest of it is not run" in result.stdout
    assert count(result, "Assertions passed") == 1  # the next file runs


# -- sources that misbehave ---------------------------------------------------------------

def test_files_that_are_not_files(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    (tmp_path / "broken").symlink_to(tmp_path / "nowhere")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    started = time.monotonic()
    result = run_definition(tmp_path, f"""\
        file {tmp_path}
        property x
        assert_undefined
        file {fifo}
        property x
        assert_undefined
        file {tmp_path / 'broken'}
        property x
        assert_undefined
        file {tmp_path / 'loop'}
        property x
        assert_undefined
        file /dev/zero
        property x
        assert_undefined
        file /dev/null
        section_size
        assert_eq 0
        """.replace("        ", "") + GOOD_BLOCK)
    assert time.monotonic() - started < 30  # the FIFO did not block, /dev/zero ended
    check_clean(result)
    found = errors(result)
    assert "is a directory" in found[1]
    assert "is a named pipe (FIFO)" in found[4]
    assert "No such file or directory" in found[7]
    assert "Too many levels of symbolic links" in found[10]
    assert "larger than the size limit (more than 64 MiB)" in found[13]
    assert all("assertion(s) of this block were not run" in found[n] for n in (1, 4, 7, 10, 13))
    assert count(result, "Assertions passed") == 2  # /dev/null is empty; the good block


def test_a_file_without_read_permission(tmp_path_factory):
    tmp_path = Path(tempfile.mkdtemp(prefix="tstconfig-perm-"))  # pytest's is private to root
    tmp_path.chmod(0o755)
    secret = tmp_path / "secret"
    secret.write_text("k v\n")
    secret.chmod(0o000)
    prefix: list[str] = []
    if os.geteuid() == 0:  # root reads anything: be somebody else
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: nobody to be")
        prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    definition = tmp_path / "d.tstconfig"
    definition.write_text(f"file {secret}\nproperty k\nassert_eq v\n" + GOOD_BLOCK)
    definition.chmod(0o644)
    result = subprocess.run([*prefix, sys.executable, "-m", "tstconfig_core", str(definition)],
                            capture_output=True, text=True, timeout=60)
    shutil.rmtree(tmp_path)
    check_clean(result)
    assert "Permission denied" in errors(result)[1]
    assert count(result, "Assertions passed") == 1


def test_size_limit_directive_and_option(tmp_path):
    big = tmp_path / "big"
    big.write_bytes(b"line\n" * 300_000)  # 1.5 MB; as 300,000 rows, more than 10 x 2 MiB
    text = f"file {big}\nmax_size 1M\nsection_size\nassert_gt 0\n" \
           f"file {big}\nmax_size 16M\nsection_size\nassert_eq 300000\n"
    result = run_definition(tmp_path, text)
    assert "larger than the size limit (more than 1 MiB)" in errors(result)[1]
    assert count(result, "Assertions passed") == 1
    result = run_definition(tmp_path, f"file {big}\nsection_size\nassert_eq 300000\n",
                            "--max-size", "512K")
    assert "more than 512 KiB" in errors(result)[1]
    assert tstconfig("--max-size", "lots", str(tmp_path / "d.tstconfig")).returncode == 2


def test_commands_that_misbehave(tmp_path):
    started = time.monotonic()
    result = run_definition(tmp_path, """\
        command yes
        max_size 1M
        section_size
        assert_gt 0
        command sh -c "exec >&-; sleep 30"
        timeout 1
        section_size
        assert_eq 0
        command sh -c "exec >&-; echo closed early >&2"
        section_size
        assert_eq 0
        command cat
        section_size
        assert_eq 0
        command printf "\\377\\376 ok \\303\\n"
        property \ufffd\ufffd
        assert_eq ok \ufffd
        command sh -c "head -c 100000 /dev/zero >&2; echo done"
        property done
        assert_defined
        """.replace("        ", "") + GOOD_BLOCK)
    assert time.monotonic() - started < 30
    check_clean(result)
    found = errors(result)
    assert "printed more than the size limit of 1 MiB and was killed" in found[1]
    assert "timed out after 1 s" in found[5]
    assert set(found) == {1, 5}  # the others read normally
    assert "WARN: " in result.stdout and "closed early" in result.stdout
    assert "more bytes of standard error not shown" in result.stdout
    assert count(result, "Assertions passed") == 5


def test_no_zombie_and_no_survivor_after_a_timeout(tmp_path):
    pidfile = tmp_path / "child.pid"
    result = run_definition(tmp_path, f'command sh -c "sleep 60 & echo $! > {pidfile}; wait"\n'
                                      "timeout 0.5\nproperty x\nassert_undefined\n")
    assert "timed out after 0.5 s" in result.stdout
    pid = int(pidfile.read_text())
    assert not Path(f"/proc/{pid}").exists(), "the command's child is still there (a zombie?)"


# -- regular expressions that never finish --------------------------------------------------

def test_catastrophic_regexes_are_cut_by_the_block_timeout(tmp_path):
    data = tmp_path / "data.txt"
    data.write_text("a" * 40 + "b\n")
    started = time.monotonic()
    result = run_definition(tmp_path, f"""\
        file {data}
        timeout 1
        parse_mode regex
        pattern ^(a+)+$
        property x
        assert_undefined
        file {data}
        timeout 1
        section_header_pattern ^((a|aa)+)$
        property x
        assert_undefined
        file {data}
        timeout 1
        property
        assert_matches (a|aa)+
        """.replace("        ", "") + GOOD_BLOCK)
    elapsed = time.monotonic() - started
    check_clean(result)
    found = errors(result)
    # located at the directive that needed the parse (as every parse error is)
    assert "parsing took longer than the block's timeout of 1 s" in found[5]
    assert "parsing took longer than the block's timeout of 1 s" in found[10]
    assert "assert_matches took longer than the block's timeout of 1 s" in found[15]
    assert elapsed < 20, elapsed  # three cuts of about a second each
    assert count(result, "Assertions passed") == 1


# -- secrets ------------------------------------------------------------------------------

SECRET = "S3cr3t-7f1c2a9e-hash"


def test_sensitive_values_reach_no_report(tmp_path):
    shadow = tmp_path / "shadow"
    shadow.write_text(f"root:{SECRET}:19700:0:99999:7:::\nbob:{SECRET}x:19700::::::\n")
    (tmp_path / "value").write_text(f"value {SECRET}\n")
    definition = tmp_path / "d.tstconfig"
    definition.write_text(f"""\
        file {shadow}
        syntax etc_shadow
        sensitive
        property root
        assert_starts_with $6$
        assert_gt 0
        assert_eq x
        columns 0 1
        property bob
        assert_matches nothing
        command sh -c "cat {tmp_path}/value; cat {tmp_path}/value >&2"
        sensitive
        property value
        assert_eq nope
        file {shadow}
        sensitive
        parse_mode csv
        csv_dialect sniff
        property root
        assert_defined
        """.replace("        ", ""))
    out = tmp_path / "out"
    out.mkdir()
    result = tstconfig("-r", "text", "-r", f"json:{out}/r.json", "-r", f"junit:{out}/r.xml",
                       "-r", f"tap:{out}/r.tap", str(definition))
    inspected = tstconfig("--inspect", str(definition))
    reports = [result.stdout, result.stderr, inspected.stdout, inspected.stderr,
               *(p.read_text() for p in out.iterdir())]
    assert count(result, "Assertions failed") == 4  # the checks still run on the real values
    assert "<masked>" in result.stdout and "<masked>" in (out / "r.json").read_text()
    for report in reports:
        assert SECRET not in report
    assert "not shown: the block is sensitive" in inspected.stdout
    command_line = next(ln for ln in result.stdout.splitlines() if ln.startswith(" Command:"))
    assert f"sh -c cat {tmp_path}/value" in command_line  # as written; only values are masked


# -- policy ----------------------------------------------------------------------------------

def test_no_commands_refuses_every_command_and_nothing_else(tmp_path):
    marker = tmp_path / "ran"
    result = run_definition(tmp_path, f"""\
        command touch {marker}
        property x
        assert_undefined
        file /etc/passwd
        syntax etc_passwd
        property root
        assert_defined
        proc sys/kernel/ostype
        property
        assert_eq Linux
        """.replace("        ", ""), "--no-commands")
    assert not marker.exists()
    assert "--no-commands refuses every source that does" in errors(result)[1]
    assert count(result, "Assertions passed") == 2 and count(result, "Errors") == 1


# -- signals ---------------------------------------------------------------------------------

@pytest.mark.parametrize("signum, status", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_stops_the_run_and_reports_are_written(tmp_path, signum, status):
    pidfile = tmp_path / "child.pid"
    definition = tmp_path / "d.tstconfig"
    definition.write_text("command echo a\nproperty a\nassert_defined\n"
                          f'command sh -c "echo $$ > {pidfile}; sleep 60"\nexit_status\n'
                          "assert_eq 0\n")
    report = tmp_path / "r.json"
    proc = subprocess.Popen([sys.executable, "-m", "tstconfig_core", "-r", "text",
                             "-r", f"junit:{tmp_path}/r.xml", "-r", f"json:{report}",
                             str(definition)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 20
    while not (pidfile.exists() and pidfile.read_text().strip()):
        assert time.monotonic() < deadline, "the run did not start"
        time.sleep(0.05)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == status and "Traceback" not in err, err
    assert "Run interrupted" in out and "Assertions passed: 1" in out
    import json
    doc = json.loads(report.read_text())
    assert doc["run"]["interrupted"] is True and doc["summary"]["passed"] == 1
    assert 'name="interrupted" value="true"' in (tmp_path / "r.xml").read_text()
    child = Path(f"/proc/{pidfile.read_text().strip()}")
    time.sleep(0.2)
    assert not child.exists() or child.joinpath("stat").read_text().split()[2] == "Z"
