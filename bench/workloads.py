"""The benchmark's workloads with goals of their own, each against a floor run in turns.

- passwd streamed: 800,000 lines x 2,000 properties, against Python reading the
  file a line at a time and keeping only the wanted lines (what a source read as
  a stream could hold);
- 100 command blocks: what starting a program costs per block, against
  ``subprocess.run`` from Python;
- 20,000 properties: passwd 200,000 lines, against the task written by hand
  (a dict of the rows, and the 20,000 values compared);
- python -m from a new folder: start-up when ``sys.path[0]`` is new each time.

The parse modes are in modes.py.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from harness import Goal, Result, Run, Sample, command, interleaved, measure, tstconfig_command
from memory import passwd_text, write

SHELLS = ["/bin/bash", "/bin/sh", "/usr/sbin/nologin", "/bin/zsh"]  # (as memory.passwd_text)
CLICK = "python -c 'import click'"


def _passwd(folder: Path, lines: int, properties: int) -> tuple[Path, Path, int]:
    """(the data, the definition, the step between the users it checks)."""
    data = folder / f"passwd-{lines}"
    if not data.exists():
        write(data, passwd_text(lines))
    step = max(1, lines // properties)
    definition = folder / f"passwd-{lines}x{properties}.tstconfig"
    checks = "".join(f"property user{i}\nassert_eq {SHELLS[i % 4]}\n"
                     for i in range(0, step * properties, step))
    definition.write_text(f"file {data}\nsyntax etc_passwd\ncolumns 0 6\n{checks}")
    return data, definition, step


def passwd_streamed(folder: Path, runs: int, scale: float) -> list[Result]:
    lines, properties = int(800_000 * scale), max(1, int(2_000 * scale))
    data, definition, step = _passwd(folder, lines, properties)
    floor = (f"wanted = {{f'user{{i}}' for i in range(0, {step * properties}, {step})}}\n"
             "rows = []\n"
             f"with open({str(data)!r}) as fh:\n"
             "    for line in fh:\n"
             "        if line.partition(':')[0] in wanted:\n"
             "            rows.append(line.rstrip('\\n').split(':'))\n")
    floor_timing, timing = interleaved(runs, [
        command([sys.executable, "-c", floor], folder),
        command([*tstconfig_command(), str(definition)], folder)])
    return [Result.of("passwd streamed", f"{lines:,} x {properties:,}", timing, floor_timing,
                      "Python reading the file a line at a time, keeping and splitting only "
                      "the wanted lines (a set of keys)", Goal(time=1.1, rss=2))]


def twenty_thousand(folder: Path, runs: int, scale: float) -> list[Result]:
    lines, properties = int(200_000 * scale), max(1, int(20_000 * scale))
    data, definition, step = _passwd(folder, lines, properties)
    floor = (f"shells = {SHELLS!r}\n"
             f"expected = [(f'user{{i}}', shells[i % 4]) for i in range(0, {step * properties},"
             f" {step})]\n"
             "rows = {}\n"
             f"for line in open({str(data)!r}).read().split('\\n'):\n"
             "    if line:\n"
             "        fields = line.split(':')\n"
             "        rows[fields[0]] = fields\n"
             "failed = [key for key, shell in expected\n"
             "          if key not in rows or rows[key][6] != shell]\n")
    floor_timing, timing = interleaved(runs, [
        command([sys.executable, "-c", floor], folder),
        command([*tstconfig_command(), str(definition)], folder)])
    return [Result.of("20,000 properties", f"passwd {lines:,} x {properties:,}", timing,
                      floor_timing, "the task by hand: Python splitting every line, a dict of "
                      "key -> row, the values compared", Goal(time=1.3))]


NETSTAT = """\
Active Internet connections (only servers)
Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name
tcp        0      0 0.0.0.0:22              0.0.0.0:*               LISTEN      876/sshd
tcp        0      0 127.0.0.1:25            0.0.0.0:*               LISTEN      4435/master
tcp        0      0 127.0.0.1:631           0.0.0.0:*               LISTEN      912/cupsd
tcp        0      0 0.0.0.0:5432            0.0.0.0:*               LISTEN      1201/postgres
tcp6       0      0 :::80                   :::*                    LISTEN      3076/apache2
tcp6       0      0 :::22                   :::*                    LISTEN      876/sshd
tcp6       0      0 :::443                  :::*                    LISTEN      3076/apache2
tcp6       0      0 ::1:25                  :::*                    LISTEN      4435/master
"""


def command_blocks(folder: Path, runs: int, scale: float) -> list[Result]:
    """100 blocks of ``command cat FILE``, against the same with ``file FILE`` and Python.

    The whole run's ratio is to Python running cat 100 times. What the blocks
    themselves cost is the difference of the two definitions, against the
    difference of Python running cat 100 times and not at all: the per-block
    marginal ratio, the goal's.
    """
    blocks = 100 if scale >= 1 else 10
    table = folder / "netstat.txt"
    table.write_text(NETSTAT)
    checks = "property tcp\nassert_defined\n\n"
    commands, files = folder / "commands.tstconfig", folder / "files.tstconfig"
    commands.write_text(f"command cat {table}\n{checks}" * blocks)
    files.write_text(f"file {table}\n{checks}" * blocks)
    spawn = (f"import subprocess\nfor _ in range({blocks}):\n"
             f"    out = subprocess.run(['cat', {str(table)!r}], capture_output=True).stdout\n"
             "    [line.split() for line in out.decode().splitlines()]\n")
    floor, no_runs, by_command, by_file = interleaved(runs, [
        command([sys.executable, "-c", spawn], folder),
        command([sys.executable, "-c", "import subprocess"], folder),
        command([*tstconfig_command(), str(commands)], folder),
        command([*tstconfig_command(), str(files)], folder)])
    spawn_what = f"Python running cat {blocks} times with subprocess.run"
    marginal = Result(f"{blocks} command blocks: per block (marginal)",
                      f"(command - file) / ({blocks} spawns - none)",
                      by_command.wall - by_file.wall, None, floor.wall - no_runs.wall, None,
                      f"{spawn_what}, less Python importing subprocess alone",
                      Goal(time=1.15))
    return [Result.of(f"{blocks} command blocks", f"{blocks} x command cat, 1 property",
                      by_command, floor, spawn_what),
            Result.of(f"{blocks} command blocks: with file", f"{blocks} x file, 1 property",
                      by_file, no_runs, "Python importing subprocess, no runs"),
            marginal]


def new_folder(folder: Path, runs: int, scale: float) -> list[Result]:
    """``python -m tstconfig_core`` from a new folder each run (``sys.path[0]`` is new), and
    tstconfig run as usual, against ``import click``: ``--version``, then one check (the
    check reads the entry-point index; ``--version`` does not).

    Start-up runs three times as often, as in run.py. The runs from a new folder keep
    the entry-point index in a cache folder of their own: the index records
    ``sys.path``, and their rebuilding it must not make the usual runs rebuild it too.
    """
    runs *= 3
    data = folder / "one-check.txt"
    data.write_text("ok yes\n")
    check = folder / "one-check.tstconfig"
    check.write_text(f"file {data}\nproperty ok\nassert_eq yes\n")
    env = {"XDG_CACHE_HOME": str(folder / "cache-of-new-folders")}
    module = [sys.executable, "-m", "tstconfig_core"]
    commands = [command([sys.executable, "-c", "import click"], folder),
                _from_new_folder([*module, "--version"], folder, env),
                command([*tstconfig_command(), "--version"], folder),
                _from_new_folder([*module, str(check)], folder, env),
                command([*tstconfig_command(), str(check)], folder)]
    click, version_m, version, check_m, check_usual = interleaved(runs, commands)
    name = "start-up: python -m from a new folder"
    out = [Result.of(name, "--version", version_m, click, CLICK, Goal(time=1.2)),
           Result.of("start-up: --version, as usual", "(the same runs)", version, click, CLICK,
                     Goal(time=1.2)),
           Result.of(name, "one check", check_m, click, CLICK),
           Result.of("start-up: one check, as usual", "(the same runs)", check_usual, click,
                     CLICK)]
    for new, usual in ((out[0], out[1]), (out[2], out[3])):
        new.notes.append(f"{new.wall / usual.wall:.2f}x as usual")
    return out


def _from_new_folder(argv: list[str], parent: Path, env: dict[str, str]) -> Run:
    def run() -> Sample:
        return measure(argv, Path(tempfile.mkdtemp(prefix="cwd-", dir=parent)), env)
    return run


#: name: measure it (folder, runs, scale); each name is what --only matches
WORKLOADS = {
    "passwd streamed": passwd_streamed,
    "command blocks": command_blocks,
    "20,000 properties": twenty_thousand,
    "start-up: python -m from a new folder": new_folder,
}
