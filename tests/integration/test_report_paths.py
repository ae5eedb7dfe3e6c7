"""Report paths through real subprocesses: what is replaced, what is written in place, what
is refused before the run, and what a lost report does to the exit status."""
from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import third_party_plugins

ROOT = os.geteuid() == 0
NOBODY = 65534
DEFINITION = "command echo ok yes\nproperty ok\nassert_eq yes\n"
# As a normal user: switch to nobody when root; a normal user already is one.
AS_USER = (["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
           if ROOT else [])


def run(*args: str, cwd: Path | str, prefix: list[str] | tuple[str, ...] = (),
        **popen: object) -> subprocess.CompletedProcess:
    """``python -m tstconfig_core ARGS`` as conftest.tstconfig runs it, PREFIX first
    (setpriv, unshare, sh -c 'umask ...'), standard streams capturable or given."""
    popen.setdefault("stdout", subprocess.PIPE)
    popen.setdefault("stderr", subprocess.PIPE)
    return subprocess.run([*prefix, sys.executable, "-m", "tstconfig_core", *args], cwd=cwd,
                          env=environment(), text=True, timeout=60,
                          **popen)  # type: ignore[call-overload]


def environment() -> dict[str, str]:
    return dict(os.environ, TSTCONFIG_DISABLE_PLUGINS=third_party_plugins())


def bash(script: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    """A bash SCRIPT, as a shell user writes it: $0 is this Python, $1... are ARGS."""
    return subprocess.run(["bash", "-c", script, sys.executable, *args], cwd=cwd,
                          capture_output=True, text=True, timeout=60, env=environment())


def report(path: Path) -> dict:
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["summary"]["status"] == "PASS"
    return doc


def assert_refused(result: subprocess.CompletedProcess, marker: Path, *words: str) -> None:
    """Exit 2, a message for people, no traceback, and nothing ran."""
    assert result.returncode == 2, result.stderr
    assert "Error:" in result.stderr and "Traceback" not in result.stderr, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr
    assert not marker.exists(), "the run started"


@pytest.fixture
def definition(tmp_path: Path) -> Path:
    path = tmp_path / "d.tstconfig"
    path.write_text(DEFINITION, encoding="utf-8")
    return path


@pytest.fixture
def marked(tmp_path: Path) -> tuple[Path, Path]:
    """A definition that leaves a marker file if it runs at all."""
    marker = tmp_path / "ran"
    path = tmp_path / "m.tstconfig"
    path.write_text(f"command touch {marker}\nexit_status\nassert_eq 0\n", encoding="utf-8")
    return path, marker


@pytest.fixture
def public(tmp_path: Path) -> Iterator[Path]:
    """A folder nobody may use (tmp_path's parents are root-only), with the definition."""
    folder = Path(tempfile.mkdtemp(prefix="tstconfig-paths-"))
    folder.chmod(0o777)
    (folder / "d.tstconfig").write_text(DEFINITION, encoding="utf-8")
    (folder / "d.tstconfig").chmod(0o644)
    yield folder
    shutil.rmtree(folder)


@pytest.fixture(autouse=True)
def dev_guard() -> Iterator[None]:
    """Put /dev/stdout, /dev/stderr and /dev/null back if a broken tstconfig replaced them."""
    links = {p: os.readlink(p) for p in ("/dev/stdout", "/dev/stderr") if os.path.islink(p)}
    try:
        yield
    finally:
        for path, target in links.items():
            if not os.path.islink(path):
                os.unlink(path)
                os.symlink(target, path)
        if not stat.S_ISCHR(os.lstat("/dev/null").st_mode):
            os.unlink("/dev/null")
            os.mknod("/dev/null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
            os.chmod("/dev/null", 0o666)


def namespace_prefix() -> list[str]:
    """unshare: a private mount namespace, for read-only and full file systems."""
    prefix = ["unshare", "-m"] if ROOT else ["unshare", "-rm"]
    probe = subprocess.run([*prefix, "sh", "-c", "mount -t tmpfs none /mnt"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs in a private namespace here: {probe.stderr.strip()}")
    return prefix


# Special files: written in place, never renamed over.

@pytest.mark.skipif(not ROOT, reason="only root may replace /dev/stdout; as a user the "
                                     "rename fails anyway")
def test_dev_stdout_as_root_stays_a_symlink(definition, tmp_path, dev_guard):
    before = os.readlink("/dev/stdout")
    result = run("-r", "text:/dev/stdout", str(definition), cwd=tmp_path)
    assert result.returncode == 0 and "SUMMARY REPORT: PASS" in result.stdout
    assert os.path.islink("/dev/stdout") and os.readlink("/dev/stdout") == before
    assert not list(Path("/dev").glob(".tstconfig-*"))


def test_dev_stdout_into_a_regular_file_writes_that_file(definition, tmp_path, dev_guard):
    out = tmp_path / "out.json"
    with out.open("w") as stdout:
        result = run("-r", "json:/dev/stdout", str(definition), cwd=tmp_path, stdout=stdout)
    assert result.returncode == 0, result.stderr
    report(out)
    assert os.path.islink("/dev/stdout")


def test_dev_stdout_as_a_user(public):
    result = run("-r", "text:/dev/stdout", "d.tstconfig", cwd=public, prefix=AS_USER)
    assert result.returncode == 0 and "SUMMARY REPORT: PASS" in result.stdout, result.stderr


def test_dev_stderr(definition, tmp_path, dev_guard):
    result = run("-r", "json:/dev/stderr", str(definition), cwd=tmp_path)
    assert result.returncode == 0 and result.stdout == ""
    assert json.loads(result.stderr)["summary"]["status"] == "PASS"


@pytest.mark.skipif(not ROOT, reason="only root may replace /dev/null")
def test_dev_null_stays_a_device_and_takes_any_number_of_reports(definition, tmp_path,
                                                                 dev_guard):
    result = run("-r", "json:/dev/null", "-r", "junit:/dev/null", "-r", "text",
                 str(definition), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)


def test_unix_socket_stdout_and_dev_fd_of_a_socket(definition, tmp_path):
    """/dev/fd/N of a socket cannot be opened on Linux (ENXIO): the descriptor is copied."""
    for path in ("/dev/stdout", "/dev/fd/{fd}", "/proc/self/fd/{fd}"):
        ours, theirs = socket.socketpair()
        with ours, theirs:
            fd = theirs.fileno()
            kwargs = {"stdout": theirs} if path == "/dev/stdout" else {"pass_fds": [fd]}
            proc = subprocess.Popen(
                [sys.executable, "-m", "tstconfig_core", "-r", "json:" + path.format(fd=fd),
                 str(definition)], stderr=subprocess.PIPE, text=True, **kwargs,
                cwd=tmp_path, env=environment())
            theirs.close()
            data = b"".join(iter(lambda: ours.recv(65536), b""))
            err = proc.communicate(timeout=60)[1]
        assert proc.returncode == 0, (path, err)
        assert json.loads(data)["summary"]["status"] == "PASS", path


def test_process_substitution_dev_fd(definition, tmp_path):
    """-r json:>(cat > FILE), as a shell user writes it: /dev/fd/N of a pipe."""
    out = tmp_path / "out.json"
    script = '"$0" -m tstconfig_core -r json:>(cat > "$1") "$2"; status=$?; wait; exit $status'
    result = bash(script, str(out), str(definition), cwd=tmp_path)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    deadline = time.monotonic() + 10
    while not out.exists() or not out.read_text().endswith("}\n"):
        assert time.monotonic() < deadline, "cat did not get the report"
        time.sleep(0.05)
    report(out)


def test_fifo_with_a_reader(definition, tmp_path):
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    out = tmp_path / "read.json"
    with out.open("w") as sink:
        reader = subprocess.Popen(["cat", str(fifo)], stdout=sink)
        result = run("-r", "json:" + str(fifo), str(definition), cwd=tmp_path)
        assert reader.wait(timeout=30) == 0
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    report(out)


def test_unix_socket_with_a_listener(definition):
    folder = Path(tempfile.mkdtemp(prefix="tsc-"))  # short: socket paths are limited
    try:
        path = folder / "r.sock"
        received: list[bytes] = []
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
            server.bind(str(path))
            server.listen(1)

            def serve() -> None:
                conn, _ = server.accept()
                with conn:
                    received.append(b"".join(iter(lambda: conn.recv(65536), b"")))

            thread = threading.Thread(target=serve, daemon=True)
            thread.start()
            result = run("-r", f"json:{path}", str(definition), cwd=folder)
            thread.join(30)
        assert result.returncode == 0, result.stderr
        assert json.loads(received[0])["summary"]["status"] == "PASS"
        assert stat.S_ISSOCK(os.lstat(path).st_mode)
        # Nobody listening any more: refused before the run, the socket file left alone.
        result = run("-r", f"json:{path}", str(definition), cwd=folder)
        assert result.returncode == 2 and "Connection refused" in result.stderr
        assert "Traceback" not in result.stderr and stat.S_ISSOCK(os.lstat(path).st_mode)
    finally:
        shutil.rmtree(folder)


def test_descriptors_that_cannot_take_a_report(marked, tmp_path):
    definition, marker = marked
    result = run("-r", "json:/dev/fd/9", str(definition), cwd=tmp_path)
    assert_refused(result, marker, "descriptor 9")
    other = tmp_path / "input.txt"
    other.write_text("x\n")
    with other.open() as stdin:
        result = run("-r", "json:/dev/stdin", str(definition), cwd=tmp_path, stdin=stdin)
    assert_refused(result, marker, "reading only")
    with definition.open() as stdin:  # standard input is the definition file itself
        result = run("-r", "json:/dev/stdin", str(definition), cwd=tmp_path, stdin=stdin)
    assert_refused(result, marker, "definition file")


# Lost reports: told on standard error, the others kept, exit status at least 2.

def test_dev_full_loses_that_report_only(definition, tmp_path):
    text = tmp_path / "r.txt"
    result = run("-r", "json:/dev/full", "-r", f"text:{text}", str(definition), cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert ("tstconfig: cannot write the json report to /dev/full: No space left on device"
            in result.stderr)
    assert "SUMMARY REPORT: PASS" in text.read_text()


def test_full_file_system_keeps_the_last_good_report(definition, tmp_path):
    prefix = namespace_prefix()
    disk = tmp_path / "disk"
    disk.mkdir()
    script = ('mount -t tmpfs -o size=64k none "$0" && echo "last good" > "$0/r.json" && '
              '{ cat /dev/zero > "$0/fill" 2>/dev/null; "$@"; echo "status=$?"; '
              'cat "$0/r.json"; ls -a "$0"; }')
    result = run("-r", f"json:{disk}/r.json", str(definition), cwd=tmp_path,
                 prefix=[*prefix, "sh", "-c", script, str(disk)])
    assert "status=2" in result.stdout and "last good" in result.stdout, result
    assert ".tstconfig-" not in result.stdout
    assert f"cannot write the json report to {disk}/r.json: No space left" in result.stderr
    assert "Traceback" not in result.stderr


def test_standard_output_closed_by_the_reader(tmp_path):
    definition = tmp_path / "slow.tstconfig"
    definition.write_text(DEFINITION + "command sleep 1\nexit_status\nassert_eq 0\n" + DEFINITION)
    json_report = tmp_path / "r.json"
    script = ('"$0" -m tstconfig_core -r text -r "json:$1" "$2" | head -1; '
              'echo "status=${PIPESTATUS[0]}" >&2')
    result = bash(script, str(json_report), str(definition), cwd=tmp_path)
    assert result.stdout.startswith("tstconfig ") and result.stdout.count("\n") == 1
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr
    assert ("tstconfig: cannot write the text report to standard output: Broken pipe"
            in result.stderr)
    assert "status=2" in result.stderr
    report(json_report)


def test_standard_output_closed_before_the_run(marked, tmp_path):
    definition, marker = marked
    result = bash('"$0" -m tstconfig_core "$1" >&-', str(definition), cwd=tmp_path)
    assert_refused(result, marker, "standard output is closed")


# Regular files: replaced atomically, through symlinks, their mode kept.

def test_symlink_to_a_report_keeps_the_link(definition, tmp_path):
    real = tmp_path / "reports" / "real.json"
    real.parent.mkdir()
    real.write_text("old\n")
    real.chmod(0o644)
    link = tmp_path / "latest.json"
    link.symlink_to(Path("reports") / "real.json")
    result = run("-r", f"json:{link}", str(definition), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == "reports/real.json"
    report(real)
    assert stat.S_IMODE(real.stat().st_mode) == 0o644
    assert not [p for p in (tmp_path, real.parent) for q in p.iterdir()
                if q.name.startswith(".tstconfig-")]


def test_dangling_symlink_creates_its_target(definition, tmp_path):
    link = tmp_path / "latest.json"
    link.symlink_to("new/real.json")
    assert run("-r", f"json:{link}", str(definition), cwd=tmp_path).returncode == 0
    assert link.is_symlink()
    report(tmp_path / "new" / "real.json")


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_existing_mode_is_kept(definition, tmp_path, mode):
    out = tmp_path / "r.json"
    out.write_text("old\n")
    out.chmod(mode)
    if ROOT:
        os.chown(out, NOBODY, NOBODY)
    assert run("-r", f"json:{out}", str(definition), cwd=tmp_path).returncode == 0
    report(out)
    st = out.stat()
    assert stat.S_IMODE(st.st_mode) == mode
    if ROOT:
        assert (st.st_uid, st.st_gid) == (NOBODY, NOBODY)


def test_existing_mode_is_kept_as_a_user(public):
    out = public / "r.json"
    result = run("-r", "json:r.json", "d.tstconfig", cwd=public, prefix=AS_USER)
    assert result.returncode == 0, result.stderr
    out.chmod(0o640)
    result = run("-r", "json:r.json", "d.tstconfig", cwd=public, prefix=AS_USER)
    assert result.returncode == 0, result.stderr
    report(out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o640


@pytest.mark.parametrize("umask,mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
@pytest.mark.parametrize("user", ["current", "normal"])
def test_new_file_honours_the_umask(public, umask, mode, user):
    prefix = ["sh", "-c", f'umask {umask:03o}; exec "$@"', "sh",
              *(AS_USER if user == "normal" else [])]
    result = run("-r", "json:r.json", "d.tstconfig", cwd=public, prefix=prefix)
    assert result.returncode == 0, result.stderr
    st = (public / "r.json").stat()
    assert stat.S_IMODE(st.st_mode) == mode
    assert st.st_uid == (NOBODY if user == "normal" and ROOT else os.geteuid())


def test_missing_folders_are_created(definition, tmp_path):
    out = tmp_path / "a" / "b" / "c" / "r.json"
    result = run("-r", f"json:{out}", "-r", "junit:x/junit.xml", str(definition), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report(out)
    assert (tmp_path / "x" / "junit.xml").read_text().startswith("<?xml")


# Usage errors, before anything runs and before any report is touched.

@pytest.mark.parametrize("first,second", [
    ("junit:r.xml", "json:./r.xml"), ("junit:r.xml", "json:hard.xml"),
    ("junit:r.xml", "json:soft.xml"), ("junit:r.xml", "tap:{tmp}/r.xml"),
    ("junit:r.xml", "json:sub/../r.xml"), ("junit:r.xml", "junit:r.xml"),
    ("json:new.json", "junit:./new.json"), ("json:new/r.json", "tap:new/./r.json")])
def test_two_reporters_on_one_path(marked, tmp_path, first, second):
    definition, marker = marked
    (tmp_path / "r.xml").write_text("keep\n")
    os.link(tmp_path / "r.xml", tmp_path / "hard.xml")
    (tmp_path / "soft.xml").symlink_to("r.xml")
    (tmp_path / "sub").mkdir()
    result = run("-r", first, "-r", second.format(tmp=tmp_path), str(definition), cwd=tmp_path)
    assert_refused(result, marker, "own path")
    assert (tmp_path / "r.xml").read_text() == "keep\n"
    assert not (tmp_path / "new.json").exists() and not (tmp_path / "new").exists()


@pytest.mark.parametrize("second", ["text:-", "json:/dev/stdout", "json:/dev/fd/1",
                                    "json:/proc/self/fd/1"])
def test_standard_output_twice(marked, tmp_path, second):
    definition, marker = marked
    result = run("-r", "text", "-r", second, str(definition), cwd=tmp_path)
    assert_refused(result, marker)


def test_standard_output_and_standard_error(definition, tmp_path):
    """Two pipes here, so two places: no collision."""
    result = run("-r", "text", "-r", "json:/dev/stderr", str(definition), cwd=tmp_path)
    assert result.returncode == 0 and "SUMMARY REPORT: PASS" in result.stdout
    assert json.loads(result.stderr)["summary"]["status"] == "PASS"


@pytest.mark.parametrize("target,run_what", [
    ("{tmp}/m.tstconfig", "{tmp}/m.tstconfig"), ("m.tstconfig", "./m.tstconfig"),
    ("alias.json", "{tmp}/m.tstconfig"), ("checks/inner.tstconfig", "checks"),
    ("checks/../checks/inner.tstconfig", "{tmp}/checks")])
def test_report_over_a_definition_file(marked, tmp_path, target, run_what):
    definition, marker = marked
    folder = tmp_path / "checks"
    folder.mkdir()
    shutil.copy(definition, folder / "inner.tstconfig")
    (tmp_path / "alias.json").symlink_to(definition)
    result = run("-r", f"json:{target.format(tmp=tmp_path)}", run_what.format(tmp=tmp_path),
                 cwd=tmp_path)
    assert_refused(result, marker, "definition file")
    assert definition.read_text().startswith("command touch")
    assert (folder / "inner.tstconfig").read_text().startswith("command touch")


@pytest.mark.parametrize("target,words", [
    ("{tmp}", "is a directory"),
    ("{tmp}/file/r.json", "Not a directory"),
    ("{tmp}/file/sub/r.json", "Not a directory"),
    ("{tmp}/" + "n" * 300 + ".json", "File name too long"),
    ("{tmp}/loop", "Too many levels of symbolic links"),
    ("{tmp}/loop/r.json", "Too many levels of symbolic links"),
    ("/proc/version", "cannot write a file in /proc"),
    ("/proc/nosuch/r.json", "cannot create the folder /proc/nosuch"),
    ("/sys/kernel/r.json", "/sys/kernel")])
def test_paths_that_cannot_take_a_report(marked, tmp_path, target, words):
    definition, marker = marked
    (tmp_path / "loop").symlink_to("loop")
    (tmp_path / "file").write_text("x\n")
    result = run("-r", f"json:{target.format(tmp=tmp_path)}", str(definition), cwd=tmp_path)
    assert_refused(result, marker, words)


def test_block_device_is_refused(marked, tmp_path):
    definition, marker = marked
    block = next((str(p) for p in Path("/dev").iterdir()
                  if stat.S_ISBLK(os.lstat(p).st_mode)), None)
    if block is None:
        pytest.skip("no block device in /dev here")
    result = run("-r", f"json:{block}", str(definition), cwd=tmp_path)
    assert_refused(result, marker, "block device")


def test_read_only_file_system(marked, tmp_path):
    definition, marker = marked
    prefix = namespace_prefix()
    ro = tmp_path / "ro"
    ro.mkdir()
    result = run("-r", f"json:{ro}/r.json", str(definition), cwd=tmp_path,
                 prefix=[*prefix, "sh", "-c", 'mount -t tmpfs -o ro none "$0" && exec "$@"',
                         str(ro)])
    assert_refused(result, marker, "Read-only file system")


@pytest.mark.parametrize("target,words", [
    ("locked/new.json", "cannot write a file in"), ("locked/r.json", "cannot write a file in"),
    ("locked/sub/r.json", "cannot create the folder"), ("secret/r.json", "Permission denied"),
    ("/dev/stdout/x", "Not a directory")])
def test_permission_denied_as_a_user(public, target, words):
    """As nobody when root (folders root owns), else as this user (folders made read-only)."""
    marker = public / "ran"
    definition = public / "m.tstconfig"
    definition.write_text(f"command touch {marker}\nexit_status\nassert_eq 0\n")
    definition.chmod(0o644)
    locked, secret = public / "locked", public / "secret"
    locked.mkdir()
    secret.mkdir()
    (locked / "r.json").write_text("keep\n")
    locked.chmod(0o755 if ROOT else 0o555)
    secret.chmod(0o700 if ROOT else 0o000)
    try:
        result = run("-r", f"json:{target}", "m.tstconfig", cwd=public, prefix=AS_USER)
    finally:
        locked.chmod(0o755)
        secret.chmod(0o755)
    assert_refused(result, marker, words)
    assert (locked / "r.json").read_text() == "keep\n"


@pytest.mark.skipif(not ROOT, reason="needs root to give a file to another user")
def test_a_file_of_another_user_in_a_sticky_folder_is_refused_before_the_run(public):
    """os.replace would fail there at the end, after every check had run (hostile review)."""
    marker = public / "ran"
    (public / "m.tstconfig").write_text(f"command touch {marker}\nexit_status\nassert_eq 0\n")
    (public / "m.tstconfig").chmod(0o644)
    public.chmod(0o1777)
    (public / "r.json").write_text("root's\n")
    (public / "r.json").chmod(0o666)
    result = run("-r", "json:r.json", "m.tstconfig", cwd=public, prefix=AS_USER)
    assert_refused(result, marker, "belongs to another user", "sticky folder")
    assert (public / "r.json").read_text() == "root's\n"


def test_a_report_over_the_waivers_file_is_refused(marked, tmp_path):
    definition, marker = marked
    waivers = tmp_path / "w.toml"
    waivers.write_text('[[waiver]]\nid = "x"\nreason = "r"\n')
    result = run("--waivers", str(waivers), "-r", f"json:{waivers}", str(definition),
                 cwd=tmp_path)
    assert_refused(result, marker, "is an input of this run")
    assert waivers.read_text().startswith("[[waiver]]")
