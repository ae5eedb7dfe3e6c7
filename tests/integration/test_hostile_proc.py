"""Crafted ``--proc-root`` trees: nothing blocks, nothing is read without bound or from
outside the tree, a malformed entry costs only itself, and the timeout holds."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import third_party_plugins, tstconfig

# Port 22 listening on IPv4, socket inode 1001; port 25 on IPv6, inode 2002.
TCP = ("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
       "timeout inode\n"
       "   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0"
       "        0 1001 1 0000000000000000 100 0 0 10 0\n")
TCP6 = ("  sl  local_address                         remote_address                        st "
        "tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
        "   0: 00000000000000000000000000000000:0019 00000000000000000000000000000000:0000 0A "
        "00000000:00000000 00:00000000 00000000     0        0 2002 1 0000000000000000 100 0 0"
        " 10 0\n")
OUTSIDE = "secret-outside\n"


def crafted(tmp: Path, processes: int = 0, comm=None, fd_links=("socket:[1001]",)) -> Path:
    """A /proc with the two tables, process 500 (sshd, owner of port 22's socket) and
    ``processes`` more from 100 up (before 500: the first owner wins), each owning the
    sockets ``fd_links`` name and named as ``comm`` says."""
    root = tmp / "proc"
    (root / "net").mkdir(parents=True)
    (root / "net" / "tcp").write_text(TCP)
    (root / "net" / "tcp6").write_text(TCP6)
    (tmp / "outside").write_text(OUTSIDE)
    (root / "500" / "fd").mkdir(parents=True)
    (root / "500" / "comm").write_text("sshd\n")
    os.symlink("socket:[1001]", root / "500" / "fd" / "3")
    os.symlink("socket:[2002]", root / "500" / "fd" / "4")
    for pid in [p for p in range(100, 101 + processes) if p != 500][:processes]:
        (root / str(pid) / "fd").mkdir(parents=True)
        for number, link in enumerate(fd_links):
            os.symlink(link, root / str(pid) / "fd" / str(number))
        if comm == "fifo":
            os.mkfifo(root / str(pid) / "comm")
        elif comm is not None:
            os.symlink(comm, root / str(pid) / "comm")
        else:
            (root / str(pid) / "comm").write_text("crafted\n")
    return root


LISTENING = "proc net/listening\nproperty 22\ncolumns 3\nassert_defined\n"


def run(tmp: Path, root: Path, definition: str, *args: str) -> subprocess.CompletedProcess:
    path = tmp / "d.tstconfig"
    path.write_text(definition)
    started = time.monotonic()
    result = tstconfig("--proc-root", str(root), *args, str(path), timeout=60)
    assert time.monotonic() - started < 30, "a crafted /proc held the run"
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


def listening(tmp: Path, root: Path) -> str:
    """The net/listening rows, as --inspect shows them."""
    result = run(tmp, root, LISTENING, "--inspect")
    return result.stdout


# -- nothing blocks ---------------------------------------------------------------------------

@pytest.mark.parametrize("where", ["net/tcp", "net/tcp6", "500/comm", "500/fd", "net"])
def test_a_fifo_anywhere_never_blocks(tmp_path, where):
    root = crafted(tmp_path)
    target = root / where
    if target.is_dir():
        for child in sorted(target.rglob("*"), reverse=True):
            child.unlink()
        target.rmdir()
    else:
        target.unlink()
    os.mkfifo(target)
    result = run(tmp_path, root, LISTENING + "proc net/tcp\nproperty x\nassert_undefined\n")
    if where.startswith("net"):
        assert "is a named pipe (FIFO)" in result.stdout or "Not a directory" in result.stdout
    else:
        assert "Errors: 0" in result.stdout  # that process's owner is unknown, nothing more


def test_fifo_names_of_many_processes(tmp_path):
    root = crafted(tmp_path, processes=30, comm="fifo")
    shown = listening(tmp_path, root)
    assert "100" in shown and "crafted" not in shown  # owner known, its name is not


# -- nothing read from outside, nothing read without bound -----------------------------------

@pytest.mark.parametrize("link", ["/dev/zero", "../../outside", "/etc/hostname"])
def test_a_table_that_leads_out_of_the_tree_is_refused(tmp_path, link):
    root = crafted(tmp_path)
    (root / "net" / "tcp").unlink()
    os.symlink(link, root / "net" / "tcp")
    result = run(tmp_path, root, LISTENING + "proc net/tcp\nproperty x\nassert_undefined\n")
    assert result.stdout.count("leads out of /proc") == 2, result.stdout


@pytest.mark.parametrize("link", ["../../outside", str(Path("/etc/hostname"))])
def test_a_name_that_leads_out_of_the_tree_is_not_read(tmp_path, link):
    """net/listening followed ``comm`` links out of the tree and showed what they held."""
    root = crafted(tmp_path, processes=3, comm=link)
    shown = listening(tmp_path, root)
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else ""
    assert "secret-outside" not in shown
    assert not hostname or f" {hostname} " not in shown
    assert " 100" in shown  # the socket's owner is still found, its name shown as '-'


def peak_memory(tmp: Path, root: Path, definition: str) -> tuple[float, str]:
    """(peak RSS in MiB, standard output) of one run."""
    path = tmp / "d.tstconfig"
    path.write_text(definition)
    env = dict(os.environ, TSTCONFIG_DISABLE_PLUGINS=third_party_plugins())
    proc = subprocess.Popen([sys.executable, "-m", "tstconfig_core", "--proc-root", str(root),
                             str(path)], stdout=subprocess.PIPE, env=env)
    out = proc.stdout.read()
    _, _, usage = os.wait4(proc.pid, 0)
    proc.stdout.close()
    proc.returncode = 0  # (reaped by wait4)
    return usage.ru_maxrss / 1024, out.decode()


@pytest.mark.parametrize("comm", ["/dev/zero", "../big"])
def test_names_that_never_end_cost_no_memory(tmp_path, comm):
    """40 ``comm`` links to /dev/zero made net/listening read 64 MiB for each, and keep
    each refused buffer: 2.5 GiB. A name is read at most 4 KiB, inside the tree only."""
    root = crafted(tmp_path, processes=40, comm=comm)
    with open(root / "big", "wb") as f:
        f.truncate(200 * 1024 * 1024)  # sparse: no disk used
    peak, out = peak_memory(tmp_path, root, LISTENING)
    assert "SUMMARY REPORT: PASS" in out, out
    assert peak < 200, f"peak RSS {peak:.0f} MiB"


# -- a malformed entry costs only itself -------------------------------------------------------

def test_malformed_descriptors_and_folders_cost_only_themselves(tmp_path):
    root = crafted(tmp_path, processes=1, fd_links=(
        "socket:[abc]", "socket:[\u00b2]", "socket:[]", "socket:[1001", "socket:[1001]"))
    (root / "1\u00b2" / "fd").mkdir(parents=True)         # matches [0-9]*, int() refuses it
    os.symlink("socket:[2002]", root / "1\u00b2" / "fd" / "0")
    (root / "1\u00b2" / "comm").write_text("odd\n")
    (root / "7" / "fd").mkdir(parents=True)               # a descriptor folder that leads out
    (root / "7" / "comm").write_text("escaper\n")
    (root / "8").mkdir()
    os.symlink(str(tmp_path), root / "8" / "fd")
    (root / "8" / "comm").write_text("escaper\n")
    shown = listening(tmp_path, root)
    assert "Errors: 0" in shown, shown
    rows = [line.split() for line in shown.splitlines() if line.strip().startswith(("22 ", "25 "))]
    assert ["22", "tcp", "0.0.0.0:22", "crafted", "100"] in rows
    assert ["25", "tcp6", ":::25", "sshd", "500"] in rows


# -- the block's timeout holds -------------------------------------------------------------------

def test_a_proc_read_is_bounded_by_the_blocks_timeout(tmp_path):
    """A block with ``timeout 0.05`` reading many /proc files ran 0.86 s: reads ignored it."""
    root = crafted(tmp_path, processes=3000, fd_links=tuple(f"socket:[{n}]" for n in range(8)))
    result = run(tmp_path, root, "proc net/listening\ntimeout 0.05\nproperty 22\n"
                                 "assert_defined\n" + LISTENING)
    assert "cannot find the sockets' owners: reading /proc/[0-9]*/" in result.stdout
    assert "took longer than the block's timeout of 0.05 s" in result.stdout
    assert "Assertions passed: 1" in result.stdout  # the same block, within 60 s, reads
