"""The local host: what sources ask of it, answered from this machine or a folder tree."""
from __future__ import annotations

import os
import time

import pytest

from conftest import FIXTURES
from tstconfig_core.api import (Entry, HostError, ListFolder, LocalHost, ProgramResult,
                                ReadFile, RunProgram, StatPath, TooLargeAnswer)

ROOT = FIXTURES / "roots" / "web"


def test_answers_come_in_order_and_errors_are_answers(tmp_path):
    (tmp_path / "a").write_text("one\n")
    answers = LocalHost().answer([ReadFile(str(tmp_path / "a")), ReadFile(str(tmp_path / "b")),
                                  RunProgram(("echo", "hi")), StatPath(str(tmp_path / "a"))],
                                 timeout=10.0, max_size=1024)
    assert answers[0] == b"one\n"
    assert isinstance(answers[1], HostError) and "No such file" in str(answers[1])
    assert isinstance(answers[2], ProgramResult) and bytes(answers[2].stdout) == b"hi\n"
    assert answers[2].exit_status == 0
    assert answers[3].kind == "file" and answers[3].size == 4


def test_limits_hold(tmp_path):
    (tmp_path / "big").write_bytes(b"x" * 2000)
    host = LocalHost()
    (big, loud, slow) = host.answer([ReadFile(str(tmp_path / "big")),
                                     RunProgram(("sh", "-c", "yes | head -c 5000")),
                                     RunProgram(("sleep", "5"))], timeout=0.5, max_size=1000)
    assert isinstance(big, TooLargeAnswer) and isinstance(loud, TooLargeAnswer)
    assert isinstance(slow, HostError) and "timed out after 0.5 s" in str(slow)


def test_a_folder_tree_resolves_paths_and_links_inside_itself():
    host = LocalHost(root=str(ROOT))
    assert host.read("/etc/localtime", 100) == b"CET\n"            # an absolute link
    assert host.read("/etc/os-release", 100).startswith(b"ID=debian")  # a relative one
    assert host.read("/../../etc/passwd", 1000).startswith(b"root:x:0:0")
    assert host.read("/proc/meminfo", 1000).startswith(b"MemTotal")
    link = host.stat("/etc/localtime")
    assert link.kind == "symlink" and link.target == "/usr/share/zoneinfo/Europe/Paris"
    assert host.stat("/etc/passwd").kind == "file"
    entries = host.list("/etc")
    assert Entry("localtime", "symlink", "/usr/share/zoneinfo/Europe/Paris") in entries
    assert [e.name for e in entries] == sorted(e.name for e in entries)
    with pytest.raises(HostError, match="not run on a folder tree"):
        host.run(["true"], 1.0, 100)


def test_globs_answer_every_match_as_the_host_names_it():
    host = LocalHost(root=str(ROOT))
    (found,) = host.answer([ReadFile("/etc/[ops]*", glob=True)], 1.0, 1000)
    assert sorted(found) == ["/etc/os-release", "/etc/passwd", "/etc/ssh"]
    assert isinstance(found["/etc/ssh"], HostError)  # a directory is no file to read
    (listed,) = host.answer([ListFolder("/e*", glob=True)], 1.0, 1000)
    assert list(listed) == ["/etc"]


def test_a_link_loop_is_an_error(tmp_path):
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    host = LocalHost(root=str(tmp_path))
    with pytest.raises(HostError, match="symbolic links"):
        host.read("/a/x", 10)


def test_a_path_that_leads_out_of_within_is_refused(tmp_path):
    """The proc source reads within /proc: a link out of it is refused; a plain file read
    (file /proc/self/root/...) follows it, as any path on this machine."""
    (tmp_path / "self").mkdir()
    (tmp_path / "self" / "root").symlink_to("/")
    host = LocalHost(proc_root=str(tmp_path))
    with pytest.raises(HostError, match="leads out of /proc .to /etc/hostname"):
        host.read("/proc/self/root/etc/hostname", 100, within="/proc")
    assert host.read("/proc/self/root/etc/hostname", 1000) == open("/etc/hostname", "rb").read()


def test_the_trees_own_proc_cannot_lead_out(tmp_path):
    """DIR/proc a link to a folder outside: resolved inside the tree, never followed out."""
    canary = tmp_path / "canary"
    canary.mkdir()
    (canary / "meminfo").write_text("MemTotal: 1 kB\n")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "proc").symlink_to(canary)
    host = LocalHost(root=str(tree))
    with pytest.raises(HostError, match="No such file"):
        host.read("/proc/meminfo", 100, within="/proc")
    assert host.matches("/proc/*") == []


def test_a_trees_devices_are_not_read(tmp_path):
    (tmp_path / "etc").mkdir()
    os.mknod(tmp_path / "etc" / "kmsg", 0o600 | __import__("stat").S_IFCHR, os.makedev(1, 3))
    with pytest.raises(HostError, match="is a device"):
        LocalHost(root=str(tmp_path)).read("/etc/kmsg", 100)


def test_globs_in_a_tree_match_the_trees_folders(tmp_path):
    outside = tmp_path / "outside"
    (outside / "x").mkdir(parents=True)
    tree = tmp_path / "tree"
    (tree / "etc").mkdir(parents=True)
    (tree / "var").mkdir()
    (tree / "var" / "kv").write_text("key invar\n")
    (tree / "etc" / "esc").symlink_to(outside)      # absolute: /tmp/... inside the tree
    (tree / "etc" / "inlink").symlink_to("/var")    # inside the tree
    (outside / "kv").write_text("key OUTSIDE\n")
    host = LocalHost(root=str(tree))
    assert host.matches("/etc/*/kv") == ["/etc/inlink/kv"]


def test_a_program_leaves_nothing_behind(tmp_path):
    pidfile = tmp_path / "pid"
    result = LocalHost().run(["sh", "-c", f"sleep 30 >/dev/null 2>&1 & echo $! > {pidfile}"], 10.0, 1000)
    assert result.exit_status == 0
    pid = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    pytest.fail("the program's child outlived it")


def test_a_pattern_in_a_folder_that_cannot_be_read_is_an_error_not_no_match():
    """glob.glob says "no match" for a folder it may not list: a check that nothing is
    there (allow_missing, assert_undefined) would pass. Run as nobody (forked)."""
    import glob  # noqa: F401 (imported before the fork gives up root)
    import shutil
    import tempfile
    from pathlib import Path
    tmp_path = Path(tempfile.mkdtemp(dir="/tmp"))  # (searchable by nobody, as /tmp is)
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "a.conf").write_text("a\n")
    locked.chmod(0)
    tmp_path.chmod(0o755)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: nobody, where it is root
        try:
            if os.geteuid() == 0:
                os.setgid(65534)
                os.setuid(65534)
            host = LocalHost()
            answers = host.answer([ReadFile(f"{locked}/*", glob=True),
                                   StatPath(f"{locked}/*.conf", glob=True),
                                   ReadFile(f"{tmp_path}/*.none", glob=True)], 5, 10**6)
            os.write(write, repr([str(a) if isinstance(a, HostError) else a
                                  for a in answers]).encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    got = os.read(read, 65536).decode()
    locked.chmod(0o755)
    shutil.rmtree(tmp_path)
    expected = f"cannot look in '{locked}' for '{locked}/*': permission denied"
    assert got == repr([expected, expected.replace("/*'", "/*.conf'"), {}])
