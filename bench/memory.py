"""The benchmark's memory workloads: data shaped to cost the most memory per byte.

Each is a file of ``size`` bytes read with ``--max-size size``, so the peak RSS,
less what Python and tstconfig take anyway, divided by max_size is the multiple
that docs/security.md ("Memory") promises stays under 10: past the budget a block
stops with an error instead. Then real data parsed whole at the default max_size,
which must never meet the budget. Each run is measured from bench/launch.py, so
the benchmark's own memory is not in its peak; inputs are still written a piece
at a time, to keep the benchmark small.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

from harness import measure

MiB = 1024 * 1024
DEFAULT_MAX_SIZE = 64 * MiB
SIZE_CHECK = "section_size\nassert_gt 0\n"
PASSWD_CHECKS = "syntax etc_passwd\ncolumns 0 6\nproperty user7\nassert_eq /bin/zsh\n" + SIZE_CHECK

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


def write(path: Path, pieces: Iterator[bytes]) -> None:
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


def passwd_text(lines: int) -> Iterator[bytes]:
    shells = ["/bin/bash", "/bin/sh", "/usr/sbin/nologin", "/bin/zsh"]
    for start in range(0, lines, 10_000):
        yield "".join(f"user{i}:x:{1000 + i}:{1000 + i % 50}:User {i},,,:/home/user{i}:"
                      f"{shells[i % 4]}\n" for i in range(start, min(lines, start + 10_000))
                      ).encode()


def _run(argv: list[str], cwd: Path) -> tuple[float, float, str]:
    """(wall s, peak RSS MiB, outcome) of one run: it passes, or stops at the budget."""
    sample = measure(argv, cwd)
    if "memory to hold" in sample.output:
        return sample.wall, sample.rss, "over budget"
    if sample.code != 0:
        raise SystemExit(f"{' '.join(argv)} did not pass:\n{sample.output[-2000:]}")
    return sample.wall, sample.rss, "ran"


def workloads(folder: Path, tstconfig: list[str], runs: int, size: int, passwd_lines: int,
              wanted: Callable[[str], bool] = lambda name: True) -> list[Memory]:
    """Each hostile shape at ``size`` bytes with --max-size ``size``, then a passwd file of
    ``passwd_lines`` lines parsed whole at the default max_size: those whose name is
    ``wanted``."""
    passwd = f"passwd {passwd_lines:,} lines, parsed whole"
    names = [name for name in [*HOSTILE, passwd] if wanted(name)]
    if not names:
        return []
    one = folder / "one.txt"
    one.write_text("ok yes\n")
    (folder / "one.tstconfig").write_text(f"file {one}\nproperty ok\nassert_eq yes\n")
    _run([*tstconfig, "one.tstconfig"], folder)  # not counted: the caches as a host has them
    python = max(_run([*tstconfig, "one.tstconfig"], folder)[1] for _ in range(runs))
    out = []
    for name in names:
        data = folder / "hostile.txt"
        if name == passwd:
            write(data, passwd_text(passwd_lines))
            checks, max_size = PASSWD_CHECKS, DEFAULT_MAX_SIZE
        else:
            unit, checks = HOSTILE[name]
            write(data, _repeated(unit, size))
            max_size = size
        out.append(_measure(name, data, checks, max_size, runs, folder, tstconfig, python))
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
