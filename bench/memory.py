"""The benchmark's memory workloads: data shaped to cost the most memory per byte.

Each is a file of ``size`` bytes read with ``--max-size size``, so the peak RSS,
less what Python and tstconfig take anyway, divided by max_size is the multiple
that docs/security.md ("Memory") promises stays under 10: past the budget a block
stops with an error instead. Then real data parsed whole at the default max_size,
which must never meet the budget. Inputs are written a piece at a time: the
benchmark's own memory counts in its children's peak (fork copies it).
"""
from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

MiB = 1024 * 1024
DEFAULT_MAX_SIZE = 64 * MiB
SIZE_CHECK = "section_size\nassert_gt 0\n"

#: name: (a unit of the data, repeated up to the size; the block after its source line)
HOSTILE: dict[str, tuple[bytes, str]] = {
    "many tiny lines": (b"ab\n", SIZE_CHECK),
    "many tiny tokens (csv)": (b"ab," * 99 + b"ab\n", "parse_mode csv\n" + SIZE_CHECK),
    "one line of tiny tokens": (b"ab ", SIZE_CHECK),
    "duplicate keys": (b"a 1\n", "property a\nassert_defined\n"),
    "undecodable bytes": (b"\xff\n", SIZE_CHECK),
    "wide characters": ("\U0001f600 \ufffd \u00e9\n".encode(), SIZE_CHECK),
}


class Memory(NamedTuple):
    workload: str
    size: int        # bytes of data
    max_size: int
    outcome: str     # "ran" or "over budget"
    wall: float
    rss: float       # peak, MiB
    python: float    # what a run of one line peaks at, MiB

    @property
    def ratio(self) -> float:
        """(peak - Python's own) / max_size: the multiple the budget bounds."""
        return (self.rss - self.python) * MiB / self.max_size


def _write(path: Path, pieces: Iterator[bytes]) -> None:
    with path.open("wb") as fh:
        for piece in pieces:
            fh.write(piece)


def _repeated(unit: bytes, size: int) -> Iterator[bytes]:
    """``unit`` repeated, and a newline: ``size`` bytes at most."""
    block = unit * max(1, MiB // len(unit))
    whole, rest = divmod((size - 1) // len(unit) * len(unit), len(block))
    for _ in range(whole):
        yield block
    yield unit * (rest // len(unit)) + b"\n"


def _passwd(lines: int) -> Iterator[bytes]:
    shells = ["/bin/bash", "/bin/sh", "/usr/sbin/nologin", "/bin/zsh"]
    for start in range(0, lines, 10_000):
        yield "".join(f"user{i}:x:{1000 + i}:{1000 + i % 50}:User {i},,,:/home/user{i}:"
                      f"{shells[i % 4]}\n" for i in range(start, min(lines, start + 10_000))
                      ).encode()


def _run(argv: list[str], cwd: Path) -> tuple[float, float, str]:
    """(wall s, peak RSS MiB, outcome) of one run: it passes, or stops at the budget."""
    out = cwd / "memory.out"
    started = time.perf_counter()
    with out.open("wb") as fh:
        proc = subprocess.Popen(argv, cwd=cwd, stdout=fh, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    text = out.read_text(errors="replace")
    if "memory to hold" in text:
        return wall, usage.ru_maxrss / 1024, "over budget"
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} did not pass:\n{text[-2000:]}")
    return wall, usage.ru_maxrss / 1024, "ran"


def workloads(folder: Path, tstconfig: list[str], runs: int, size: int,
              passwd_lines: int) -> list[Memory]:
    """Each hostile shape at ``size`` bytes with --max-size ``size``, then a passwd file of
    ``passwd_lines`` lines parsed whole at the default max_size."""
    one = folder / "one.txt"
    one.write_text("ok yes\n")
    (folder / "one.tstconfig").write_text(f"file {one}\nproperty ok\nassert_eq yes\n")
    python = max(_run([*tstconfig, "one.tstconfig"], folder)[1] for _ in range(runs))
    out = []
    for name, (unit, checks) in HOSTILE.items():
        data = folder / "hostile.txt"
        _write(data, _repeated(unit, size))
        out.append(_measure(name, data, checks, size, runs, folder, tstconfig, python))
    data = folder / "passwd-whole"
    _write(data, _passwd(passwd_lines))
    checks = "syntax etc_passwd\ncolumns 0 6\nproperty user7\nassert_eq /bin/zsh\n" + SIZE_CHECK
    out.append(_measure(f"passwd {passwd_lines:,} lines, parsed whole", data, checks,
                        DEFAULT_MAX_SIZE, runs, folder, tstconfig, python))
    return out


def _measure(name: str, data: Path, checks: str, max_size: int, runs: int, folder: Path,
             tstconfig: list[str], python: float) -> Memory:
    definition = folder / "memory.tstconfig"
    definition.write_text(f"file {data}\n{checks}")
    samples = [_run([*tstconfig, "--max-size", str(max_size), str(definition)], folder)
               for _ in range(runs)]
    walls = sorted(s[0] for s in samples)
    return Memory(name, data.stat().st_size, max_size, samples[-1][2], walls[len(walls) // 2],
                  max(s[1] for s in samples), python)


def table(results: list[Memory], render: Callable[..., str]) -> str:
    rows = [[m.workload, f"{m.size / MiB:.1f}", f"{m.max_size / MiB:.0f}", m.outcome,
             f"{m.wall:.2f}", f"{m.rss:.0f}", f"{m.ratio:.1f}"] for m in results]
    return render(rows, headers=["memory workload", "data MiB", "max_size MiB", "outcome",
                                 "wall s (median)", "peak RSS MiB",
                                 "(peak - Python) / max_size"],
                  tablefmt="github", disable_numparse=True)
