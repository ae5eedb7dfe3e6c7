#!/usr/bin/env python3
"""tstconfig's benchmark: ``python bench/run.py [--quick] [--json] [--runs N]``.

Generates its inputs in a temporary folder (nothing large is committed) and
prints a table: for each workload, the median wall time of several runs, the
peak memory (RSS) of the tstconfig process, and both against a floor measured
in the same runs: Python reading and splitting the same input into lines and
fields, with no tstconfig (for start-up, ``python -c "import click"``); and the
workload's goal, when it has one, and whether it is met.

Workloads: start-up (``--version``, and the seed page's netstat case); passwd
(200,000 lines, 2,000 properties: ``syntax etc_passwd``, ``columns 0 6``,
``assert_eq``); a fixed-position table (100,000 rows, 5,000 properties); an
ini file (50,000 keys in 500 sections, 5,000 properties); each of the last
three also at half size, with double input, and with double properties. And
memory (bench/memory.py): data shaped to cost the most memory per byte, 16 MiB
of each read with ``--max-size 16M``, and 800,000 passwd lines parsed whole, each
with its peak RSS over max_size. ``--quick`` runs small sizes once, to prove the
benchmark works (CI).

Then the workloads with goals of their own (workloads.py: 800,000 passwd lines
against a streamed floor, 100 command blocks, 20,000 properties, ``python -m``
from a new folder) and one per parse mode and syntax (modes.py); the memory table
comes last. ``--only TEXT`` (repeatable) runs only the workloads whose name holds
TEXT. Every run is measured from a small launcher (launch.py), so its peak RSS is
its own, the floors' too.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

import memory
import modes
import workloads
from harness import Goal, Result, cache_bytecode_in, command, interleaved, tstconfig_command

ROOT = Path(__file__).resolve().parents[1]
SEED_NETSTAT = ROOT.parent / "shared" / "compat"


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

CLICK = "python -c 'import click'"
SPLIT = "Python reading the input and splitting it into lines and fields"


def startup(folder: Path, runs: int) -> list[Result]:
    """Start-up: three times the runs, as a run is short and this machine's noise is not."""
    runs *= 3
    tst = tstconfig_command()
    click = command([sys.executable, "-c", "import click"], folder)
    floor, version = interleaved(runs, [click, command([*tst, "--version"], folder)])
    out = [Result.of("start-up: --version", "", version, floor, CLICK, Goal(time=1.2))]
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
    floor, seed = interleaved(runs, [command([sys.executable, "-c", "import click"], cwd),
                                     command([*tst, str(case)], cwd)])
    out.append(Result.of("start-up: seed netstat case", "7 assertions", seed, floor, CLICK,
                         Goal(wall=0.1)))
    return out


def family(name: str, folder: Path, runs: int, scale: float) -> list[Result]:
    make, size, properties = FAMILIES[name]
    out = []
    for label, size_factor, prop_factor in SIZES:
        n, p = int(size * scale * size_factor), int(properties * scale * prop_factor)
        definition, floor_code = make(folder, n, p)
        path = folder / f"{name.replace(' ', '-')}-{label.replace(' ', '-')}.tstconfig"
        path.write_text(definition)
        floor, timing = interleaved(runs, [command([sys.executable, "-c", floor_code], folder),
                                           command([*tstconfig_command(), str(path)], folder)])
        goal = Goal(time=3) if (name, label) == ("passwd", "base") else None
        out.append(Result.of(name, f"{label}: {n:,} x {p:,}", timing, floor, SPLIT, goal))
    base = out[1]
    for result in out[2:]:
        result.notes.append(f"{result.wall / base.wall:.2f}x base (goal <= 2.2x)")
    return out


#: each group of workloads measured together: (its name, for --only; measure it)
Measure = Callable[[Path, int, float], list[Result]]
GROUPS: list[tuple[str, Measure]] = [
    ("start-up: --version, seed netstat case", lambda folder, runs, scale: startup(folder, runs)),
    *((name, partial(family, name)) for name in FAMILIES),
    *workloads.WORKLOADS.items(),
    *((name, partial(modes.parse_mode, name)) for name in modes.MODES),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="small inputs, one run each: proves the benchmark works")
    parser.add_argument("--runs", type=int, default=None,
                        help="runs per measurement (default 5, or 1 with --quick)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--only", metavar="TEXT", action="append", default=[],
                        help="only the workloads whose name holds TEXT (any case; repeat it for "
                             "more); the memory workloads' names start with 'memory: '")
    args = parser.parse_args(argv)
    runs = args.runs or (1 if args.quick else 5)
    scale = 0.02 if args.quick else 1.0

    def wanted(name: str) -> bool:
        return not args.only or any(text.lower() in name.lower() for text in args.only)

    folder = Path(tempfile.mkdtemp(prefix="tstconfig-bench-"))
    cache_bytecode_in(folder / "bytecode")
    try:
        results: list[Result] = []
        for name, measure_group in GROUPS:
            if wanted(name):
                results += measure_group(folder, runs, scale)
        memory_runs = max(1, runs // 2)  # (each takes seconds, and varies little)
        held = memory.workloads(folder, tstconfig_command(), memory_runs,
                                (2 if args.quick else 16) * memory.MiB,
                                int(800_000 * scale), lambda name: wanted(f"memory: {name}"))
    finally:
        shutil.rmtree(folder)
    if args.json:
        print(json.dumps([_as_json(r) for r in results] + [_memory_as_json(m) for m in held],
                         indent=2))
        return 0
    if not results and not held:
        print(f"no workload's name holds any of {args.only}", file=sys.stderr)
        return 2
    from tabulate import tabulate
    if results:
        print(_table(results, tabulate))
    if held:
        print("\n" + memory.table(held, tabulate))
        print(f"\nPython: a run that reads one line peaks at {held[0].python:.0f} MiB. The "
              "budget (docs/security.md) keeps peak - Python under 10 x max_size and about "
              "2 MiB more (what is made between two looks at it: at --quick's 2 MiB, that "
              f"shows). Memory workloads: {memory_runs} run(s) each.")
    print(f"\n{runs} run(s) each (start-up: {3 * runs}); {os.cpu_count()} CPUs; Python "
          f"{sys.version.split()[0]}; tstconfig: {' '.join(tstconfig_command())}; peak RSS "
          "from wait4, measured from a small launcher (bench/launch.py)")
    return 0


def _table(results: list[Result], render: Callable[..., str]) -> str:
    def number(value: float | None, digits: int) -> str:
        return "" if value is None else f"{value:.{digits}f}"

    rows = [[r.workload, r.size, f"{r.wall:.3f}", number(r.rss, 0), f"{r.floor:.3f}",
             number(r.floor_rss, 0), f"{r.ratio:.2f}", number(r.rss_ratio, 2),
             str(r.goal or ""), {True: "yes", False: "NO", None: ""}[r.met], "; ".join(r.notes)]
            for r in results]
    table = render(rows, headers=["workload", "size", "wall s (median)", "peak RSS MiB",
                                  "floor s", "floor RSS MiB", "time x floor", "RSS x floor",
                                  "goal", "met", "notes"],
                   tablefmt="github", disable_numparse=True)
    floors: dict[str, str] = {}
    for r in results:
        floors.setdefault(r.floor_what, r.workload)
    legend = "".join(f"\n- {workload}: {what}" for what, workload in floors.items())
    return f"{table}\n\nFloors, each named by the first workload measured against it:{legend}"


def _as_json(r: Result) -> dict[str, object]:
    def rounded(value: float | None, digits: int) -> float | None:
        return None if value is None else round(value, digits)

    return {"workload": r.workload, "size": r.size, "wall_s": round(r.wall, 4),
            "peak_rss_mib": rounded(r.rss, 1), "floor": r.floor_what,
            "floor_s": round(r.floor, 4), "floor_rss_mib": rounded(r.floor_rss, 1),
            "ratio": round(r.ratio, 3), "rss_ratio": rounded(r.rss_ratio, 3),
            "goal": str(r.goal) if r.goal else None,
            "goal_limits": r.goal._asdict() if r.goal else None, "met": r.met,
            "notes": r.notes}


def _memory_as_json(m: memory.Memory) -> dict[str, object]:
    return {"workload": m.workload, "size": m.size, "max_size": m.max_size,
            "outcome": m.outcome, "wall_s": round(m.wall, 4), "peak_rss_mib": round(m.rss, 1),
            "python_rss_mib": m.python, "over_max_size": round(m.ratio, 2)}


if __name__ == "__main__":
    sys.exit(main())
