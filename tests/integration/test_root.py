"""--root DIR: a folder tree checked as if it were the host (an image, a container's root)."""
from __future__ import annotations

import json

from conftest import FIXTURES, tstconfig

ROOT = FIXTURES / "roots" / "web"


def run(tmp_path, text: str, *args: str) -> dict:
    (tmp_path / "d.tstconfig").write_text(text, encoding="utf-8")
    result = tstconfig("--root", str(ROOT), "-r", "json", *args, "d.tstconfig", cwd=tmp_path)
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout)


def test_files_and_proc_come_from_the_tree(tmp_path):
    doc = run(tmp_path, """\
file /etc/passwd
syntax etc_passwd
columns 0 6
property www-data
assert_eq /usr/sbin/nologin
file /etc/ssh/sshd_config
property PermitRootLogin
assert_eq no
file /etc/os-release
parse_mode keyvalue
key_separator =
property ID
assert_eq debian
proc meminfo
columns 0 1
property MemTotal
assert_eq 2048000
proc sys/kernel/ostype
property
assert_eq Linux
""")
    assert doc["errors"] == [] and doc["summary"]["passed"] == 5, doc


def test_absolute_links_are_followed_inside_the_tree(tmp_path):
    """/etc/localtime -> /usr/share/zoneinfo/Europe/Paris: the tree's, never this
    machine's (which is a binary file here, if tzdata is installed)."""
    doc = run(tmp_path, "file /etc/localtime\nproperty\nassert_eq CET\n"
                        "file /etc/alternatives/sshdir/sshd_config\nproperty PermitRootLogin\n"
                        "assert_eq no\n")
    assert doc["summary"]["passed"] == 2, doc


def test_nothing_outside_the_tree_is_read(tmp_path):
    secret = tmp_path / "outside.txt"
    secret.write_text("key OUTSIDE\n")
    doc = run(tmp_path, f"file /../../../../../../{secret}\nproperty key\nassert_undefined\n"
                        "file d.tstconfig\nproperty file\nassert_undefined\n")
    assert [r["outcome"] for r in doc["results"]] == ["not_run", "not_run"]
    assert all("No such file" in e["message"] for e in doc["errors"]), doc["errors"]
    assert "OUTSIDE" not in json.dumps(doc)


def test_programs_are_not_run_on_a_tree(tmp_path):
    marker = tmp_path / "ran"
    doc = run(tmp_path, f"command touch {marker}\nexit_status\nassert_eq 0\n")
    assert not marker.exists()
    assert "programs are not run on a folder tree" in doc["errors"][0]["message"]
    assert doc["results"][0]["outcome"] == "not_run"


def test_proc_root_still_moves_proc_alone(tmp_path):
    doc = run(tmp_path, "proc meminfo\ncolumns 0 1\nproperty MemTotal\nassert_eq 2048000\n",
              "--proc-root", str(ROOT / "proc"))
    assert doc["summary"]["passed"] == 1


def test_a_listening_table_that_cannot_be_read_is_an_error_not_a_pass(tmp_path):
    """net/listening once skipped any table it could not read: tcp6 too large for
    max_size, its listeners gone, and assert_undefined on one of them passed."""
    (tmp_path / "d.tstconfig").write_text("proc net/listening\nmax_size 600\n"
                                          "columns Port Program\nproperty 80\n"
                                          "assert_undefined\n")
    result = tstconfig("--proc-root", str(FIXTURES / "proc" / "seed"), "-r", "json",
                       "d.tstconfig", cwd=tmp_path)
    doc = json.loads(result.stdout)
    assert result.returncode == 2 and doc["summary"]["passed"] == 0
    assert "cannot read /proc/net/tcp6: more than 600 bytes" in doc["errors"][0]["message"]


def test_file_follows_links_out_of_proc_on_this_machine(tmp_path):
    """Only the proc source stays within /proc; a file source reads any path."""
    (tmp_path / "d.tstconfig").write_text("file /proc/self/root/etc/hostname\nproperty\n"
                                          "assert_defined\n")
    doc = json.loads(tstconfig("-r", "json", "d.tstconfig", cwd=tmp_path).stdout)
    assert doc["summary"]["passed"] == 1, doc


def test_proc_root_is_where_this_hosts_proc_is(tmp_path):
    """--proc-root moves /proc for every read of it, file /proc/... included, and an
    error says where it looked."""
    (tmp_path / "d.tstconfig").write_text("file /proc/meminfo\nparse_mode keyvalue\n"
                                          "key_separator :\ncolumns 0 1\nproperty MemTotal\n"
                                          "assert_eq 8040772\nfile /proc/nosuch\nproperty\n"
                                          "assert_defined\n")
    doc = json.loads(tstconfig("--proc-root", str(FIXTURES / "proc" / "seed"), "-r", "json",
                               "d.tstconfig", cwd=tmp_path).stdout)
    assert doc["results"][0]["outcome"] == "passed"
    assert f"(here: {FIXTURES / 'proc' / 'seed' / 'nosuch'})" in doc["errors"][0]["message"]


def test_inspect_checks_no_assertion_and_shows_rows_a_columns_name_misses(tmp_path):
    (tmp_path / "data").write_text("Filesystem Size Mounted\n/dev/sda1 10G /\n")
    (tmp_path / "d.tstconfig").write_text("file data\nparse_mode table\n"
                                          'columns "Mounted at"\nproperty /\n'
                                          "assert_count x\n")
    result = tstconfig("--inspect", "d.tstconfig", cwd=tmp_path)
    assert "/dev/sda1" in result.stdout  # the rows, with the names to fix it by
    assert "no column is named 'Mounted at'" in result.stdout
    assert "assert_count" not in result.stdout  # its bad argument: not checked


def test_check_does_not_add_errors_to_a_broken_block(tmp_path):
    (tmp_path / "d.tstconfig").write_text("proc ../x\nexit_status\nassert_empty\n")
    result = tstconfig("--check", "d.tstconfig", cwd=tmp_path)
    assert result.stdout.count("ERROR") == 1 and "'..' is not allowed" in result.stdout
