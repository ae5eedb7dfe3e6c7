"""A workload per built-in parse mode and syntax family, each against its floor.

The floor is plain Python reading the same file and splitting each line as the
mode does (csv: the csv module; regex: the same pattern; table: on runs of
spaces; a sectioned format: tracking the section, by hand), holding the rows.
Sizes are chosen so that a run takes a few tenths of a second at base here.
Goal: within 2x the floor.
"""
from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from harness import Goal, Result, command, interleaved, tstconfig_command
from memory import write

GOAL = Goal(time=2)
#: (the data, the block after its ``file`` line, the floor's Python code): about ``lines``
#: lines (or items) checked by ``properties`` properties, written in ``folder``
Make = Callable[[Path, int, int], tuple[Path, str, str]]


def _write_lines(path: Path, count: int, line: Callable[[int], str], head: str = "") -> None:
    def pieces() -> Iterator[bytes]:
        yield head.encode()
        for start in range(0, count, 10_000):
            yield "".join(map(line, range(start, min(count, start + 10_000)))).encode()
    write(path, pieces())


def _picked(count: int, properties: int) -> range:
    """The ``properties`` items checked, spread over ``count``."""
    step = max(1, count // properties)
    return range(0, step * properties, step)


def _lines_of(data: Path) -> str:
    """The floor's first lines: the file read and cut into lines."""
    return f"lines = open({str(data)!r}).read().split('\\n')\n"


def _line_count(data: Path) -> int:
    with data.open("rb") as fh:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))


def _ip(i: int) -> str:
    return f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}"


# -- a row per line ---------------------------------------------------------------------

def _tokenized(folder: Path, lines: int, properties: int) -> tuple[Path, str, str]:
    data = folder / "services.txt"
    _write_lines(data, lines, lambda i: f"svc{i}\t{1024 + i % 60000}/tcp\t\talias{i} x{i % 10}\n")
    checks = "".join(f"property svc{i}\nassert_eq {1024 + i % 60000}/tcp alias{i} x{i % 10}\n"
                     for i in _picked(lines, properties))
    return data, checks, _lines_of(data) + "rows = [line.split() for line in lines]\n"


LSBLK = (0, 12, 20, 23, 30, 33, 38)  # NAME MAJ:MIN RM SIZE RO TYPE MOUNTPOINT


def _fixed(folder: Path, lines: int, properties: int) -> tuple[Path, str, str]:
    data = folder / "lsblk.txt"
    _write_lines(data, lines,
                 lambda i: f"{f'disk{i}':<12}{f'8:{i % 256}':<8}{i % 2:<3}{f'{i % 900 + 1}G':>6} "
                           f"{0:<2} {'part':<5}/mnt/d{i}\n",
                 head=f"{'NAME':<12}{'MAJ:MIN':<8}{'RM':<3}{'SIZE':>6} {'RO':<2} {'TYPE':<5}"
                      "MOUNTPOINT\n")
    checks = "".join(f"property disk{i}\nassert_eq /mnt/d{i}\n" for i in _picked(lines, properties))
    return (data, f"parse_mode fixed\npositions {' '.join(map(str, LSBLK))}\n"
            f"skip_header_lines 1\ncolumns 0 6\n{checks}",
            _lines_of(data) + f"p = {LSBLK!r}\nends = p[1:] + (None,)\n"
            "rows = [[line[a:b].strip() for a, b in zip(p, ends)] for line in lines[1:]]\n")


def _netstat_line(i: int) -> str:
    local = f"{_ip(i)}:{1024 + i % 60000}"
    return (f"tcp   {i % 7:>6} {0:>6} {local:<23} {'0.0.0.0:*':<23} {'LISTEN':<11} "
            f"{100 + i % 900}/prog{i % 13}\n")


def _table(folder: Path, lines: int, properties: int) -> tuple[Path, str, str]:
    data = folder / "netstat-table.txt"
    _write_lines(data, lines, _netstat_line,
                 head="Proto Recv-Q Send-Q Local Address           Foreign Address         "
                      "State       PID/Program name\n")
    checks = "".join(f"property {_ip(i)}:{1024 + i % 60000}\nassert_ends_with /prog{i % 13}\n"
                     for i in _picked(lines, properties))
    return (data, f'parse_mode table\ncolumns "Local Address" "PID/Program name"\n'
            f"{checks}", _lines_of(data) + "rows = [line.split() for line in lines[1:]]\n")


def _keyvalue(folder: Path, lines: int, properties: int) -> tuple[Path, str, str]:
    data = folder / "meminfo.txt"
    _write_lines(data, lines, lambda i: f"Key{i}:{' ' * (10 - len(str(i)))}{i * 4} kB\n")
    checks = "".join(f"property Key{i}\nassert_eq {i * 4} kB\n" for i in _picked(lines, properties))
    return (data, f"parse_mode keyvalue\nkey_separator :\n{checks}",
            _lines_of(data) + "rows = []\nfor line in lines:\n"
            "    key, found, rest = line.partition(':')\n"
            "    if found:\n        rows.append([key.strip(), *rest.split()])\n")


FAILED = r"Failed password for (?:invalid user )?(?P<user>\S+) from (?P<ip>\S+)"


def _auth_line(i: int) -> str:
    head = f"Mar  1 10:{i // 60 % 60:02}:{i % 60:02} web1 sshd[{1000 + i % 30000}]: "
    if i % 4 == 3:
        return f"{head}Accepted publickey for user{i} from {_ip(i)} port {i % 60000} ssh2\n"
    invalid = "invalid user " if i % 3 == 0 else ""
    return f"{head}Failed password for {invalid}user{i} from {_ip(i)} port {i % 60000} ssh2\n"


def _regex(folder: Path, lines: int, properties: int) -> tuple[Path, str, str]:
    data = folder / "auth.log"
    _write_lines(data, lines, _auth_line)
    checks = "".join(f"property user{i}\nassert_undefined\n" if i % 4 == 3 else
                     f"property user{i}\nassert_eq {_ip(i)}\n" for i in _picked(lines, properties))
    return (data, f"parse_mode regex\npattern {FAILED}\ncolumns user ip\n{checks}",
            _lines_of(data) + f"import re\npattern = re.compile({FAILED!r})\nrows = []\n"
            "for line in lines:\n    match = pattern.search(line)\n    if match:\n"
            "        rows.append([group or '' for group in match.groups()])\n")


ROLES = ["frontend", "backend", "db", "cache", "queue"]


def _csv(folder: Path, lines: int, properties: int) -> tuple[Path, str, str]:
    data = folder / "inventory.csv"
    _write_lines(data, lines, lambda i: f'host{i},{ROLES[i % 5]},{_ip(i)},"rack {i % 40}, '
                                        f'row {i % 9}"\n', head="host,role,ip,location\n")
    checks = "".join(f"property host{i}\nassert_eq {_ip(i)}\n" for i in _picked(lines, properties))
    return (data, f"parse_mode csv\ncsv_header true\ncolumns host ip\n{checks}",
            f"import csv\nwith open({str(data)!r}, newline='') as fh:\n"
            "    rows = list(csv.reader(fh))\n")


# -- a document ---------------------------------------------------------------------------

def _interface(i: int) -> dict[str, object]:
    return {"ifname": f"eth{i}", "mtu": 1500 + i % 3 * 4500, "state": "UP", "addr": _ip(i),
            "flags": ["UP", "LOWER_UP"]}


#: the floor's rows of a list of objects, as the json and yaml modes make them
_CELLS = ("import json\n"
          "def cell(value):\n"
          "    if isinstance(value, str):\n        return value\n"
          "    return json.dumps(value, separators=(',', ':'), ensure_ascii=False)\n"
          "rows = [[cell(value) for value in item.values()] for item in document]\n")


def _json(folder: Path, lines: int, properties: int) -> tuple[Path, str, str]:
    """``lines`` objects, a line each."""
    data = folder / "interfaces.json"
    _write_lines(data, lines, lambda i: f"{',' if i else '['}{json.dumps(_interface(i))}\n")
    with data.open("a") as fh:
        fh.write("]\n")
    checks = "".join(f"property eth{i}\nassert_eq {_ip(i)}\n" for i in _picked(lines, properties))
    return (data, f"parse_mode json\ncolumns ifname addr\n{checks}",
            f"import json\ndocument = json.load(open({str(data)!r}))\n" + _CELLS)


def _yaml(folder: Path, lines: int, properties: int) -> tuple[Path, str, str]:
    """``lines`` / 5 objects, of five lines each."""
    objects = max(1, lines // 5)
    data = folder / "interfaces.yaml"
    _write_lines(data, objects, lambda i: "".join(
        f"{'- ' if key == 'ifname' else '  '}{key}: "
        f"{'[' + ', '.join(value) + ']' if isinstance(value, list) else value}\n"
        for key, value in _interface(i).items()))
    checks = "".join(f"property eth{i}\nassert_eq {_ip(i)}\n"
                     for i in _picked(objects, properties))
    return (data, f"parse_mode yaml\ncolumns ifname addr\n{checks}",
            f"import yaml\ndocument = yaml.load(open({str(data)!r}), Loader=yaml.SafeLoader)\n"
            + _CELLS)


# -- syntaxes -----------------------------------------------------------------------------

def _etc_group(folder: Path, lines: int, properties: int) -> tuple[Path, str, str]:
    data = folder / "group"
    _write_lines(data, lines, lambda i: f"group{i}:x:{1000 + i}:user{i},user{i + 1},admin\n")
    checks = "".join(f"property group{i}\nassert_eq user{i},user{i + 1},admin\n"
                     for i in _picked(lines, properties))
    return (data, f"syntax etc_group\ncolumns 0 3\n{checks}",
            _lines_of(data) + "rows = [line.split(':') for line in lines]\n")


def _sectioned(data: Path, sections: int, per_section: int, head: Callable[[int], str],
               line: Callable[[int, int], str], foot: str = "") -> None:
    _write_lines(data, sections, lambda s: head(s) + "".join(line(s, k) for k in
                                                             range(per_section)) + foot)


def _section_checks(lines: int, properties: int, per_section: int, section: Callable[[int], str],
                    check: Callable[[int, int], str]) -> str:
    return "".join(f"section {section(s)}\n{check(s, k)}"
                   for s, k in (divmod(i, per_section) for i in _picked(lines, properties)))


def _by_section(header: str, comment: str, row: str, footer: str = "False") -> str:
    """The floor's loop over the lines of a sectioned format, ``s`` the stripped line:
    ``header`` is the section it opens or None, ``comment`` and ``footer`` whether it is
    one, ``row`` its row. The rows of each section go in a dict."""
    return ("sections = {None: []}\nrows = sections[None]\n"
            "for line in lines:\n    s = line.strip()\n"
            f"    if not s or {comment}:\n        continue\n"
            f"    if {footer}:\n        rows = sections[None]\n"
            f"    elif (name := {header}) is not None:\n"
            "        rows = sections.setdefault(name, [])\n"
            f"    else:\n        rows.append({row})\n")


def _ini(folder: Path, lines: int, properties: int) -> tuple[Path, str, str]:
    data, per = folder / "app.ini", 100
    _sectioned(data, lines // per, per, lambda s: f"[section{s}]\n; settings of part {s}\n",
               lambda s, k: f"key{k} = value{s}-{k} extra\n")
    checks = _section_checks(lines, properties, per, lambda s: f"section{s}",
                             lambda s, k: f"property key{k}\nassert_eq value{s}-{k} extra\n")
    return (data, f"syntax ini\n{checks}", _lines_of(data) + _by_section(
        "s[1:-1] if s.startswith('[') and s.endswith(']') else None", "s[0] in '#;'",
        "[s.partition('=')[0].strip(), *s.partition('=')[2].split()]"))


def _apache(folder: Path, lines: int, properties: int) -> tuple[Path, str, str]:
    data, per = folder / "sites.conf", 100
    _sectioned(data, lines // per, per,
               lambda s: f"<VirtualHost *:{8000 + s}>\n    # site {s}\n",
               lambda s, k: f"    Option{k} value{s}-{k} more\n", foot="</VirtualHost>\n")
    checks = _section_checks(lines, properties, per, lambda s: f"VirtualHost *:{8000 + s}",
                             lambda s, k: f"property Option{k}\nassert_eq value{s}-{k} more\n")
    return (data, f"syntax apache\n{checks}", _lines_of(data) + _by_section(
        "s[1:-1] if s.startswith('<') and s.endswith('>') else None",
        "s[0] == '#'", "s.split()", footer="s.startswith('</')"))


def _apt(folder: Path, lines: int, properties: int) -> tuple[Path, str, str]:
    data, per = folder / "apt.conf", 100
    _sectioned(data, lines // per, per, lambda s: f"Section{s} {{\n  // part {s}\n",
               lambda s, k: f'  Key{k} "value{s}-{k}";\n', foot="};\n")
    checks = _section_checks(lines, properties, per, lambda s: f"Section{s}",
                             lambda s, k: f"property Key{k}\nassert_eq value{s}-{k}\n")
    return (data, f"syntax apt\n{checks}", _lines_of(data) + _by_section(
        "s[:-1].strip() if s.endswith('{') else None",
        "s.startswith('//')", "s.replace('\"', '').replace(';', ' ').split()",
        footer="s.startswith('}')"))


def _sshd(folder: Path, lines: int, properties: int) -> tuple[Path, str, str]:
    data, per = folder / "sshd_config", 100
    _sectioned(data, lines // per, per, lambda s: f"Match User user{s}\n    # part {s}\n",
               lambda s, k: f"    X11Option{k} value{s}-{k}\n")
    checks = _section_checks(lines, properties, per, lambda s: f"User user{s}",
                             lambda s, k: f"property x11option{k}\nassert_eq value{s}-{k}\n")
    return (data, f"syntax sshd\n{checks}", _lines_of(data) + _by_section(
        "s[6:] if s[:6].lower() == 'match ' else None", "s[0] == '#'",
        "s.lower().split()"))


#: name: (make it, base lines, base properties); each name is what --only matches
MODES: dict[str, tuple[Make, int, int]] = {
    "parse mode: tokenized": (_tokenized, 100_000, 2_000),
    "parse mode: fixed": (_fixed, 100_000, 2_000),
    "parse mode: table": (_table, 50_000, 1_000),
    "parse mode: keyvalue": (_keyvalue, 100_000, 2_000),
    "parse mode: regex": (_regex, 100_000, 2_000),
    "parse mode: csv": (_csv, 100_000, 2_000),
    "parse mode: json": (_json, 30_000, 1_000),
    "parse mode: yaml": (_yaml, 5_000, 100),
    "syntax: etc_group (etc_passwd, etc_shadow)": (_etc_group, 200_000, 4_000),
    "syntax: ini": (_ini, 100_000, 2_000),
    "syntax: apache": (_apache, 100_000, 2_000),
    "syntax: apt": (_apt, 100_000, 2_000),
    "syntax: sshd": (_sshd, 100_000, 2_000),
}


def parse_mode(name: str, folder: Path, runs: int, scale: float) -> list[Result]:
    make, lines, properties = MODES[name]
    lines, properties = max(10, int(lines * scale)), max(1, int(properties * scale))
    data, block, floor = make(folder, lines, properties)
    path = folder / "mode.tstconfig"
    path.write_text(f"file {data}\n{block}")
    floor_timing, timing = interleaved(runs, [
        command([sys.executable, "-c", floor], folder),
        command([*tstconfig_command(), str(path)], folder)])
    return [Result.of(name, f"{_line_count(data):,} lines x {properties:,}", timing, floor_timing,
                      "Python reading the file and splitting each line as the mode does", GOAL)]
