"""Measuring runs for the benchmark: one run from bench/launch.py, runs in turns, results.

A run is measured from the launcher, a small process of its own, so its peak RSS
is its own and not the benchmark's (see launch.py). Measured this way, on this
machine: ``python -c pass`` 10.4 MiB (``/usr/bin/time -f %M``: 10.5 MiB), where
``wait4`` straight from a benchmark of 52 MiB read 52.5 MiB. The launcher's own
share is about 5 MiB (``/bin/true`` reads 5.2 MiB), below any Python run.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import NamedTuple

LAUNCHER = Path(__file__).with_name("launch.py")
_environment: dict[str, str] | None = None  # of every run measured (None: the benchmark's)


def cache_bytecode_in(folder: Path) -> None:
    """Let the runs keep their compiled bytecode in ``folder``, as an installed tstconfig has
    it: with PYTHONDONTWRITEBYTECODE set (as in a development shell), each run compiles
    again every module edited since its .pyc was written (60 ms a run, measured, while the
    engine was being changed). The project's own __pycache__ folders are left alone."""
    global _environment
    _environment = {name: value for name, value in os.environ.items()
                    if name != "PYTHONDONTWRITEBYTECODE"}
    _environment["PYTHONPYCACHEPREFIX"] = str(folder)


def tstconfig_command() -> list[str]:
    """The tstconfig next to this Python (a venv's), else ``python -m tstconfig_core``."""
    script = Path(sys.executable).with_name("tstconfig")
    return [str(script)] if script.exists() else [sys.executable, "-m", "tstconfig_core"]


class Sample(NamedTuple):
    wall: float    # seconds, from the fork to the end of the wait
    rss: float     # peak, MiB
    code: int      # exit code (negative: the signal that ended it)
    output: str    # its stdout and stderr together


def measure(argv: list[str], cwd: Path, env: Mapping[str, str] | None = None) -> Sample:
    """Run ``argv`` in ``cwd`` from the launcher and return what it measured; ``env`` adds
    to the environment of the runs."""
    environment = {**(_environment or os.environ), **(env or {})}
    done = subprocess.run([sys.executable, "-S", "-I", str(LAUNCHER), *argv], cwd=cwd,
                          env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          check=False)
    output = done.stderr.decode(errors="replace")
    try:
        wall, rss_kib, code = done.stdout.split()
    except ValueError:
        raise SystemExit(f"bench/launch.py failed on {' '.join(argv)}:\n{output[-2000:]}") from None
    return Sample(float(wall), int(rss_kib) / 1024, int(code), output)


Run = Callable[[], Sample]


def command(argv: list[str], cwd: Path, env: Mapping[str, str] | None = None) -> Run:
    """A run of ``argv`` in ``cwd``, to give to :func:`interleaved`."""
    return partial(measure, argv, cwd, env)


class Timing(NamedTuple):
    wall: float    # median seconds
    rss: float     # the highest peak, MiB


def interleaved(runs: int, commands: list[Run]) -> list[Timing]:
    """The timing of each command, run in turns so that drift hits all alike.

    Of several runs, a first round is not counted: the caches (bytecode, the
    entry-point index, the files read) are then as a host that runs tstconfig
    often has them. A command must pass or fail its assertions (exit 0 or 1): any
    other exit stops the benchmark with its output.
    """
    samples: list[list[Sample]] = [[] for _ in commands]
    for round_ in range(runs + 1 if runs > 1 else runs):
        for run, taken in zip(commands, samples):
            sample = run()
            if sample.code not in (0, 1):
                raise SystemExit(f"a run exited with {sample.code}:\n{sample.output[-2000:]}")
            if round_ or runs == 1:
                taken.append(sample)
    return [Timing(statistics.median(s.wall for s in taken), max(s.rss for s in taken))
            for taken in samples]


class Goal(NamedTuple):
    """A target for a workload: each limit given must hold."""

    time: float | None = None    # at most this many times the floor's time
    rss: float | None = None     # at most this many times the floor's peak RSS
    wall: float | None = None    # at most this many seconds

    def __str__(self) -> str:
        limits = [f"time <= {self.time:g}x floor" if self.time else "",
                  f"RSS <= {self.rss:g}x floor RSS" if self.rss else "",
                  f"wall < {self.wall:g} s" if self.wall else ""]
        return ", ".join(limit for limit in limits if limit)

    def met(self, result: Result) -> bool:
        rss = result.rss_ratio
        return ((self.time is None or result.ratio <= self.time)
                and (self.rss is None or (rss is not None and rss <= self.rss))
                and (self.wall is None or result.wall < self.wall))


@dataclass
class Result:
    """One row of the table: a workload against its floor, measured in the same runs."""

    workload: str
    size: str
    wall: float
    rss: float | None          # peak MiB (None: not a process, e.g. a difference of two)
    floor: float
    floor_rss: float | None
    floor_what: str            # what the floor is, for the legend
    goal: Goal | None = None
    notes: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, workload: str, size: str, timing: Timing, floor: Timing, floor_what: str,
           goal: Goal | None = None) -> Result:
        return cls(workload, size, timing.wall, timing.rss, floor.wall, floor.rss, floor_what,
                   goal)

    @property
    def ratio(self) -> float:
        return self.wall / self.floor

    @property
    def rss_ratio(self) -> float | None:
        return self.rss / self.floor_rss if self.rss and self.floor_rss else None

    @property
    def met(self) -> bool | None:
        return self.goal.met(self) if self.goal else None
