"""tstconfig --snapshot: a baseline of today's values, run again with tstconfig.

Everything goes through the command line, as a real process, on real files, commands
and /proc; a baseline is judged by running it.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from conftest import tstconfig
from tstconfig_core.definition import Directive, parse_line

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.tstconfig"))
CHANGED = "# snapshot: this value changed between two reads; not pinned"


def snapshot(*args: str, cwd: Path, out: str = "baseline.tstconfig", ok: bool = True):
    result = tstconfig("--snapshot", out, *args, cwd=cwd)
    if ok:
        assert result.returncode == 0, result.stderr
    return result


def baseline_of(tmp_path: Path, name: str, definition: str) -> str:
    """The baseline ``--snapshot`` writes of a definition written to ``name``."""
    (tmp_path / name).write_text(definition, encoding="utf-8")
    snapshot(name, cwd=tmp_path)
    return (tmp_path / "baseline.tstconfig").read_text(encoding="utf-8")


def checked(path: Path | str, *args: str, cwd: Path):
    """The run of a baseline, which must pass without a warning."""
    result = tstconfig(str(path), *args, cwd=cwd)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARN" not in result.stdout, result.stdout
    return result


def pins(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("assert_")]


# -- every example: its baseline passes on this machine ----------------------------------

@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_baseline_of_each_example_passes_here(example, tmp_path):
    snapshot(str(example), cwd=tmp_path)
    baseline = (tmp_path / "baseline.tstconfig").read_text(encoding="utf-8")
    assert pins(baseline), baseline
    checked("baseline.tstconfig", cwd=tmp_path)


def test_values_that_change_between_reads_are_not_pinned(tmp_path):
    """Free memory (the kernel updates it about once a second) and /proc/loadavg (its
    last PID: a process starts) change before the check of the baseline, as between the
    snapshot's two reads: they keep their own assertions; MemTotal is pinned."""
    snapshot(str(next(p for p in EXAMPLES if p.name == "memory.tstconfig")), cwd=tmp_path)
    lines = (tmp_path / "baseline.tstconfig").read_text(encoding="utf-8").splitlines()
    total = lines.index("property MemTotal")
    assert lines[total + 1].startswith("assert_eq ") and lines[total + 1][10:].isdigit()
    available = lines.index("property MemAvailable")
    assert lines[available + 1:available + 3] == [CHANGED, "assert_ge 0"]
    load = lines.index("property")
    assert lines[load + 1:load + 3] == [CHANGED, "assert_count 5"]


def test_the_second_read_is_made_by_another_process(tmp_path):
    """As the check of the baseline will be: the reader's own PID is not pinned."""
    text = baseline_of(tmp_path, "self.tstconfig",
                       "proc self/status\nproperty Pid\nassert_gt 0\n"
                       "property Umask\nassert_defined\n")
    assert f"property Pid\n{CHANGED}\nassert_gt 0\n" in text
    assert "property Umask\nassert_eq 0" in text
    checked("baseline.tstconfig", cwd=tmp_path)


def test_a_value_new_at_each_read_keeps_its_assertions(tmp_path):
    text = baseline_of(tmp_path, "uuid.tstconfig",
                       "file /proc/sys/kernel/random/uuid\nproperty\nassert_count 1\n"
                       "assert_not_empty\nfile /proc/sys/kernel/ostype\nproperty\n"
                       "assert_not_empty\n")
    assert f"property\n{CHANGED}\nassert_count 1\nassert_not_empty\n" in text
    assert "property\nassert_eq Linux\n" in text
    checked("baseline.tstconfig", cwd=tmp_path)


# -- drift ---------------------------------------------------------------------------

def test_baseline_fails_when_a_file_drifts_naming_the_value(tmp_path):
    conf = tmp_path / "sshd_config"
    conf.write_text("Port 22\nPermitRootLogin no\nCiphers aes256-gcm@openssh.com\n")
    (tmp_path / "sshd.tstconfig").write_text(
        "file sshd_config\nproperty PermitRootLogin\nassert_defined\nproperty Port\n"
        "property Ciphers\nassert_not_empty\nproperty X11Forwarding\nassert_undefined\n")
    snapshot("sshd.tstconfig", cwd=tmp_path)
    checked("baseline.tstconfig", cwd=tmp_path)
    conf.write_text("Port 22\nPermitRootLogin yes\nCiphers aes256-gcm@openssh.com\n"
                    "X11Forwarding yes\n")
    result = tstconfig("baseline.tstconfig", cwd=tmp_path)
    assert result.returncode == 1
    assert (" Property:  PermitRootLogin\n Value:     yes\n Assertion: assert_eq no\n"
            in result.stdout)
    assert " Property:  X11Forwarding\n Value:     yes\n Assertion: assert_undefined\n" \
        in result.stdout
    assert "Assertions failed: 2" in result.stdout


# -- tokens that read back as they were ------------------------------------------------

ODD = ["two words", 'say "hi"', "#x", "", "$", "cost$", "${x}", "$${y}", "café ☃ 😀",
       " lead", "trail ", "tab\tin", '"', "##"]
QUOTING = """file odd.conf
parse_mode keyvalue
key_separator =
separator |
quote_char ^
ignore_empty_tokens false
property odd
assert_defined
property empty
property none
command printf "lonely\\n"
property lonely
"""


@pytest.mark.parametrize("variables", [(), ("--var", "v=1"), "let"],
                         ids=["as written", "--var", "let"])
def test_odd_tokens_round_trip(tmp_path, variables):
    """Spaces, quotes, a leading #, empty tokens, $ and ${...} (variables in use or not),
    tabs and other scripts: the pinned line reads back as the very tokens, and passes."""
    (tmp_path / "odd.conf").write_text("odd=" + "|".join(ODD) + "\nempty=\n",
                                       encoding="utf-8")
    definition = QUOTING + ("property lonely\nlet kept\n" if variables == "let" else "")
    (tmp_path / "odd.tstconfig").write_text(definition, encoding="utf-8")
    args = list(variables) if variables != "let" else []
    snapshot("odd.tstconfig", *args, cwd=tmp_path)
    text = (tmp_path / "baseline.tstconfig").read_text(encoding="utf-8")
    odd, empty, none, lonely = pins(text)[:4]
    substituting = variables != ()
    read = parse_line(odd, 1, "b")
    assert isinstance(read, Directive)
    expected = [t.replace("$", "$$") for t in ODD] if substituting else ODD
    assert list(read.args) == expected
    assert '"#x"' in odd and '"say ""hi"""' in odd and ' "" ' in odd
    assert (empty, none, lonely) == ('assert_eq ""', "assert_undefined", "assert_eq")
    checked("baseline.tstconfig", *args, cwd=tmp_path)
    if substituting:  # a literal ${x} that is no variable: the same file, as written, fails
        (tmp_path / "plain.tstconfig").write_text(text.replace("$$", "$"), encoding="utf-8")
        assert tstconfig("plain.tstconfig", *args, cwd=tmp_path).returncode == 2


def test_a_value_with_a_line_break_keeps_its_assertions(tmp_path):
    """A carriage return inside a line is data; no definition line can hold it."""
    (tmp_path / "motd").write_bytes(b"banner=Welcome\rBack|x\nport=22\n")
    text = baseline_of(tmp_path, "m.tstconfig",
                       "file motd\nparse_mode keyvalue\nkey_separator =\n"
                       "separator |\nproperty banner\nassert_count 2\n"
                       "property port\n")
    assert ("property banner\n# snapshot: this value holds a line break, which a definition "
            "line cannot hold; not pinned\nassert_count 2\nproperty port\nassert_eq 22\n") in text
    checked("baseline.tstconfig", cwd=tmp_path)


def test_a_long_value_is_pinned_whole(tmp_path):
    """A report cuts a value at 4096 characters; the baseline has all of it."""
    key = "ssh-ed25519 " + "A" * 9000
    (tmp_path / "keys").write_text(f"root {key} root@host\n")
    text = baseline_of(tmp_path, "keys.tstconfig", "file keys\nproperty root\nassert_defined\n")
    assert f"property root\nassert_eq {key} root@host\n" in text
    checked("baseline.tstconfig", cwd=tmp_path)


# -- what is kept, what is replaced -----------------------------------------------------

def test_directives_kept_as_written_and_names(tmp_path):
    (tmp_path / "app.conf").write_text("Mode = fast\nLevel = 3\nTag = blue\n")
    definition = """# options of app
file app.conf
name app settings
parse_mode keyvalue
key_separator =
ignore_case
property mode
let mode
name mode is fast
assert_eq fast
name second check
assert_not_empty
property Missing
default off
assert_eq off
where 0 = Level
property Level
assert_gt 2
where_clear
file nothing/here
allow_missing
property x
file app.conf
only_if_exists /nonexistent/app
property Mode
assert_defined
"""
    text = baseline_of(tmp_path, "app.tstconfig", definition)
    body = text.split("\n", 1)[1]
    assert body == """# options of app
file app.conf
name app settings
parse_mode keyvalue
key_separator =
ignore_case
property mode
let mode
name mode is fast
assert_eq fast
property Missing
default off
assert_eq off
where 0 = Level
property Level
assert_eq 3
where_clear
file nothing/here
allow_missing
property x
assert_undefined
file app.conf
only_if_exists /nonexistent/app
property Mode
# snapshot: skipped: '/nonexistent/app' does not exist on localhost (only_if_exists at line 24); not pinned
assert_defined
"""
    result = checked("baseline.tstconfig", "-v", cwd=tmp_path)
    assert "PASSED baseline.tstconfig:11 mode is fast" in result.stdout
    ids = tstconfig("--list-ids", "baseline.tstconfig", cwd=tmp_path).stdout
    assert "baseline.tstconfig::app settings::mode is fast" in ids


def test_an_assertion_with_no_value_keeps_its_lines(tmp_path):
    """After `where`, no value is selected until the next selector: nothing to pin."""
    (tmp_path / "t").write_text("a 1\nb 2\n")
    text = baseline_of(tmp_path, "w.tstconfig", "file t\nproperty a\nwhere 0 = a\nassert_eq 1\n")
    assert ("property a\nwhere 0 = a\n# snapshot: the where directive at line 3 selected "
            "no value; not pinned\nassert_eq 1\n") in text


# -- sensitive blocks -----------------------------------------------------------------

SENSITIVE = """file shadow
syntax etc_shadow
sensitive
property root
assert_not_empty
# the next block
file passwd
syntax etc_passwd
property root
assert_defined
"""


def test_sensitive_blocks_are_left_out(tmp_path):
    (tmp_path / "shadow").write_text("root:$6$s3cretHash:19000:0:99999:7:::\n")
    (tmp_path / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (tmp_path / "s.tstconfig").write_text(SENSITIVE)
    result = snapshot("s.tstconfig", cwd=tmp_path, out="-")
    assert "s3cretHash" not in result.stdout + result.stderr
    assert result.stdout.split("\n", 1)[1] == (
        "# snapshot: left out a sensitive block (file shadow) and its values; "
        "--include-sensitive writes them\n# the next block\nfile passwd\n"
        "syntax etc_passwd\nproperty root\nassert_eq x 0 0 root /root /bin/bash\n")
    assert "1 value(s) pinned" in result.stderr


def test_sensitive_blocks_included_on_request(tmp_path):
    (tmp_path / "shadow").write_text("root:$6$s3cretHash:19000:0:99999:7:::\n")
    (tmp_path / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (tmp_path / "s.tstconfig").write_text(SENSITIVE)
    result = snapshot("--include-sensitive", "s.tstconfig", cwd=tmp_path)
    assert "s3cretHash" not in result.stderr
    assert "WARN: baseline.tstconfig: it pins the values of 1 sensitive block(s) by their " \
        "SHA-256 digests" in result.stderr
    baseline = tmp_path / "baseline.tstconfig"
    # (reports show an assertion's arguments: the value is pinned by its digest)
    from tstconfig_plugins.assertions.digest import sha256_of
    digest = sha256_of(["$6$s3cretHash", "19000", "0", "99999", "7", "", "", ""])
    assert f"sensitive\nproperty root\nassert_sha256 {digest}\n" in baseline.read_text()
    assert "s3cretHash" not in baseline.read_text()
    assert stat.S_IMODE(baseline.stat().st_mode) & 0o077 == 0  # its owner's only
    checked("baseline.tstconfig", cwd=tmp_path)
    (tmp_path / "shadow").write_text("root:$6$otherHash:19000:0:99999:7:::\n")
    result = tstconfig("baseline.tstconfig", cwd=tmp_path)
    assert result.returncode == 1
    assert " Value:     <masked>\n" in result.stdout and "otherHash" not in result.stdout


# -- --all-rows -----------------------------------------------------------------------

def test_all_rows_pins_every_key_of_every_section(tmp_path):
    conf = tmp_path / "app.ini"
    conf.write_text("# top\nname = demo\n[server]\nport = 8080\nhost = 0.0.0.0\n"
                    "[log file]\nlevel = debug info\nempty =\n")
    (tmp_path / "app.tstconfig").write_text(
        "file app.ini\nsyntax ini\nsection server\nproperty port\nassert_eq 8080\n")
    snapshot("--all-rows", "app.tstconfig", cwd=tmp_path)
    text = (tmp_path / "baseline.tstconfig").read_text()
    assert text.split("\n", 1)[1] == """file app.ini
syntax ini
section
section_size
assert_eq 1
property name
assert_eq demo
section server
section_size
assert_eq 2
property port
assert_eq 8080
property host
assert_eq 0.0.0.0
section "log file"
section_size
assert_eq 2
property level
assert_eq debug info
property empty
assert_eq
"""
    checked("baseline.tstconfig", cwd=tmp_path)
    conf.write_text(conf.read_text().replace("debug info", "debug"))  # a row no check named
    result = tstconfig("baseline.tstconfig", cwd=tmp_path)
    assert result.returncode == 1 and " Property:  level\n" in result.stdout


COUNTED = ("command sh -c \"n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; "
           "{}\"\n")


def test_all_rows_a_key_that_goes_between_reads_is_not_pinned(tmp_path):
    """Keys are found by two reads and pinned by two more: a key seen by the first two
    and gone in the last two has changed; it is not pinned as undefined."""
    (tmp_path / "k.tstconfig").write_text(
        COUNTED.format("if [ $n -le 2 ]; then echo gone 1; fi; echo stay 2") + "property stay\n")
    snapshot("--all-rows", "k.tstconfig", cwd=tmp_path)
    text = (tmp_path / "baseline.tstconfig").read_text()
    assert f"property gone\n{CHANGED}\nproperty stay\nassert_eq 2\n" in text
    assert (tmp_path / "count").read_text() == "4\n"


def test_all_rows_keeps_scopes_that_do_more_than_check(tmp_path):
    (tmp_path / "kv").write_text("a 1\nb 2\n")
    (tmp_path / "k.tstconfig").write_text(
        "file kv\nproperty a\nlet first\nassert_eq 1\nproperty b\nassert_eq 2\n")
    snapshot("--all-rows", "k.tstconfig", cwd=tmp_path)
    text = (tmp_path / "baseline.tstconfig").read_text()
    assert text.split("\n", 1)[1] == ("file kv\nproperty a\nlet first\nassert_eq 1\nsection\n"
                                      "section_size\nassert_eq 2\nproperty a\nassert_eq 1\n"
                                      "property b\nassert_eq 2\n")
    checked("baseline.tstconfig", cwd=tmp_path)


# -- errors: no baseline --------------------------------------------------------------

@pytest.mark.parametrize("definition, message", [
    ("file data\nproprety a\nassert_defined\n",
     "ERROR: bad.tstconfig:2: unknown directive 'proprety'"),
    ("file no/such/file\nproperty a\nassert_defined\n",
     "ERROR: bad.tstconfig:1: cannot read file 'no/such/file'"),
    ('file data\nproperty "a\n', "ERROR: bad.tstconfig:2: unterminated \" quote"),
], ids=["unknown directive", "unreadable source", "open quote"])
def test_a_definition_with_an_error_writes_nothing(tmp_path, definition, message):
    (tmp_path / "data").write_text("a 1\n")
    (tmp_path / "bad.tstconfig").write_text(definition)
    (tmp_path / "baseline.tstconfig").write_text("# the last good baseline\n")
    result = snapshot("bad.tstconfig", cwd=tmp_path, ok=False)
    assert result.returncode == 2
    assert message in result.stderr
    assert "no baseline written" in result.stderr
    assert (tmp_path / "baseline.tstconfig").read_text() == "# the last good baseline\n"
    assert sorted(os.listdir(tmp_path)) == ["bad.tstconfig", "baseline.tstconfig", "data"]


def test_an_error_in_the_second_read_writes_nothing(tmp_path):
    (tmp_path / "c.tstconfig").write_text(
        COUNTED.format("echo a 1; [ $n -le 1 ]") + "property a\nassert_defined\n")
    result = snapshot("c.tstconfig", cwd=tmp_path, ok=False)
    assert result.returncode == 2
    assert "ERROR: c.tstconfig:1: command exited with status 1" in result.stderr
    assert not (tmp_path / "baseline.tstconfig").exists()


def test_one_bad_definition_of_several_writes_none(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "good.tstconfig").write_text("command echo a\nproperty a\n")
    (tmp_path / "bad.tstconfig").write_text("command echo a\nnope\n")
    result = snapshot("good.tstconfig", "bad.tstconfig", cwd=tmp_path, out="out", ok=False)
    assert result.returncode == 2 and "bad.tstconfig:2: unknown directive" in result.stderr
    assert os.listdir(tmp_path / "out") == []


@pytest.mark.parametrize("out, given, message", [
    ("data", ["a.tstconfig"], "a baseline is a definition file, named *.tstconfig"),
    ("a.tstconfig", ["a.tstconfig"], "a.tstconfig is a definition being snapshot"),
    ("x.tstconfig", ["a.tstconfig", "b.tstconfig"], "x.tstconfig is not a folder"),
    ("-", ["a.tstconfig", "b.tstconfig"], "standard output takes the baseline of one"),
    ("dir", ["a.tstconfig", "sub/a.tstconfig"], "the baselines of two definitions"),
    ("dir", ["-"], "standard input has no name"),
])
def test_refused_targets(tmp_path, out, given, message):
    (tmp_path / "data").write_text("keep me\n")
    (tmp_path / "dir").mkdir()
    (tmp_path / "sub").mkdir()
    for name in ("a.tstconfig", "b.tstconfig", "sub/a.tstconfig"):
        (tmp_path / name).write_text("command echo a\nproperty a\n")
    result = snapshot(*given, cwd=tmp_path, out=out, ok=False)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert (tmp_path / "data").read_text() == "keep me\n"
    assert (tmp_path / "a.tstconfig").read_text() == "command echo a\nproperty a\n"
    assert os.listdir(tmp_path / "dir") == []


def test_usage_errors(tmp_path):
    (tmp_path / "a.tstconfig").write_text("command echo a\nproperty a\n")
    for args, message in ((["--all-rows", "a.tstconfig"], "only with --snapshot OUT"),
                          (["--snapshot", "-", "--check", "a.tstconfig"], "cannot be combined"),
                          (["--snapshot", "-", "-r", "json", "a.tstconfig"], "no --reporter")):
        result = tstconfig(*args, cwd=tmp_path)
        assert result.returncode == 2 and message in result.stderr, result.stderr


# -- the command line: a folder of baselines, a file named snapshot, --var -------------

def test_a_folder_of_baselines_and_a_file_named_snapshot(tmp_path):
    (tmp_path / "checks").mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "checks" / "one.tstconfig").write_text("command echo a b\nproperty a\n")
    (tmp_path / "snapshot").write_text("command echo 42\nsection_size\nassert_eq 1\n")
    assert tstconfig("snapshot", cwd=tmp_path).returncode == 0  # runs the file
    result = snapshot("checks", "./snapshot", cwd=tmp_path, out="out")
    assert sorted(os.listdir(tmp_path / "out")) == ["one.tstconfig", "snapshot.tstconfig"]
    assert "property a\nassert_eq b\n" in (tmp_path / "out" / "one.tstconfig").read_text()
    assert "Baseline of checks/one.tstconfig written to out/one.tstconfig" in result.stderr
    checked("out", cwd=tmp_path)


def test_standard_input_to_standard_output(tmp_path):
    result = tstconfig("--snapshot", "-", "-", cwd=tmp_path,
                       input="command echo a 1\nproperty a\nassert_gt 0\n")
    assert result.returncode == 0
    assert result.stdout.startswith("# Baseline of <stdin>: ")
    assert result.stdout.split("\n", 1)[1] == "command echo a 1\nproperty a\nassert_eq 1\n"


def test_var_sets_a_variable_for_every_file(tmp_path):
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "app.conf").write_text("port 8080\n")
    (tmp_path / "v.tstconfig").write_text("file ${dir}/app.conf\nproperty port\n"
                                          "assert_eq ${port}\n")
    args = ("--var", f"dir={tmp_path / 'etc'}", "--var", "port=8080")
    assert tstconfig(*args, "v.tstconfig", cwd=tmp_path).returncode == 0
    assert tstconfig("--var", "dir=etc", "--var", "port=1", "v.tstconfig",
                     cwd=tmp_path).returncode == 1
    snapshot(*args, "v.tstconfig", cwd=tmp_path)
    text = (tmp_path / "baseline.tstconfig").read_text()
    assert "# Taken with --var dir=... --var port=...: run it with the same.\n" in text
    assert "file ${dir}/app.conf\nproperty port\nassert_eq 8080\n" in text
    checked("baseline.tstconfig", *args, cwd=tmp_path)


@pytest.mark.parametrize("given, message", [
    ("1x=2", "expected NAME=VALUE"), ("x", "expected NAME=VALUE"),
    ("a-b=1", "expected NAME=VALUE"), ("é=1", "expected NAME=VALUE"),
])
def test_var_names_are_checked(tmp_path, given, message):
    (tmp_path / "a.tstconfig").write_text("command echo a\nproperty a\nassert_defined\n")
    result = tstconfig("--var", given, "a.tstconfig", cwd=tmp_path)
    assert result.returncode == 2 and message in result.stderr, result.stderr


def test_var_given_twice_is_refused_and_a_value_may_be_any_text(tmp_path):
    (tmp_path / "a.tstconfig").write_text("command echo ${v}\nproperty a=b\nassert_defined\n")
    twice = tstconfig("--var", "v=1", "--var", "v=2", "a.tstconfig", cwd=tmp_path)
    assert twice.returncode == 2 and "v is given twice" in twice.stderr
    assert tstconfig("--var", "v=a=b c", "a.tstconfig", cwd=tmp_path).returncode == 0
