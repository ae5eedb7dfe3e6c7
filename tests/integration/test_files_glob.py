"""file with a glob, files, and stat, end to end: what the sources give (their order and
parts), and tstconfig run on definitions that use them, on this machine and with --root."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, tstconfig
from tstconfig_core.api import PluginError, SourceRequest
from tstconfig_plugins.sources.file import FileSource, FilesSource

FILES = FIXTURES / "files"
SSHD = FILES / "sshd"
DROP_INS = ("10-hardening.conf", "50-cloud-init.conf", "9-late.conf")  # sorted as text


def read(source, *args: str, allow_missing: bool = False, max_size: int = 1 << 20):
    return source.read(SourceRequest(tuple(args), 5.0, max_size=max_size,
                                     allow_missing=allow_missing))


def run(tmp_path: Path, definition: str, *options: str):
    path = tmp_path / "d.tstconfig"
    path.write_text(definition, encoding="utf-8")
    return tstconfig(*options, str(path), cwd=tmp_path)


def lines_of(name: str) -> int:
    return len((SSHD / "sshd_config.d" / name).read_text().splitlines())


# -- what the sources give ---------------------------------------------------------------

def test_a_glob_reads_its_matches_in_sorted_order_with_their_parts():
    data = read(FileSource(), f"{SSHD}/sshd_config.d/*.conf")
    assert data.parts == tuple((f"{SSHD}/sshd_config.d/{n}", lines_of(n)) for n in DROP_INS)
    expected = [ln for n in DROP_INS
                for ln in (SSHD / "sshd_config.d" / n).read_text().splitlines()]
    assert list(data.lines) == expected


def test_a_plain_path_is_one_text_as_before():
    data = read(FileSource(), str(SSHD / "sshd_config"))
    assert data.parts == () and data.lines[1] == "Include /etc/ssh/sshd_config.d/*.conf"


def test_files_reads_in_the_order_given():
    data = read(FilesSource(), str(SSHD / "sshd_config"), f"{SSHD}/sshd_config.d/*.conf",
                str(SSHD / "sshd_config.d" / "README"))
    names = [Path(name).name for name, _ in data.parts]
    assert names == ["sshd_config", *DROP_INS, "README"]
    assert sum(count for _, count in data.parts) == len(data.lines)
    assert data.lines[-1] == "Port 22"


def test_an_empty_file_adds_no_part(tmp_path):
    for name, text in (("a", "x 1\n"), ("b", ""), ("c", "y 2\n")):
        (tmp_path / name).write_text(text)
    data = read(FileSource(), f"{tmp_path}/*")
    assert data.parts == ((f"{tmp_path}/a", 1), (f"{tmp_path}/c", 1))


def test_nothing_matched_is_an_error_unless_allowed(tmp_path):
    with pytest.raises(PluginError, match=r"no file matches '.*/\*\.conf'; add 'allow_missing' "
                                          "to the block if none is fine"):
        read(FileSource(), f"{tmp_path}/*.conf")
    with pytest.raises(PluginError, match="no file matches"):
        read(FilesSource(), f"{tmp_path}/*.conf", str(SSHD / "sshd_config"))
    assert list(read(FileSource(), f"{tmp_path}/*.conf", allow_missing=True).lines) == []
    data = read(FilesSource(), f"{tmp_path}/*.conf", str(SSHD / "sshd_config"),
                allow_missing=True)
    assert [Path(name).name for name, _ in data.parts] == ["sshd_config"]


def test_a_missing_plain_path(tmp_path):
    missing = str(tmp_path / "nosuch")
    for source in (FileSource(), FilesSource()):
        with pytest.raises(PluginError, match=f"cannot read file '{missing}': No such file"):
            read(source, missing)
        assert list(read(source, missing, allow_missing=True).lines) == []


def test_allow_missing_forgives_no_other_error(tmp_path):
    (tmp_path / "dir.conf").mkdir()
    (tmp_path / "a.conf").write_text("a\n")
    for source in (FileSource(), FilesSource()):
        with pytest.raises(PluginError, match=f"'{tmp_path}/dir.conf': is a directory"):
            read(source, f"{tmp_path}/*.conf", allow_missing=True)
    with pytest.raises(PluginError, match="is a directory"):
        read(FileSource(), str(tmp_path / "dir.conf"), allow_missing=True)


def test_the_files_together_stay_within_the_size_limit(tmp_path):
    for name in ("a", "b", "c"):
        (tmp_path / name).write_text("x" * 40 + "\n")
    assert len(read(FilesSource(), f"{tmp_path}/*", max_size=123).lines) == 3
    with pytest.raises(PluginError, match=f"more than the size limit \\(122 bytes\\) in all, "
                                          f"'{tmp_path}/c' included"):
        read(FilesSource(), f"{tmp_path}/*", max_size=122)
    with pytest.raises(PluginError, match="in all"):
        read(FilesSource(), str(tmp_path / "a"), str(tmp_path / "b"), str(tmp_path / "c"),
             max_size=122)
    with pytest.raises(PluginError, match="larger than the size limit"):  # one file, the host
        read(FileSource(), f"{tmp_path}/*", max_size=40)


@pytest.mark.parametrize("args, message", [((), "files needs one or more paths"),
                                           (("a", ""), "empty path")])
def test_files_refuses(args, message):
    with pytest.raises(PluginError, match=message):
        FilesSource().validate(args)


# -- tstconfig, end to end ---------------------------------------------------------------

def test_sshd_reads_its_drop_ins_first(tmp_path):
    result = run(tmp_path, f"""\
files {SSHD}/sshd_config.d/*.conf {SSHD}/sshd_config
hash_comment_allowed true
duplicates_policy ignore
property PasswordAuthentication
assert_eq no
property PermitRootLogin
assert_eq no
property X11Forwarding
assert_eq no

file {SSHD}/sshd_config
hash_comment_allowed true
property PasswordAuthentication
assert_eq yes
""")
    assert "Assertions passed: 4" in result.stdout, result.stdout
    assert result.returncode == 0


def test_a_failure_in_a_glob_names_the_files(tmp_path):
    result = run(tmp_path, f"""\
file {SSHD}/sshd_config.d/*.conf
property PasswordAuthentication
assert_eq maybe
""")
    assert result.returncode == 1
    assert f" File:      {SSHD}/sshd_config.d/*.conf" in result.stdout
    assert "Value:     no yes" in result.stdout  # both files' rows, in sorted order


def test_an_empty_glob_is_an_error_at_its_line(tmp_path):
    result = run(tmp_path, f"command true\nexit_status\nassert_eq 0\n"
                           f"file {tmp_path}/nosuch.d/*.conf\nproperty x\nassert_undefined\n")
    assert (f"d.tstconfig:4: no file matches '{tmp_path}/nosuch.d/*.conf'; add "
            "'allow_missing' to the block if none is fine") in result.stdout
    assert "Assertions not run: 1" in result.stdout and result.returncode == 2


def test_allow_missing_makes_no_match_no_lines(tmp_path):
    result = run(tmp_path, f"""\
file {tmp_path}/nosuch.d/*.conf
allow_missing
property PermitRootLogin
assert_undefined
section_size
assert_eq 0

files {tmp_path}/nosuch {SSHD}/sshd_config
allow_missing
hash_comment_allowed true
property PermitRootLogin
assert_eq prohibit-password
""")
    assert "Assertions passed: 3" in result.stdout, result.stdout
    assert result.returncode == 0


def test_a_folder_tree_is_read_as_the_host(tmp_path):
    root = tmp_path / "root"
    shutil.copytree(FILES / "root", root)
    uid, gid = os.getuid(), os.getgid()
    for name, line in (("passwd", f"tree-admin:x:{uid}:{gid}::/:/bin/false\n"),
                       ("group", f"tree-admins:x:{gid}:\n")):
        path = root / "etc" / name
        path.write_text(line + path.read_text())  # a number's first name is the one shown
    (root / "etc" / "ssh" / "sshd_config").chmod(0o600)
    (root / "etc" / "cron.d" / "backup").chmod(0o4755)
    result = run(tmp_path, """\
stat /etc/ssh/sshd_config /etc/shadow
columns path owner group
property /etc/ssh/sshd_config
assert_eq tree-admin tree-admins
columns path mode
property /etc/ssh/sshd_config
assert_mode_max 0600
columns path type
property /etc/shadow
assert_eq missing

stat /etc/cron.d/backup
columns path mode
property /etc/cron.d/backup
assert_mode_max 0755

files /etc/cron.d/* /etc/ssh/sshd_config
property PermitRootLogin
assert_eq no
section_size
assert_eq 3
""", "--root", str(root))
    assert "Assertions passed: 5" in result.stdout, result.stdout
    assert "Assertions failed: 1" in result.stdout
    assert " Value:     4755\n Assertion: assert_mode_max 0755" in result.stdout
    assert result.returncode == 1


def test_stat_on_this_machine(tmp_path):
    (tmp_path / "key").write_text("secret\n")
    (tmp_path / "key").chmod(0o640)
    (tmp_path / "link").symlink_to("key")
    (tmp_path / "trail ").write_text("")
    result = run(tmp_path, f"""\
stat {tmp_path}/key {tmp_path}/nosuch {tmp_path}/*
columns path mode
property {tmp_path}/key
assert_mode_max 0640
assert_mode_max 0600
columns path type target
property {tmp_path}/link
assert_eq symlink key
property "{tmp_path}/trail\\x20"
assert_eq file ""
columns path type
property {tmp_path}/key
assert_not_eq missing
property {tmp_path}/nosuch
assert_eq missing
""")
    assert "Assertions passed: 5" in result.stdout, result.stdout
    assert "Assertions failed: 1" in result.stdout
    assert " Value:     0640\n Assertion: assert_mode_max 0600" in result.stdout


def test_a_stat_glob_is_answered_by_the_host_it_checks(tmp_path):
    """StatPath(glob=True) (API 1.5): a folder tree answers a glob from the tree, never
    from this machine."""
    result = run(tmp_path, "stat /etc/*\ncolumns path type\nproperty\nassert_eq "
                 "/etc/cron.d directory /etc/group file /etc/passwd file /etc/ssh directory\n",
                 "--root", str(FILES / "root"))
    assert "Assertions passed: 1" in result.stdout, result.stdout
    assert result.returncode == 0
