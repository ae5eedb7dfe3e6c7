"""The stat source on real paths (every kind, odd names, a folder tree's owners), read
through the table parse it suggests; and assert_mode_max."""
from __future__ import annotations

import os
import pwd
import shutil
import socket
import stat
from pathlib import Path

import pytest

from conftest import FIXTURES
from tstconfig_core.api import (DEFAULT_MAX_SIZE, LocalHost, ParseOptions, PluginError,
                                SourceRequest)
from tstconfig_plugins.assertions.modes import AssertModeMax
from tstconfig_plugins.parsers.table import TableParser
from tstconfig_plugins.sources.stat import COLUMNS, StatSource

TREE = FIXTURES / "files" / "root"


def read(*args: str, host: LocalHost | None = None, allow_missing: bool = False,
         max_size: int = DEFAULT_MAX_SIZE):
    """The source's data, from this machine (``read``) or from ``host`` (two-phase)."""
    request = SourceRequest(tuple(args), 5.0, max_size=max_size, allow_missing=allow_missing)
    source = StatSource()
    if host is None:
        return source.read(request)
    return source.build(request, host.answer(source.requests(request), 5.0, max_size))


def rows(*args: str, **kwargs) -> dict[str, dict[str, str]]:
    """Path -> column -> value, as the table parse the source suggests reads them."""
    data = read(*args, **kwargs)
    parsed = TableParser().parse(data.lines, ParseOptions(**data.defaults))
    assert parsed.column_names == COLUMNS
    found = {}
    for row in parsed.rows:
        assert len(row) == len(COLUMNS), row
        found[row[0]] = dict(zip(COLUMNS, row))
    assert len(found) == len(parsed.rows), "two rows with one path"
    return found


def test_every_kind_of_path(tmp_path):
    (tmp_path / "file").write_text("four")
    (tmp_path / "dir").mkdir()
    (tmp_path / "link").symlink_to("file")
    (tmp_path / "dangling").symlink_to("/no/such/target")
    os.mkfifo(tmp_path / "fifo")
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(tmp_path / "sock"))
        found = rows(*(str(tmp_path / n) for n in
                       ("file", "dir", "link", "dangling", "fifo", "sock", "nosuch")),
                     "/dev/null")
    finally:
        server.close()
    kinds = {Path(p).name: r["type"] for p, r in found.items()}
    assert kinds == {"file": "file", "dir": "directory", "link": "symlink",
                     "dangling": "symlink", "fifo": "fifo", "sock": "socket",
                     "nosuch": "missing", "null": "char"}
    link = found[str(tmp_path / "link")]
    assert link["target"] == "file" and link["size"] == "4"  # the link itself, not followed
    assert found[str(tmp_path / "dangling")]["target"] == "/no/such/target"
    assert found[str(tmp_path / "file")]["target"] == ""


def test_a_missing_path_has_only_its_type(tmp_path):
    row = rows(str(tmp_path / "nosuch"))[str(tmp_path / "nosuch")]
    assert row == {**dict.fromkeys(COLUMNS, ""), "path": str(tmp_path / "nosuch"),
                   "type": "missing"}


@pytest.mark.parametrize("bits, shown", [
    (0o644, "0644"), (0o600, "0600"), (0o4755, "4755"), (0o2750, "2750"), (0o1777, "1777"),
    (0o000, "0000"), (0o7777, "7777"),
])
def test_mode_is_four_octal_digits_with_the_special_bits(tmp_path, bits, shown):
    path = tmp_path / "f"
    path.write_text("")
    path.chmod(bits)
    assert rows(str(path))[str(path)]["mode"] == shown


def test_owner_size_and_time(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"x" * 1234)
    os.utime(path, (0, 1700000000.75))
    row = rows(str(path))[str(path)]
    uid, gid = os.getuid(), os.getgid()
    assert (row["uid"], row["gid"], row["size"]) == (str(uid), str(gid), "1234")
    assert row["owner"] == pwd.getpwuid(uid).pw_name  # this machine's /etc/passwd
    assert row["mtime"] == "2023-11-14T22:13:20Z"


def tree(tmp_path: Path, passwd_first: str = "", group_first: str = "") -> Path:
    """A copy of the fixture tree; the lines given come first in its passwd and group
    (a number's first name is the one shown)."""
    root = tmp_path / "root"
    shutil.copytree(TREE, root)
    for name, first in (("passwd", passwd_first), ("group", group_first)):
        path = root / "etc" / name
        path.write_text(first + path.read_text())
    return root


def test_names_come_from_the_hosts_own_files(tmp_path):
    uid, gid = os.getuid(), os.getgid()
    root = tree(tmp_path, f"tree-admin:x:{uid}:{gid}::/:/bin/false\n")
    found = rows("/etc/ssh/sshd_config", host=LocalHost(root=str(root)))
    row = found["/etc/ssh/sshd_config"]
    assert row["owner"] == "tree-admin"
    assert row["group"] == (
        {0: "root", 1: "daemon", 42: "shadow", 65534: "nogroup"}.get(gid, str(gid)))


def test_a_number_without_a_name_is_shown_as_the_number(tmp_path):
    root = tree(tmp_path)
    for name in ("passwd", "group"):
        (root / "etc" / name).write_text("")
    row = rows("/etc/passwd", host=LocalHost(root=str(root)))["/etc/passwd"]
    assert (row["owner"], row["group"]) == (str(os.getuid()), str(os.getgid()))


def test_a_names_file_that_cannot_be_read_is_a_warning(tmp_path):
    root = tree(tmp_path)
    (root / "etc" / "group").unlink()
    (root / "etc" / "group").mkdir()
    data = read("/etc/passwd", host=LocalHost(root=str(root)))
    assert len(data.warnings) == 1 and "cannot read /etc/group" in data.warnings[0]
    (root / "etc" / "group").rmdir()  # merely missing: no warning
    assert read("/etc/passwd", host=LocalHost(root=str(root))).warnings == ()


# name on disk (bytes) -> its cell: one line, one column, kept whole by the cut
HARD_NAMES = {
    b"two  spaces": "two  spaces",
    b" lead": "\\x20lead",
    b"trail ": "trail\\x20",
    b"tab\there": "tab\\there",
    b'say "hi"': 'say "hi"',
    b"new\nline": "new\\nline",
    b"cr\rhere": "cr\\rhere",
    b"bad\xffbyte": "bad\\xffbyte",
    b"back\\slash": "back\\slash",
    "caf\u00e9".encode(): "caf\u00e9",
    "nbsp\u00a0".encode(): "nbsp\\xa0",
    "wide\u3000".encode(): "wide\\u3000",
    b"#hash": "#hash",
    b"-": "-",
}


def test_any_name_is_one_row_of_its_own(tmp_path, monkeypatch):
    folder = os.fsencode(tmp_path)
    for name in HARD_NAMES:
        with open(os.path.join(folder, name), "wb"):
            pass
    monkeypatch.chdir(tmp_path)  # relative paths: a name's own ends are the cell's ends
    found = rows("*")
    assert sorted(found) == sorted(HARD_NAMES.values())
    assert {r["type"] for r in found.values()} == {"file"}
    inside = rows(f"{tmp_path}/*")  # inside a path, only what a line cannot hold is escaped
    assert f"{tmp_path}/ lead" in inside and f"{tmp_path}/trail\\x20" in inside


def test_a_link_target_is_kept_whole_too(tmp_path):
    (tmp_path / "link").symlink_to("to a\nfile ")
    assert rows(str(tmp_path / "link"))[str(tmp_path / "link")]["target"] == "to a\\nfile\\x20"


def test_globs_are_sorted_and_a_path_given_twice_is_one_row(tmp_path):
    for name in ("b", "a", "c"):
        (tmp_path / name).write_text("")
    data = read(f"{tmp_path}/c", f"{tmp_path}/*", f"{tmp_path}/nosuch")
    assert [line.split()[0] for line in data.lines] == [
        "path", *(f"{tmp_path}/{n}" for n in ("c", "a", "b", "nosuch"))]


def test_a_glob_that_matches_nothing(tmp_path):
    with pytest.raises(PluginError, match=r"no path matches .*/none\*'; add 'allow_missing'"):
        read(f"{tmp_path}/none*")
    assert rows(f"{tmp_path}/none*", allow_missing=True) == {}  # and its columns are named


@pytest.mark.parametrize("args, message", [
    ((), "stat needs one or more paths"),
    (("/etc/passwd", ""), "empty path"),
])
def test_arguments_it_refuses(args, message):
    with pytest.raises(PluginError, match=message):
        StatSource().validate(args)
    with pytest.raises(PluginError, match=message):
        read(*args)


def test_the_table_stays_within_the_size_limit(tmp_path):
    long = tmp_path / ("x" * 200)
    long.write_text("")
    with pytest.raises(PluginError, match="more than the size limit"):
        read(str(long), "/etc/passwd", "/etc/group", max_size=400)


# -- assert_mode_max ------------------------------------------------------------------

@pytest.mark.parametrize("mode, mask, passes", [
    ("0644", "0644", True),
    ("0600", "0644", True),
    ("0400", "644", True),
    ("0000", "0600", True),
    ("0", "600", True),
    ("755", "0755", True),
    ("0664", "0644", False),   # group write
    ("0755", "0644", False),
    ("4755", "0755", False),   # setuid is a bit beyond the mask
    ("2755", "0755", False),
    ("1777", "0777", False),
    ("4755", "4755", True),
    ("7777", "7777", True),
])
def test_mode_max(mode, mask, passes):
    assert AssertModeMax().check((mode,), (mask,)) is passes


@pytest.mark.parametrize("value", [None, (), ("",), ("rw-r--r--",), ("0644", "root"),
                                   ("0648",), ("10644",), ("-644",), ("0x1a4",)])
def test_mode_max_fails_what_is_no_mode(value):
    assert AssertModeMax().check(value, ("0777",)) is False
    assert AssertModeMax().explain(value, ("0777",))


@pytest.mark.parametrize("value, reason", [
    (("4755",), "mode 4755 has 4000 beyond 0755: setuid"),
    (("0666",), "mode 0666 has 0022 beyond 0644: group write, others write"),
    (None, "the property is undefined"),
    (("",), "a missing path has no mode"),
    (("0644", "root"), "select the mode column alone: columns path mode"),
    (("rwx",), "'rwx' is not an octal mode"),
])
def test_mode_max_says_why(value, reason):
    mask = "0755" if value == ("4755",) else "0644"
    assert reason in AssertModeMax().explain(value, (mask,))


@pytest.mark.parametrize("args", [(), ("64",), ("0648",), ("10644",), ("0644", "0600"),
                                  ("u=rw",), ("",)])
def test_mode_max_refuses_a_mask_that_is_not_3_or_4_octal_digits(args):
    with pytest.raises(PluginError, match="one octal mask of 3 or 4 digits"):
        AssertModeMax().validate(args)
    with pytest.raises(PluginError, match="one octal mask of 3 or 4 digits"):
        AssertModeMax().check(("0644",), args)


def test_the_special_bits_are_named():
    path_mode = stat.S_ISUID | stat.S_ISGID | stat.S_ISVTX | 0o777
    reason = AssertModeMax().explain((f"{path_mode:04o}",), ("0777",))
    assert reason.endswith("setuid, setgid, sticky")
