"""Memory: no input within max_size makes tstconfig hold more than 10 x max_size.

Each hostile shape of data (many tiny lines, many tiny tokens, duplicate keys,
undecodable bytes, wide characters, many sections or columns...) is run through
real tstconfig processes under an address-space limit (RLIMIT_AS), with a small
``--max-size`` so the multiple is tested on a few megabytes. Each run either passes
or stops at a located error saying the data would take too much memory; its peak
RSS stays within Python's own (measured here) plus ``MEMORY_FACTOR`` x max_size.
Before the budget, these shapes took 20 to 230 times max_size (docs/performance.md).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Callable, NamedTuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import third_party_plugins

MiB = 1024 * 1024
MAX_SIZE = 4 * MiB
FACTOR = 10  # memory.MEMORY_FACTOR, as docs/security.md promises it
#: What the estimate may miss, on top of the budget: the chunk of rows made before a
#: look at it, and the allocator's own overhead.
SLACK = 6 * MiB
#: The address space a run may have: Python's own (about 90 MiB of it mapped) and the
#: budget, with room; a run past it gets MemoryError instead of taking the machine.
ADDRESS_SPACE = 256 * MiB
OVER_BUDGET = re.compile(r"^ERROR: (.+?):(\d+): the data of this block would take more "
                         rf"than {FACTOR * MAX_SIZE // MiB} MiB of memory to hold "
                         rf"\({FACTOR} x max_size\): [\d,]+ lines?.*, by an estimate that "
                         "errs high; raise max_size or narrow the source", re.MULTILINE)

# Runs tstconfig as a child it forks (a child's peak RSS counts its parent's from before
# exec, so the parent must be this small process, not pytest), under RLIMIT_AS, and
# prints the child's peak RSS in KiB last.
WRAPPER = """
import os, resource, sys
limit = int(sys.argv[1])
pid = os.fork()
if pid == 0:
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    os.execv(sys.executable, [sys.executable, "-m", "tstconfig_core", *sys.argv[2:]])
_, status, usage = os.wait4(pid, 0)
print("PEAK_RSS_KIB", usage.ru_maxrss)
sys.exit(os.waitstatus_to_exitcode(status))
"""


class Run(NamedTuple):
    code: int
    output: str
    peak: int  # bytes


def run_bounded(*args: str, cwd: Path) -> Run:
    env = dict(os.environ, TSTCONFIG_DISABLE_PLUGINS=third_party_plugins())
    done = subprocess.run([sys.executable, "-c", WRAPPER, str(ADDRESS_SPACE), *args], cwd=cwd,
                          env=env, capture_output=True, text=True, errors="replace",
                          timeout=300)
    output, _, peak = done.stdout.rpartition("PEAK_RSS_KIB ")
    return Run(done.returncode, output + done.stderr, int(peak) * 1024)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> int:
    """The peak RSS of a run that reads one line: what Python and tstconfig take anyway."""
    path = tmp_path_factory.mktemp("base")
    (path / "one.txt").write_text("ok yes\n")
    (path / "one.tstconfig").write_text("file one.txt\nproperty ok\nassert_eq yes\n")
    return max(run_bounded("one.tstconfig", cwd=path).peak for _ in range(2))


def filled(unit: bytes, size: int = MAX_SIZE) -> bytes:
    return unit * (size // len(unit))


def numbered(pattern: bytes, size: int = MAX_SIZE) -> bytes:
    lines, total, i = [], 0, 0
    while total + len(pattern % i) <= size:
        lines.append(pattern % i)
        total += len(lines[-1])
        i += 1
    return b"".join(lines)


class Shape(NamedTuple):
    name: str
    data: Callable[[], bytes]
    checks: str  # the block after its source line


SIZE_CHECK = "section_size\nassert_gt 0\n"
SHAPES = [
    Shape("tiny lines", lambda: filled(b"ab\n"), SIZE_CHECK),
    Shape("CRLF tiny lines", lambda: filled(b"ab\r\n"), SIZE_CHECK),
    Shape("one-character lines", lambda: filled(b"a\n"), SIZE_CHECK),
    Shape("blank lines", lambda: filled(b"\n"), "section_size\nassert_eq 0\n"),
    Shape("tiny tokens, csv", lambda: filled(b"ab," * 99 + b"ab\n"),
          "parse_mode csv\n" + SIZE_CHECK),
    Shape("tiny tokens, one separator", lambda: filled(b"ab," * 99 + b"ab\n"),
          "separator ,\n" + SIZE_CHECK),
    Shape("tiny tokens, one line", lambda: filled(b"ab ")[:-1] + b"\n", SIZE_CHECK),
    Shape("key = value lines", lambda: filled(b"k=v\n"), "syntax ini\n" + SIZE_CHECK),
    Shape("duplicate keys", lambda: filled(b"a 1\n"), "property a\nassert_defined\n"),
    Shape("duplicate keys, unique", lambda: filled(b"a 1\n"),
          "duplicates_policy unique\nproperty a\nassert_eq 1\n"),
    Shape("distinct keys", lambda: numbered(b"k%d v\n"),
          "property k5\nassert_eq v\n" + SIZE_CHECK),
    Shape("undecodable bytes", lambda: filled(b"\xff\n"), SIZE_CHECK),
    Shape("wide characters", lambda: filled("\U0001f600 \ufffd é\n".encode()), SIZE_CHECK),
    Shape("many sections", lambda: numbered(b"[s%d]\n"), "syntax ini\nsection_size\nassert_eq 0\n"),
    Shape("many columns", lambda: filled(b"abcdefgh\n"),
          "parse_mode fixed\npositions " + " ".join(map(str, range(0, 400, 2))) + "\n"
          + SIZE_CHECK),
    Shape("groups inside groups", lambda: filled(b"abcdefgh\n"),
          "parse_mode regex\npattern ((((((((.+))))))))\n" + SIZE_CHECK),
]


def check_bounded(result: Run, definition: str, base: int) -> None:
    """Passed, or stopped at the located memory error; no traceback; within the bound."""
    assert "Traceback" not in result.output and "MemoryError" not in result.output, \
        result.output[-3000:]
    if result.code != 0:
        assert result.code == 2 and OVER_BUDGET.search(result.output), result.output[-3000:]
        assert OVER_BUDGET.search(result.output).group(1) == definition
    assert result.peak <= base + FACTOR * MAX_SIZE + SLACK, (
        f"peak {result.peak / MiB:.0f} MiB, Python itself {base / MiB:.0f} MiB: "
        f"{(result.peak - base) / MAX_SIZE:.1f} x max_size")


@pytest.mark.parametrize("shape", SHAPES, ids=[s.name for s in SHAPES])
def test_hostile_data_stays_within_ten_times_max_size(tmp_path, base, shape):
    (tmp_path / "data.txt").write_bytes(shape.data())
    (tmp_path / "d.tstconfig").write_text(f"file data.txt\n{shape.checks}")
    check_bounded(run_bounded("--max-size", str(MAX_SIZE), "d.tstconfig", cwd=tmp_path),
                  "d.tstconfig", base)


def test_command_output_too(tmp_path, base):
    """A command's output is cut into lines within the budget as a file's is."""
    (tmp_path / "data.txt").write_bytes(filled(b"ab\n"))
    (tmp_path / "d.tstconfig").write_text(f"command cat data.txt\n{SIZE_CHECK}")
    result = run_bounded("--max-size", str(MAX_SIZE), "d.tstconfig", cwd=tmp_path)
    check_bounded(result, "d.tstconfig", base)
    assert result.code == 2  # 1,398,101 lines of "ab": about 100 MiB as Python strings


def test_the_max_size_directive_sets_the_budget(tmp_path, base):
    """The budget follows the block's max_size, and the error says how to get past it."""
    (tmp_path / "data.txt").write_bytes(filled(b"ab\n", MiB))
    (tmp_path / "d.tstconfig").write_text(
        f"file data.txt\nmax_size 1M\n{SIZE_CHECK}"
        f"file data.txt\nmax_size 64M\n{SIZE_CHECK}")
    result = run_bounded("d.tstconfig", cwd=tmp_path)
    assert "d.tstconfig:1: the data of this block would take more than 10 MiB" in result.output
    assert "Assertions passed: 1" in result.output, result.output
    assert result.peak <= base + FACTOR * 64 * MiB


@pytest.mark.parametrize("name, line, checks", [
    ("passwd", "user{i}:x:{uid}:{gid}:User {i},,,:/home/user{i}:/bin/bash\n",
     "syntax etc_passwd\ncolumns 0 6\nproperty user7\nassert_eq /bin/bash\n" + SIZE_CHECK),
    ("/proc/net/tcp", "  {i}: 0100007F:{port:04X} 00000000:0000 0A 00000000:00000000 "
     "00:00000000 00000000     0        0 {uid} 1 0000000000000000 100 0 0 10 0\n",
     "property 7:\nassert_defined\n" + SIZE_CHECK),
    ("ini", "key{i} = value{i} extra\n", "syntax ini\nproperty key7\nassert_eq value7 extra\n"
     + SIZE_CHECK),
    ("netstat", "tcp   {gid:>6} {port:>6} 10.0.0.1:{port:<13} 0.0.0.0:*               "
     "LISTEN      {uid}/prog{gid}\n",
     "parse_mode fixed\npositions 0 6 13 20 44 68 80\n" + SIZE_CHECK),
])
def test_real_data_never_meets_the_budget(tmp_path, base, name, line, checks):
    """Files of real shapes, 2/3 of max_size each and parsed whole (held as Python
    objects, they take 6 to 8 times their size): no budget error, and within the bound.
    (A guard that the budget is not too tight: this held before.)"""
    text, size, i = [], 0, 0
    while size < MAX_SIZE * 2 // 3:
        text.append(line.format(i=i, uid=1000 + i, gid=i % 50, port=i % 65536))
        size, i = size + len(text[-1]), i + 1
    (tmp_path / "data.txt").write_text("".join(text))
    (tmp_path / "d.tstconfig").write_text(f"file data.txt\n{checks}")
    result = run_bounded("--max-size", str(MAX_SIZE), "d.tstconfig", cwd=tmp_path)
    assert result.code == 0 and "memory to hold" not in result.output, result.output[-2000:]
    check_bounded(result, "d.tstconfig", base)


LINE_KINDS = st.sampled_from([b"", b"a", b"ab", b"a b", b"a,b,c", b"\xff", b"\xe2\x82", b"k=v",
                              b"[s]", "\U0001f600".encode(), b" \t", b"# c", b"\r"])


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(kinds=st.lists(LINE_KINDS, min_size=1, max_size=6),
       mode=st.sampled_from(["", "separator ,\n", "parse_mode csv\n", "syntax ini\n",
                             "parse_mode fixed\npositions 0 1 2\n"]))
def test_any_mix_of_tiny_lines_stays_within_the_bound(tmp_path_factory, base, kinds, mode):
    folder = tmp_path_factory.mktemp("mix")
    unit = b"\n".join(kinds) + b"\n"
    (folder / "data.txt").write_bytes(filled(unit))
    (folder / "d.tstconfig").write_text(f"file data.txt\n{mode}section_size\nassert_ge 0\n")
    check_bounded(run_bounded("--max-size", str(MAX_SIZE), "d.tstconfig", cwd=folder),
                  "d.tstconfig", base)
