"""The ``stat`` source: what is at each path (its type, mode, owner, size), one row each.

``stat PATH|GLOB ...`` makes a table with named columns, the path first, so a
definition selects a path with ``property PATH`` and a column with ``columns path
mode``. Owners are named from the host's own ``/etc/passwd`` and ``/etc/group``
(so ``--root DIR`` names them from the tree's), and a symbolic link is described,
never followed.

A path can hold any byte but ``/`` and NUL: spaces at its ends, tabs, line feeds,
bytes that are not UTF-8. The table is cut at fixed positions that the source
gives (as ``proc net/listening`` does), so spaces inside a path stay in its
column; what a cut would lose or a line cannot hold is written as an escape, as
reports write it (:func:`cell`). Any other path (nearly every one) is its own
cell, so ``property PATH`` finds it as written.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from tstconfig_core.api import (Answer, HostError, HostRequest, NoSuchPath, PathStat,
                                PluginError, ReadFile, Source, SourceData, SourceRequest,
                                StatPath, iso_utc, printable, shown_size)
from tstconfig_plugins.sources.file import is_glob, paths_given

COLUMNS = ("path", "type", "mode", "owner", "group", "uid", "gid", "size", "mtime", "target")
MISSING = "missing"
PASSWD, GROUP = "/etc/passwd", "/etc/group"
_ALLOW = "add 'allow_missing' to the block if none is fine"


def cell(text: str) -> str:
    """``text`` as one cell of the table, on one line and kept whole by the cut: bytes
    that are not UTF-8 as ``\\xNN``, control and invisible characters as reports write
    them (``\\n``, ``\\t``, ``\\x1b``), and white space at either end (which the cut
    trims) as ``\\x20``. Any other text, backslashes included, is as it is."""
    try:
        raw = text.encode("utf-8", "surrogateescape")  # a name's bytes, as the OS gave them
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "backslashreplace")
    text = printable(raw.decode("utf-8", "backslashreplace"))
    lead = len(text) - len(text.lstrip())
    if lead == len(text):
        return _escaped(text)
    trail = len(text) - len(text.rstrip())
    return _escaped(text[:lead]) + text[lead:len(text) - trail] + _escaped(text[len(text) - trail:])


def _escaped(spaces: str) -> str:
    return "".join(f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}"
                   for c in spaces)


def _names(content: Answer) -> dict[int, str]:
    """Number -> name from an /etc/passwd or /etc/group (the first name of a number wins,
    as the C library's lookup does); none when the file could not be read."""
    if not isinstance(content, bytes):
        return {}
    found: dict[int, str] = {}
    for line in content.split(b"\n"):
        fields = line.split(b":", 3)
        if len(fields) > 2 and fields[2].isdigit() and len(fields[2]) < 20 and fields[0]:
            found.setdefault(int(fields[2]), fields[0].decode("utf-8", "replace"))
    return found


def _unread(content: Answer, path: str) -> tuple[str, ...]:
    """A warning when a names file exists and could not be read (owners show as numbers)."""
    if isinstance(content, HostError) and not isinstance(content, NoSuchPath):
        return (f"cannot read {path} ({content}): owners are shown as numbers",)
    return ()


def _when(mtime: float) -> str:
    try:
        return iso_utc(mtime)
    except (OverflowError, OSError, ValueError):  # a time no calendar of this machine holds
        return str(int(mtime))


def _row(path: str, found: Answer, users: Mapping[int, str],
         groups: Mapping[int, str]) -> list[str]:
    if isinstance(found, NoSuchPath):
        return [cell(path), MISSING] + [""] * (len(COLUMNS) - 2)
    if isinstance(found, HostError):
        raise PluginError(f"cannot look at {path!r}: {found}")
    assert isinstance(found, PathStat)
    return [cell(path), found.kind, f"{found.mode:04o}",
            cell(users.get(found.uid, str(found.uid))),
            cell(groups.get(found.gid, str(found.gid))),
            str(found.uid), str(found.gid), str(found.size), _when(found.mtime),
            cell(found.target or "")]


def _table(rows: Sequence[Sequence[str]], max_size: int) -> tuple[list[str], tuple[int, ...]]:
    """The header and the rows as fixed-width lines, and each column's start; an error
    when the lines would be larger than the block's size limit (a very long path widens
    every line)."""
    widths = [max([len(name), *(len(row[i]) for row in rows)]) for i, name in
              enumerate(COLUMNS)]
    size = (sum(widths) + len(widths)) * (len(rows) + 1)
    if size > max_size:
        raise PluginError(f"the table of {len(rows)} path(s) would take {shown_size(size)}, "
                          f"more than the size limit ({shown_size(max_size)}); raise it with "
                          "'max_size SIZE' in the block or --max-size, or name fewer paths")
    positions, offset = [], 0
    for width in widths:
        positions.append(offset)
        offset += width + 1
    lines = [" ".join(text.ljust(width) for text, width in zip(row, widths)).rstrip()
             for row in (COLUMNS, *rows)]
    return lines, tuple(positions)


def _unique(paths: Iterable[str]) -> list[str]:
    """Each path once, where it first came: a path named twice is one row."""
    return list(dict.fromkeys(paths))


class StatSource(Source):
    """What is at each path: a row of path, type, mode, owner, group, uid, gid, size,
    mtime and target, in a table whose columns have those names.

    ``type`` is file, directory, symlink, fifo, socket, char, block or other,
    or ``missing`` for a path that does not exist (its other columns empty); a
    glob that matches nothing is an error unless the block says
    ``allow_missing``. ``mode`` is 4 octal digits (``0644``, ``4755``),
    ``mtime`` ISO 8601 UTC, ``target`` a symbolic link's (a link is not
    followed). Owner and group names come from the host's /etc/passwd and
    /etc/group; a number without a name is shown as the number.
    """

    summary = "what is at each path: type, mode, owner, size (stat PATH|GLOB ...)"
    label = "Stat"

    def validate(self, args: Sequence[str]) -> None:
        paths_given("stat", args)

    def requests(self, request: SourceRequest) -> list[HostRequest]:
        self.validate(request.args)
        return _asked(_unique(request.args))

    def build(self, request: SourceRequest, answers: list[Answer]) -> SourceData:
        group_file, passwd_file = answers.pop(), answers.pop()
        paths: list[str] = []
        found: list[Answer] = []
        seen: set[str] = set()
        for path, answer in zip(_unique(request.args), answers):
            if not is_glob(path):
                seen.add(path)
                paths.append(path)
                found.append(answer)
            elif isinstance(answer, HostError):
                raise PluginError(f"cannot look for the paths matching {path!r}: {answer}")
            elif not answer and not request.allow_missing:
                raise PluginError(f"no path matches {path!r}; {_ALLOW}")
            else:
                for match in sorted(answer):  # type: ignore[union-attr]
                    if match not in seen:
                        seen.add(match)
                        paths.append(match)
                        found.append(answer[match])  # type: ignore[index]
        return _data(paths, [*found, passwd_file, group_file], request.max_size)


def _asked(paths: Sequence[str]) -> list[HostRequest]:
    return [*(StatPath(path, glob=is_glob(path)) for path in paths), ReadFile(PASSWD),
            ReadFile(GROUP)]


def _data(paths: Sequence[str], answers: list[Answer], max_size: int) -> SourceData:
    """The table, from what the host said of each path and its names files."""
    group_file, passwd_file = answers.pop(), answers.pop()
    users, groups = _names(passwd_file), _names(group_file)
    rows = [_row(path, found, users, groups) for path, found in zip(paths, answers)]
    lines, positions = _table(rows, max_size)
    return SourceData(lines, warnings=_unread(passwd_file, PASSWD) + _unread(group_file, GROUP),
                      defaults={"parse_mode": "table", "positions": positions})
