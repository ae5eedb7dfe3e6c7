#!/usr/bin/env python3
"""tstconfig's benchmark: ``python bench/run.py [--quick] [--json] [--runs N]``.

Generates its inputs in a temporary folder (nothing large is committed) and
prints one table: for each workload, the median wall time of several runs,
the peak memory (RSS) of the tstconfig process, and the ratio to a floor
measured in the same run: Python reading and splitting the same input into
lines and fields, with no tstconfig (for start-up, ``python -c "import click"``).

Workloads: start-up (``--version``, and the seed page's netstat case); passwd
(200,000 lines, 2,000 properties: ``syntax etc_passwd``, ``columns 0 6``,
``assert_eq``); a fixed-position table (100,000 rows, 5,000 properties); an
ini file (50,000 keys in 500 sections, 5,000 properties); each of the last
three also at half size, with double input, and with double properties. Then
memory (bench/memory.py): data shaped to cost the most memory per byte, 16 MiB
of each read with ``--max-size 16M``, and 800,000 passwd lines parsed whole, each
with its peak RSS over max_size. ``--quick`` runs small sizes once, to prove the
benchmark works (CI).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import memory

ROOT = Path(__file__).resolve().parents[1]
SEED_NETSTAT = ROOT.parent / "shared" / "compat"


def tstconfig_command() -> list[str]:
    """The tstconfig next to this Python (a venv's), else ``python -m tstconfig_core``."""
    script = Path(sys.executable).with_name("tstconfig")
    return [str(script)] if script.exists() else [sys.executable, "-m", "tstconfig_core"]


def measure(argv: list[str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS in MiB) of one run of ``argv``."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} exited with {code}: {proc.stderr.read().decode()}")
    proc.stderr.close()
    return wall, usage.ru_maxrss / 1024


# -- inputs ------------------------------------------------------------------------------

SHELLS = ["/bin/bash", "/bin/sh", "/usr/sbin/nologin", "/bin/zsh"]


def passwd(folder: Path, lines: int, properties: int) -> tuple[str, str]:
    data = folder / f"passwd-{lines}"
    with data.open("w") as fh:
        for i in range(lines):
            fh.write(f"user{i}:x:{1000 + i}:{1000 + i % 50}:User {i},,,:/home/user{i}:"
                     f"{SHELLS[i % 4]}\n")
    step = max(1, lines // properties)
    checks = "".join(f"property user{i}\nassert_eq {SHELLS[i % 4]}\n"
                     for i in range(0, step * properties, step))
    return (f"file {data}\nsyntax etc_passwd\ncolumns 0 6\n{checks}",
            f"for line in open({str(data)!r}).read().split('\\n'):\n    line.split(':')\n")


POSITIONS = (0, 6, 13, 20, 44, 68, 80)


def fixed(folder: Path, rows: int, properties: int) -> tuple[str, str]:
    data = folder / f"table-{rows}"
    with data.open("w") as fh:
        fh.write("Proto Recv-Q Send-Q Local Address           Foreign Address         State"
                 "       PID/Program name\n")
        for i in range(rows):
            local = f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}:{1024 + i % 60000}"
            fh.write(f"tcp   {i % 7:>6} {0:>6} {local:<23} {'0.0.0.0:*':<23} {'LISTEN':<11} "
                     f"{100 + i % 900}/prog{i % 13}\n")
    step = max(1, rows // properties)
    checks = "".join(
        f"property 10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}:{1024 + i % 60000}\n"
        f"assert_ends_with /prog{i % 13}\n" for i in range(0, step * properties, step))
    floor = (f"p = {POSITIONS!r}\nends = p[1:] + (None,)\n"
             f"for line in open({str(data)!r}).read().split('\\n')[1:]:\n"
             "    [line[a:b].strip() for a, b in zip(p, ends)]\n")
    return (f"file {data}\nparse_mode fixed\npositions {' '.join(map(str, POSITIONS))}\n"
            f"skip_header_lines 1\ncolumns 3 6\n{checks}", floor)


def ini(folder: Path, keys: int, properties: int) -> tuple[str, str]:
    data = folder / f"app-{keys}.ini"
    sections = max(1, keys // 100)
    with data.open("w") as fh:
        for s in range(sections):
            fh.write(f"[section{s}]\n; settings of part {s}\n")
            for k in range(keys // sections):
                fh.write(f"key{k} = value{s}-{k} extra\n")
    step = max(1, keys // properties)
    checks = "".join(f"section section{i // 100}\nproperty key{i % 100}\n"
                     f"assert_eq value{i // 100}-{i % 100} extra\n"
                     for i in range(0, step * properties, step))
    floor = (f"for line in open({str(data)!r}).read().split('\\n'):\n"
             "    if line.startswith('['): continue\n"
             "    key, _, value = line.partition('=')\n    [key.strip(), *value.split()]\n")
    return f"file {data}\nsyntax ini\n{checks}", floor


FAMILIES = {  # name: (make inputs, base input size, base properties)
    "passwd": (passwd, 200_000, 2_000),
    "fixed table": (fixed, 100_000, 5_000),
    "ini": (ini, 50_000, 5_000),
}
SIZES = [("half", 0.5, 0.5), ("base", 1, 1), ("2x input", 2, 1), ("2x properties", 1, 2)]


# -- running -------------------------------------------------------------------------------

@dataclass
class Result:
    workload: str
    size: str
    wall: float
    rss: float
    floor: float
    notes: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.wall / self.floor


def median_of(runs: int, argv: list[str], cwd: Path) -> tuple[float, float]:
    samples = [measure(argv, cwd) for _ in range(runs)]
    return statistics.median(s[0] for s in samples), max(s[1] for s in samples)


def interleaved(runs: int, commands: list[list[str]], cwd: Path) -> list[tuple[float, float]]:
    """(median wall, peak RSS) of each command, run in turns so that drift hits all alike."""
    samples: list[list[tuple[float, float]]] = [[] for _ in commands]
    for _ in range(runs):
        for i, argv in enumerate(commands):
            samples[i].append(measure(argv, cwd))
    return [(statistics.median(w for w, _ in s), max(r for _, r in s)) for s in samples]




def startup(folder: Path, runs: int) -> list[Result]:
    """Start-up: three times the runs, as a run is short and this machine's noise is not."""
    runs *= 3
    tst = tstconfig_command()
    (floor, _), (wall, rss) = interleaved(runs, [[sys.executable, "-c", "import click"],
                                                 [*tst, "--version"]], folder)
    out = [Result("start-up: --version", "", wall, rss, floor)]
    case = SEED_NETSTAT / "cases" / "seed_netstat.tstconfig"
    if not case.exists():  # the seed page's case, written out, reading a recorded table
        (folder / "netstat.txt").write_text((ROOT / "tests" / "fixtures" / "data" /
                                             "netstat-plnt.txt").read_text())
        case = folder / "seed.tstconfig"
        case.write_text("command cat netstat.txt\nparse_mode fixed\n"
                        "positions 0 6 13 20 44 68 80\nskip_header_lines 2\ncolumns 3 6\n"
                        + "".join(f"property {p}\nassert_ends_with /{n}\n" for p, n in (
                            ("0.0.0.0:22", "sshd"), (":::22", "sshd"), (":::80", "apache2"),
                            (":::443", "apache2"))) + "section_size\nassert_eq 4\n"
                        "property 0.0.0.0:25\nassert_undefined\nproperty :::25\nassert_undefined\n")
    cwd = case.parent.parent if case.parent.name == "cases" else folder
    (floor, _), (wall, rss) = interleaved(runs, [[sys.executable, "-c", "import click"],
                                                 [*tst, str(case)]], cwd)
    out.append(Result("start-up: seed netstat case", "7 assertions", wall, rss, floor))
    return out


def family(name: str, folder: Path, runs: int, scale: float) -> list[Result]:
    make, size, properties = FAMILIES[name]
    out = []
    for label, size_factor, prop_factor in SIZES:
        n, p = int(size * scale * size_factor), int(properties * scale * prop_factor)
        definition, floor_code = make(folder, n, p)
        path = folder / f"{name.replace(' ', '-')}-{label.replace(' ', '-')}.tstconfig"
        path.write_text(definition)
        (floor, _), (wall, rss) = interleaved(runs, [
            [sys.executable, "-c", floor_code], [*tstconfig_command(), str(path)]], folder)
        out.append(Result(name, f"{label}: {n:,} x {p:,}", wall, rss, floor))
    base = out[1]
    for result in out[2:]:
        result.notes.append(f"{result.wall / base.wall:.2f}x base")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="small inputs, one run each: proves the benchmark works")
    parser.add_argument("--runs", type=int, default=None,
                        help="runs per measurement (default 5, or 1 with --quick)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args(argv)
    runs = args.runs or (1 if args.quick else 5)
    scale = 0.02 if args.quick else 1.0
    folder = Path(tempfile.mkdtemp(prefix="tstconfig-bench-"))
    try:
        results = startup(folder, runs)
        for name in FAMILIES:
            results += family(name, folder, runs, scale)
        memory_runs = max(1, runs // 2)  # (each takes seconds, and varies little)
        held = memory.workloads(folder, tstconfig_command(), memory_runs,
                                (2 if args.quick else 16) * memory.MiB,
                                int(800_000 * scale))
    finally:
        shutil.rmtree(folder)
    if args.json:
        print(json.dumps([{"workload": r.workload, "size": r.size, "wall_s": round(r.wall, 4),
                           "peak_rss_mib": round(r.rss, 1), "floor_s": round(r.floor, 4),
                           "ratio": round(r.ratio, 2), "notes": r.notes} for r in results]
                         + [{"workload": m.workload, "size": m.size, "max_size": m.max_size,
                             "outcome": m.outcome, "wall_s": round(m.wall, 4),
                             "peak_rss_mib": round(m.rss, 1), "python_rss_mib": m.python,
                             "over_max_size": round(m.ratio, 2)} for m in held], indent=2))
        return 0
    from tabulate import tabulate
    rows = [[r.workload, r.size, f"{r.wall:.3f}", f"{r.rss:.0f}", f"{r.floor:.3f}",
             f"{r.ratio:.2f}", "; ".join(r.notes)] for r in results]
    print(tabulate(rows, headers=["workload", "size (input x properties)", "wall s (median)",
                                  "peak RSS MiB", "floor s", "x floor", "growth"],
                   tablefmt="github", disable_numparse=True))
    print("\nfloor: Python reading the input and splitting it into lines and fields, with no "
          "tstconfig (for start-up: python -c 'import click').")
    print("\n" + memory.table(held, tabulate))
    print(f"\nPython: a run that reads one line peaks at {held[0].python:.0f} MiB. The budget "
          "(docs/security.md) keeps peak - Python under 10 x max_size and about 2 MiB more "
          "(what is made between two looks at it: at --quick's 2 MiB, that shows). Memory "
          f"workloads: {max(1, runs // 2)} run(s) each.")
    print(f"\n{runs} run(s) each; {os.cpu_count()} CPUs; Python {sys.version.split()[0]}; "
          f"tstconfig: {' '.join(tstconfig_command())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
