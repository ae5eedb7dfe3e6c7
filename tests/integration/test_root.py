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
