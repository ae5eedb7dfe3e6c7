"""Hostile input that tstconfig once mishandled (issue 13, findings 4, 5, 6, 15, 20, 22).

A byte order mark; numbers past float and int(); a folder scan that skipped what
it could not read, and blocked on a FIFO; a "did you mean" that took a minute;
--timeout nan; regular expressions and versions that Python refuses in ways
that were reported as a plugin's failure. Each through the command line, with
real files, FIFOs, links, permissions and users.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import third_party_plugins, tstconfig

GOOD = "command echo ok yes\nproperty ok\nassert_eq yes\n"
FAILING = "command echo ok no\nproperty ok\nassert_eq yes\n"
BOM = b"\xef\xbb\xbf"


def count(result: subprocess.CompletedProcess, label: str) -> int:
    match = re.search(rf"^{label}: (\d+)$", result.stdout, re.MULTILINE)
    return int(match.group(1)) if match else 0


def errors(result: subprocess.CompletedProcess) -> dict[str, str]:
    """'FILE:LINE' (or 'PATH' when no line) -> message of each ERROR line."""
    found = {}
    for line in result.stdout.splitlines():
        if line.startswith("ERROR: "):
            where, _, message = line[len("ERROR: "):].partition(": ")
            found[where] = message
    return found


def clean(result: subprocess.CompletedProcess) -> None:
    """No traceback, no plugin blamed for tstconfig's own input, exit 0, 1 or 2."""
    out = result.stdout + result.stderr
    assert "Traceback" not in out, out[-3000:]
    assert "plugin" not in out and "internal error" not in out, out[-3000:]
    assert result.returncode in (0, 1, 2), (result.returncode, out[-3000:])


def run(folder: Path, text: str | bytes, *args: str, **kwargs) -> subprocess.CompletedProcess:
    path = folder / "d.tstconfig"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return tstconfig(*args, str(path), **kwargs)


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder another user can reach (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="tstconfig-hostile-"))
    path.chmod(0o755)
    yield path
    for below in path.rglob("*"):  # (a folder made unreadable must be removable)
        if below.is_dir() and not below.is_symlink():
            below.chmod(0o755)
    shutil.rmtree(path)


# -- finding 4: a byte order mark -----------------------------------------------------

def test_a_byte_order_mark_starts_a_definition(tmp_path):
    result = run(tmp_path, BOM + GOOD.encode())
    clean(result)
    assert count(result, "Assertions passed") == 1 and result.returncode == 0
    with_crlf = run(tmp_path, BOM + GOOD.replace("\n", "\r\n").encode())
    assert count(with_crlf, "Assertions passed") == 1
    stdin = tstconfig("-", input=(BOM + GOOD.encode()).decode("utf-8"))
    assert count(stdin, "Assertions passed") == 1 and stdin.returncode == 0


def test_only_the_first_mark_is_dropped(tmp_path):
    # A second mark is data: the keyword is unknown then (and shown escaped).
    result = run(tmp_path, BOM + BOM + GOOD.encode())
    assert errors(result)[f"{tmp_path / 'd.tstconfig'}:1"] == \
        "unknown directive '\\ufeffcommand'; did you mean 'command'?"


@pytest.mark.parametrize("source", ["file", "command cat"])
def test_a_byte_order_mark_in_data(tmp_path, source):
    (tmp_path / "keys").write_bytes(BOM + b"PermitRootLogin no\n")
    (tmp_path / "users.csv").write_bytes(BOM + b"name,uid\r\nroot,0\r\n")
    (tmp_path / "config.ini").write_bytes(BOM + b"[main]\nkey = v\n")
    result = run(tmp_path, f"""\
{source} {tmp_path / 'keys'}
property PermitRootLogin
assert_eq no
{source} {tmp_path / 'users.csv'}
parse_mode csv
csv_header true
columns name uid
property root
assert_eq 0
{source} {tmp_path / 'config.ini'}
syntax ini
section main
property key
assert_eq v
""")
    clean(result)
    assert count(result, "Assertions passed") == 3 and result.returncode == 0, result.stdout


# -- finding 5: numbers compared exactly ----------------------------------------------

def test_numbers_compare_exactly(tmp_path):
    big = "9" * 5000
    result = run(tmp_path, f"""\
command printf "x 12345678901234567890.5\\ny 1e309\\nz {big}1\\n"
property x
assert_gt 12345678901234567890
property y
assert_lt 1e400
property z
assert_gt {big}
assert_lt 1e5002
""")
    clean(result)
    assert count(result, "Assertions passed") == 4 and result.returncode == 0, \
        result.stdout[-2000:]


@pytest.mark.parametrize("value, limit, message", [
    ("\u0663", "1", "the value '\u0663' is not a number"),  # Arabic-Indic 3
    ("\uff13", "1", "the value '\uff13' is not a number"),  # full-width 3
    ("3", "\u0661", "needs one number"),
    ("nan", "1", "is not a number"),
    ("1", "inf", "needs one number"),
    ("1", "9" * 10_001, "the limit is too long to be a number: it has 10,001 characters; "
                        "a number has at most 10,000"),
])
def test_what_is_not_a_number(tmp_path, value, limit, message):
    result = run(tmp_path, f"command echo v {value}\nproperty v\nassert_gt {limit}\n" + GOOD)
    clean(result)
    assert message in errors(result)[f"{tmp_path / 'd.tstconfig'}:3"]
    assert count(result, "Assertions passed") == 1 and result.returncode == 2


def test_a_megabyte_of_digits_is_refused_at_once(tmp_path):
    (tmp_path / "digits").write_text("v " + "9" * 1_000_000 + "\n")
    started = time.monotonic()
    result = run(tmp_path, f"file {tmp_path / 'digits'}\nproperty v\nassert_gt 1\n"
                           f"assert_version_ge 1\n" + GOOD)
    assert time.monotonic() - started < 20
    clean(result)
    found = errors(result)
    assert found[f"{tmp_path / 'd.tstconfig'}:3"] == (
        "assert_gt: the value is too long to be a number: it has 1,000,000 characters; "
        "a number has at most 10,000")
    assert found[f"{tmp_path / 'd.tstconfig'}:4"] == (
        "assert_version_ge: the value is too long to be a version: it has 1,000,000 "
        "characters; a version has at most 10,000")


# -- finding 22: regular expressions and versions Python refuses ----------------------

HOSTILE_REGEXES = [
    ("a{99999999999}", "a repetition count is too large"),
    ("a{4294967295}", "a repetition count is too large"),
    ("(x){1,99999999999999999999}", "a repetition count is too large"),
    ("(" * 5000 + "x" + ")" * 5000, "nested too deeply"),
    ("[z-a]", "bad character range"),
    ("(?<=a+)(x)", "look-behind requires fixed-width pattern"),
    ("\\p{L}(x)", "bad escape"),
    ("(x", "missing )"),
]
#: Where a regular expression goes: (the lines before it, the directive, the lines after).
REGEX_PLACES = {
    "assert_matches": ("command echo k v\nproperty k\n", "assert_matches", ""),
    "pattern": ("command echo k v\nparse_mode regex\n", "pattern", "property k\nassert_eq v\n"),
    "section_header_pattern": ("command echo k v\n", "section_header_pattern",
                               "property k\nassert_eq v\n"),
    "section_footer_pattern": ("command echo k v\n", "section_footer_pattern",
                               "property k\nassert_eq v\n"),
}


@pytest.mark.parametrize("regex, reason", HOSTILE_REGEXES, ids=lambda r: r[:20])
def test_a_regular_expression_that_cannot_be_compiled(tmp_path, regex, reason):
    text, lines = "", {}
    for _place, (before, keyword, after) in sorted(REGEX_PLACES.items()):
        number = text.count("\n") + before.count("\n") + 1
        lines[keyword] = f"{tmp_path / 'd.tstconfig'}:{number}"
        text += f"{before}{keyword} {regex}\n{after}{GOOD}"
    for check in ((), ("--check",)):
        result = run(tmp_path, text, *check)
        clean(result)
        found = errors(result)
        for keyword, line in lines.items():
            message = found[line]
            assert message.startswith(f"{keyword}: the regular expression "), message
            assert "cannot be compiled: " in message and reason in message, message
        assert result.returncode == 2
        if not check:
            assert count(result, "Assertions passed") >= len(lines)  # the run went on


HOSTILE_VERSIONS = [
    # (value, limit, passes: assert_version_ge), compared exactly however long
    ("1." + "9" * 5000, "1." + "9" * 4999, True),
    ("1." + "9" * 4999, "1." + "9" * 5000, False),
    ("9" * 5000 + ":1.0", "1:2.0", True),  # an epoch past int()'s limit
    ("1.0-" + "9" * 5000, "1.0-" + "9" * 4999 + "8", True),
    ("0" * 5000 + "1.2", "1.1", True),  # leading zeros
]


@pytest.mark.parametrize("value, limit, passes", HOSTILE_VERSIONS, ids=range(len(
    HOSTILE_VERSIONS)))
def test_versions_of_any_length_compare(tmp_path, value, limit, passes):
    result = run(tmp_path, f"command echo v {value}\nproperty v\nassert_version_ge {limit}\n"
                           f"assert_version_lt {limit}\n")
    clean(result)
    assert not errors(result), result.stdout
    assert count(result, "Assertions passed") == 1 and count(result, "Assertions failed") == 1
    failed = "assert_version_lt" if passes else "assert_version_ge"
    assert f"Assertion: {failed}" in result.stdout


@pytest.mark.parametrize("value, limit, message", [
    ("1." + "9" * 10_000, "1.0", "the value is too long to be a version: it has 10,002 "
                                 "characters; a version has at most 10,000"),
    ("1.0", "1." + "1" * 10_000, "the limit is too long to be a version"),
    ("\u0661.\u0662", "1.0", "the value '\u0661.\u0662' is not a version"),
    ("1.0", "\uff11.0", "is not a version"),
    ("\u0661:1.0", "1.0", "is not a version"),  # an Arabic-Indic epoch
])
def test_what_is_not_a_version(tmp_path, value, limit, message):
    result = run(tmp_path, f"command echo v {value}\nproperty v\nassert_version_ge {limit}\n"
                 + GOOD)
    clean(result)
    assert message in errors(result)[f"{tmp_path / 'd.tstconfig'}:3"]
    assert count(result, "Assertions passed") == 1 and result.returncode == 2


@pytest.mark.parametrize("directive, message", [
    ("positions 0 " + "9" * 5000, "positions: a whole number of 5,000 digits; at most 100 are "
                                  "taken"),
    ("positions 0 \u0663", "positions: not a whole number"),
    ("positions 0 \uff13", "positions: not a whole number"),
    ("skip_header_lines 1_0", "skip_header_lines: not a whole number: '1_0'"),
    ("read_lines \uff13", "read_lines: not a whole number"),
    ("skip_header_lines " + "9" * 101, "a whole number of 101 digits; at most 100"),
])
def test_whole_numbers_of_options(tmp_path, directive, message):
    result = run(tmp_path, f"command echo a b\nparse_mode fixed\n{directive}\nsection_size\n"
                           f"assert_ge 0\n" + GOOD)
    clean(result)
    assert message in errors(result)[f"{tmp_path / 'd.tstconfig'}:3"]
    inspected = tstconfig("--inspect", str(tmp_path / "d.tstconfig"))
    clean(inspected)
    assert message in errors(inspected)[f"{tmp_path / 'd.tstconfig'}:3"]


@pytest.mark.parametrize("size", ["9" * 5000, "\u0663K", "\uff11M"])
def test_sizes_are_ascii_digits(tmp_path, size):
    result = run(tmp_path, f"command echo a b\nmax_size {size}\nproperty a\nassert_eq b\n")
    clean(result)
    assert errors(result)[f"{tmp_path / 'd.tstconfig'}:2"].startswith("max_size: not a size")
    assert tstconfig("--max-size", size, str(tmp_path / "d.tstconfig")).returncode == 2


def test_huge_counts_within_the_digits_are_taken(tmp_path):
    result = run(tmp_path, "command echo a b\nskip_header_lines " + "9" * 100 +
                 "\nread_lines " + "9" * 100 + "\nsection_size\nassert_eq 0\n")
    clean(result)
    assert count(result, "Assertions passed") == 1 and result.returncode == 0


def test_assert_count_compares_digits(tmp_path):
    result = run(tmp_path, "command echo k a b\nproperty k\nassert_count " + "0" * 5000 + "2\n"
                 "assert_count " + "9" * 5000 + "\nassert_count \u0662\n")
    clean(result)
    assert count(result, "Assertions passed") == 1 and count(result, "Assertions failed") == 1
    assert "assert_count needs a whole number (ASCII digits)" in errors(result)[
        f"{tmp_path / 'd.tstconfig'}:5"]


# -- finding 20: "did you mean" and --timeout --------------------------------------------

def test_an_unknown_section_among_huge_ones_is_reported_at_once(tmp_path):
    names = [f"{i:03d}" + "ab" * 10_000 for i in range(300)]
    (tmp_path / "sections").write_text("".join(f"[{n}]\nk v\n" for n in names))
    started = time.monotonic()
    result = run(tmp_path, f"file {tmp_path / 'sections'}\nsyntax ini\n"
                           f"section {'ab' * 10_000}\nproperty k\nassert_eq v\n"
                           "section nosuch\nproperty k\nassert_eq v\n" + GOOD)
    assert time.monotonic() - started < 15  # it took a minute
    clean(result)
    found = errors(result)
    assert found[f"{tmp_path / 'd.tstconfig'}:3"].startswith("section 'abab")
    assert found[f"{tmp_path / 'd.tstconfig'}:6"] == "section 'nosuch' is undefined"
    assert count(result, "Assertions passed") == 1


def test_a_near_miss_section_is_still_suggested(tmp_path):
    (tmp_path / "conf").write_text("[main]\nk v\n[Directory /var/www/]\nk w\n")
    result = run(tmp_path, f"file {tmp_path / 'conf'}\nsyntax ini\n"
                           "section Directory /var/www\nproperty k\nassert_eq w\n")
    assert "did you mean 'Directory /var/www/'?" in result.stdout


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e300", "1000000.5", "0", "-1",
                                   "soon", ""])
def test_timeout_option_is_the_directive_bound(tmp_path, value):
    from tstconfig_core.engine.directives import MAX_TIMEOUT
    (tmp_path / "d.tstconfig").write_text(GOOD)
    result = tstconfig("--timeout", value, str(tmp_path / "d.tstconfig"))
    assert result.returncode == 2
    assert f"Invalid value for '--timeout': expected a number of seconds above 0 (at most " \
           f"{MAX_TIMEOUT}), not {value!r}" in result.stderr
    assert "Reading definition file" not in result.stdout  # refused before the run
    directive = run(tmp_path, f"command echo ok yes\ntimeout {value}\n")
    assert f"timeout: expected a number of seconds above 0 (at most {MAX_TIMEOUT}), " \
           f"not {value!r}" in directive.stdout


@pytest.mark.parametrize("value", ["1000000", "0.5", "1e2"])
def test_timeout_option_in_bounds(tmp_path, value):
    (tmp_path / "d.tstconfig").write_text(GOOD)
    result = tstconfig("--timeout", value, str(tmp_path / "d.tstconfig"))
    assert result.returncode == 0, result.stderr


# -- findings 6 and 15: what a folder scan finds -----------------------------------------

def as_other_user(drop: str) -> list[str]:
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        pytest.skip("needs root and setpriv")
    if drop == "nobody":
        return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    # root, without the capabilities that read any folder
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search"]


def scan(folder: Path, *args: str, prefix: tuple[str, ...] = (),
         timeout: float = 60) -> subprocess.CompletedProcess:
    """Run tstconfig on ``folder`` from its parent (so paths read ``defs/...``)."""
    return subprocess.run([*prefix, sys.executable, "-m", "tstconfig_core", *args, folder.name],
                          capture_output=True, text=True, timeout=timeout, cwd=folder.parent,
                          env=dict(os.environ, TSTCONFIG_DISABLE_PLUGINS=third_party_plugins()))


def read_order(result: subprocess.CompletedProcess) -> list[str]:
    return [line.removeprefix("Reading definition file: ")
            for line in result.stdout.splitlines() if line.startswith("Reading definition")]


def test_links_are_followed_once_each_in_sorted_order(shared_dir):
    defs = shared_dir / "defs"
    (defs / "b").mkdir(parents=True)
    (shared_dir / "elsewhere").mkdir()
    (defs / "b" / "one.tstconfig").write_text(GOOD)
    (defs / "a.tstconfig").write_text(GOOD)
    (shared_dir / "elsewhere" / "failing.tstconfig").write_text(FAILING)
    (defs / "linked").symlink_to(shared_dir / "elsewhere")  # a folder elsewhere, linked
    (defs / "b" / "up").symlink_to(defs)  # a loop
    (defs / "b" / "self").symlink_to(".")  # another
    (defs / "c").symlink_to("b")  # the same folder again
    (defs / "z.tstconfig").symlink_to(defs / "a.tstconfig")  # the same file again
    (defs / "dangling.txt").symlink_to(shared_dir / "nowhere")
    (defs / "looping").symlink_to("looping")
    result = scan(defs)
    assert read_order(result) == ["defs/a.tstconfig", "defs/b/one.tstconfig",
                                  "defs/linked/failing.tstconfig"]
    assert result.returncode == 1, result.stdout  # the linked folder's failure counts
    assert not errors(result)
    assert scan(defs).stdout == result.stdout  # the same every run


@pytest.mark.parametrize("drop", ["nobody", "capabilities"])
def test_a_folder_that_cannot_be_read_fails_the_run(shared_dir, drop):
    prefix = as_other_user(drop)
    defs = shared_dir / "defs"
    for name in ("a", "secret", "z"):
        (defs / name).mkdir(parents=True)
        (defs / name / f"{name}.tstconfig").write_text(GOOD)
    (defs / "secret" / "failing.tstconfig").write_text(FAILING)
    (defs / "secret" / "inner").mkdir()
    (defs / "secret" / "inner" / "failing.tstconfig").write_text(FAILING)
    (defs / "peek").symlink_to("secret/inner")  # a link whose target cannot be looked at
    (defs / "secret").chmod(0o700)
    if drop == "capabilities":  # root, but the folder is another user's
        for path in (defs / "secret", *(defs / "secret").iterdir()):
            os.chown(path, 65534, 65534)
    result = scan(defs, prefix=tuple(prefix))
    assert errors(result) == {
        "defs/peek": "cannot tell what this link leads to: Permission denied; the "
                     "*.tstconfig files in it, if it is a folder, are not run",
        "defs/secret": "cannot read folder: Permission denied; the *.tstconfig files in "
                       "it are not run"}
    assert read_order(result) == ["defs/a/a.tstconfig", "defs/z/z.tstconfig"]
    assert count(result, "Assertions passed") == 2 and result.returncode == 2
    assert result.stdout.index("defs/a/a.tstconfig") < result.stdout.index("defs/secret") \
        < result.stdout.index("defs/z/z.tstconfig")  # reported where its files would be


def test_a_folder_that_can_be_entered_not_listed(shared_dir):
    prefix = as_other_user("nobody")
    defs = shared_dir / "defs"
    (defs / "hidden").mkdir(parents=True)
    (defs / "hidden" / "a.tstconfig").write_text(FAILING)
    (defs / "hidden").chmod(0o711)  # searchable, not readable: its names are not known
    result = scan(defs, prefix=tuple(prefix))
    assert errors(result) == {"defs/hidden": "cannot read folder: Permission denied; the "
                                             "*.tstconfig files in it are not run"}
    assert "no *.tstconfig files" not in result.stdout
    assert result.returncode == 2
    defs.chmod(0o711)  # the folder named itself: refused before the run
    refused = scan(defs, prefix=tuple(prefix))
    assert refused.returncode == 2 and "'defs' is not readable" in refused.stderr


def test_fifos_and_devices_in_a_folder_are_refused_not_waited_for(shared_dir):
    defs = shared_dir / "defs"
    defs.mkdir()
    os.mkfifo(defs / "fifo.tstconfig")
    (defs / "zero.tstconfig").symlink_to("/dev/zero")
    (defs / "tty.tstconfig").symlink_to("/dev/tty")
    (defs / "ok.tstconfig").write_text(GOOD)
    started = time.monotonic()
    result = scan(defs, timeout=30)
    assert time.monotonic() - started < 20
    found = errors(result)
    assert "is a named pipe (FIFO), not a file" in found["defs/fifo.tstconfig"]
    assert "is a device, not a file" in found["defs/zero.tstconfig"]
    assert "defs/tty.tstconfig" in found
    assert count(result, "Assertions passed") == 1 and result.returncode == 2


def test_pipes_named_on_the_command_line_are_read(shared_dir):
    fifo = shared_dir / "named.tstconfig"
    os.mkfifo(fifo)
    writer = subprocess.Popen(["sh", "-c", f"printf '{GOOD}' > {fifo}"])
    result = tstconfig(str(fifo), timeout=30)
    writer.wait(timeout=10)
    assert count(result, "Assertions passed") == 1 and result.returncode == 0
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash for <(...)")
    substituted = subprocess.run(
        [bash, "-c", f'"{sys.executable}" -m tstconfig_core <(printf "{GOOD}")'],
        capture_output=True, text=True, timeout=60)
    assert count(substituted, "Assertions passed") == 1 and substituted.returncode == 0
    stdin = tstconfig("-", input=GOOD)
    assert count(stdin, "Assertions passed") == 1 and stdin.returncode == 0
