"""The index of installed tstconfig entry points, kept in a cache file.

Listing entry points with importlib.metadata costs its imports (email, zipfile,
csv: about 50 ms) on every run. This index keeps, for each folder on sys.path,
its distributions and their ``tstconfig.*`` entry points, under the folder's
modification time. A run takes the folders of its own sys.path in order, a
name's first distribution winning as in importlib.metadata, so ``tstconfig``,
``python -m`` and ``python -c`` share it although their ``sys.path[0]`` differ.
An install, upgrade or uninstall adds or removes a ``*.dist-info`` folder, which
changes its parent's time: only a changed folder, or one not seen before (a new
working folder), is scanned again, with os.scandir, reading entry_points.txt and
the Name and Version headers here. importlib.metadata reads the rest: zip files
and eggs on the path, metadata this reader does not expect, and everything when
another finder than the path's lists distributions. (``setup.py develop``
rewrites an ``*.egg-info`` folder in place: the files read from it are watched.)
"""
from __future__ import annotations

import marshal
import os
import re
import sys
import time
import zlib
from contextlib import suppress
from functools import lru_cache
from typing import NamedTuple, Union

_FORMAT = 2
#: Folders kept in the cache file besides the current run's (working folders come and go).
_KEEP = 64
_INFO = (".dist-info", ".egg-info")
_EGG_FILES = ("entry_points.txt", "PKG-INFO")
_FIELDS = ("name", "version")
#: ns. A change in the same clock tick as a scan leaves the times as they were: a folder
#: changed this recently is not taken as current next time.
_SETTLING = 2_000_000_000

Record = tuple[str, str, str, str, str]  # an EntryPoint's fields
Stamp = Union[tuple[int, ...], None]  # (mtime, ctime, inode); None: absent; (): unsettled
Dist = tuple[str, tuple[Record, ...]]  # (normalized name, its tstconfig entry points)
Folder = tuple[tuple[tuple[str, Stamp], ...], tuple[Dist, ...]]  # (watched paths, dists)


class EntryPoint(NamedTuple):
    """One registered plugin: ``name = value`` in ``group``, from distribution ``dist``."""

    name: str
    value: str   # module:attribute
    group: str
    dist: str
    version: str


def installed() -> list[EntryPoint]:
    """The tstconfig entry points installed, from the index where it is current."""
    from importlib.machinery import PathFinder  # (imported at start-up already)
    if any(f is not PathFinder and hasattr(f, "find_distributions") for f in sys.meta_path):
        return _listed((tuple(_from_metadata(None)),))
    cache = _cache_file()
    known = _known(cache)
    used, found, scanned = [], [], False
    for path in sys.path:
        where = _where(path)
        folder = known.get(where)
        if folder is None or not _is_current(folder):
            folder, scanned = _scan(path, where), True
            if where:
                known[where] = folder
        used.append(where)
        found.append(folder[1])
    if scanned:
        _save(cache, known, used)
    return _listed(tuple(found))


@lru_cache(maxsize=1)
def _listed(folders: tuple[tuple[Dist, ...], ...]) -> list[EntryPoint]:
    """The entry points of the folders' distributions, a name's first distribution only."""
    seen: set[str] = set()
    records: list[Record] = []
    for dists in folders:
        for name, points in dists:
            if name not in seen:
                seen.add(name)
                records.extend(points)
    return [EntryPoint(*r) for r in sorted(records)]


def _where(path: object) -> str | None:
    """The absolute path of a ``sys.path`` entry, the key of its folder in the index
    (``..`` left as it is: after a link it means what the file system says)."""
    try:
        return os.path.join(os.getcwd(), path) if path else os.getcwd()
    except (OSError, TypeError):  # the working folder was removed; not a str
        return None


def _stamp(path: str) -> Stamp:
    """What changes when a folder's listing or a file's text does; None if it is absent."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_mtime_ns, st.st_ctime_ns, st.st_ino


def _is_current(folder: Folder) -> bool:
    try:
        return all(_stamp(path) == stamp for path, stamp in folder[0])
    except (TypeError, ValueError):  # not an entry of this format
        return False


def _scan(path: str, where: str | None) -> Folder:
    """A ``sys.path`` entry's distributions in importlib.metadata's order, each with its
    tstconfig entry points, and the paths whose times tell that they changed."""
    if where is None:
        return (), tuple(_from_metadata(path))
    watched = [(where, _stamp(where))]  # (taken before reading: a change meanwhile shows)
    if watched[0][1] is None:
        return tuple(watched), ()  # not there: nothing to find
    found = None
    if os.path.isdir(where) and not os.path.basename(where).lower().endswith(".egg"):
        with suppress(OSError, ValueError):  # unreadable, undecodable: importlib.metadata's
            found = _read_folder(where, watched)
    if found is None:
        del watched[1:]
        found = _from_metadata(where)
    now = time.time_ns()
    if any(stamp and now - stamp[0] < _SETTLING for _, stamp in watched):
        watched[0] = (where, ())  # (matches no time: scanned again until it settles)
    return tuple(watched), tuple(found)


def _read_folder(where: str, watched: list[tuple[str, Stamp]]) -> list[Dist] | None:
    """The distributions whose metadata is in the folder; None if importlib.metadata
    should read them (a name it takes from the metadata, entry points it cannot parse)."""
    try:
        listing = [(entry.name, entry.is_dir()) for entry in os.scandir(where)]
    except OSError:
        return []  # unreadable: importlib.metadata finds nothing there either
    groups = _groups()
    dists: list[Dist] = []
    seen: set[str] = set()
    for name, is_dir in listing:  # (the order importlib.metadata lists them in)
        if not name.lower().endswith(_INFO):
            continue
        stem = name.rpartition(".")[0].partition("-")[0]
        if not name.endswith(_INFO) or not stem:
            return None
        key = _normalized(stem)
        if key in seen:
            continue  # a leftover of the same distribution, after the one that counts
        seen.add(key)
        info = os.path.join(where, name)
        if is_dir and name.endswith(".egg-info"):
            watched.extend((p, _stamp(p)) for p in (os.path.join(info, f) for f in _EGG_FILES))
        points = _points(info, groups) if is_dir else ()
        if points is None:
            return None
        dists.append((key, points))
    return dists


def _points(info: str, groups: frozenset[str]) -> tuple[Record, ...] | None:
    """The tstconfig entry points of one metadata folder (None: let importlib.metadata)."""
    text = _read(os.path.join(info, "entry_points.txt"))
    found: list[tuple[str, str, str]] = []
    group = None
    for line in (text or "").splitlines():  # as importlib.metadata's Sectioned reads it
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            group = line.strip("[]")
        elif group is not None:
            name, equals, value = line.partition("=")
            if not equals:
                return None
            if group in groups:
                found.append((name.strip(), value.strip(), group))
    if not found:
        return ()
    about = _name_version(_read(os.path.join(info, "METADATA"))
                          or _read(os.path.join(info, "PKG-INFO")))
    if about is None:
        return None
    return tuple((*point, *about) for point in found)


def _name_version(text: str | None) -> tuple[str, str] | None:
    """The first Name and Version headers, as the email parser reads them; None if
    anything is unusual (no headers, a folded or odd line before both)."""
    found: dict[str, str] = {}
    last = ""
    for line in (text or "").split("\n"):
        if line[:1] in (" ", "\t"):  # a folded line goes with the header before it
            if last in _FIELDS:
                return None
            continue
        if len(found) == len(_FIELDS) or not line:
            break
        key, colon, value = line.partition(":")
        if not (colon and line.isprintable() and key.isascii() and " " not in key):
            return None
        last = key.lower()
        if last in _FIELDS:
            found.setdefault(last, value.lstrip(" "))
    if len(found) < len(_FIELDS):
        return None
    return found["name"], found["version"]


def _read(path: str) -> str | None:
    """A metadata file's text; None where importlib.metadata finds none either."""
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError):
        return None


def _normalized(name: str) -> str:
    """A distribution name as importlib.metadata tells them apart (``Foo.Bar`` is ``foo_bar``)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def _from_metadata(path: str | None) -> list[Dist]:
    """The distributions on ``path`` (everywhere when None), read by importlib.metadata:
    zip files, eggs, and metadata the reader above does not take."""
    from importlib.metadata import distributions
    groups = _groups()
    dists: list[Dist] = []
    seen: set[str] = set()
    for dist in distributions(**({} if path is None else {"path": [path]})):
        key = dist._normalized_name  # what importlib.metadata.entry_points() dedups by
        if key not in seen:
            seen.add(key)
            dists.append((key, tuple((ep.name, ep.value, ep.group, dist.name, dist.version)
                                     for ep in dist.entry_points if ep.group in groups)))
    return dists


@lru_cache(maxsize=1)
def _groups() -> frozenset[str]:
    from tstconfig_core.loading.groups import ALL
    return frozenset(group.name for group in ALL)


def _cache_file() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    key = zlib.crc32(f"{sys.prefix}\0{sys.version}".encode())
    return os.path.join(base, "tstconfig", f"entry-points-{key:08x}.marshal")


@lru_cache(maxsize=None)
def _known(cache: str) -> dict[str, Folder]:
    """The folders in the cache file, read once; a missing or broken file is an empty index."""
    try:
        with open(cache, "rb") as fh:
            version, known = marshal.loads(fh.read())  # (load(fh) reads it piecemeal: 0.5 ms)
        if version == _FORMAT and isinstance(known, dict):
            return known
    except (OSError, EOFError, ValueError, TypeError):
        pass
    return {}


def _save(cache: str, known: dict[str, Folder], used: list[str | None]) -> None:
    """Write the index atomically, the run's folders last and the oldest others dropped;
    one that cannot be written is simply not kept."""
    for where in dict.fromkeys(used):
        if where in known:
            known[where] = known.pop(where)
    for where in list(known)[:max(0, len(known) - _KEEP - len(used))]:
        del known[where]
    folder = os.path.dirname(cache)
    tmp = os.path.join(folder, f".entry-points-{os.getpid()}.tmp")  # (tempfile costs 6 ms)
    try:
        os.makedirs(folder, exist_ok=True)
        with open(tmp, "xb") as fh:  # (one left by a process that died is removed below)
            marshal.dump((_FORMAT, known), fh)
        os.replace(tmp, cache)
    except OSError:
        with suppress(OSError):
            os.unlink(tmp)


def load(ep: EntryPoint) -> object:
    """The object ``module:attribute.path`` names, imported now."""
    import importlib
    module_name, _, attributes = ep.value.partition(":")
    obj: object = importlib.import_module(module_name.strip())
    for attribute in filter(None, attributes.strip().split(".")):
        obj = getattr(obj, attribute)
    return obj
