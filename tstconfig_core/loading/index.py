"""The index of installed tstconfig entry points, kept in a cache file.

Listing entry points with importlib.metadata costs its imports (email, zipfile,
pathlib: about 50 ms here) on every run, before any check. This index holds
the ``tstconfig.*`` entry points with their distribution and version, in a file
that records what it was built from: ``sys.path`` and the modification time of
each entry. A run that finds it current imports nothing more; installing,
upgrading or removing a distribution changes a folder's modification time, and
the next run rebuilds the index with importlib.metadata (as stevedore's cache
does for its own listing).
"""
from __future__ import annotations

import marshal
import os
import sys
import zlib
from functools import lru_cache
from typing import NamedTuple

_FORMAT = 1


class EntryPoint(NamedTuple):
    """One registered plugin: ``name = value`` in ``group``, from distribution ``dist``."""

    name: str
    value: str   # module:attribute
    group: str
    dist: str
    version: str


def _state() -> tuple[object, ...]:
    """What the installed entry points depend on: the search path and its folders' times."""
    entries: list[object] = [_FORMAT, sys.version, sys.prefix]
    for path in sys.path:
        try:
            entries.append((path, os.stat(path or ".").st_mtime_ns))
        except OSError:
            entries.append((path, None))
    return tuple(entries)


def _cache_file() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    key = zlib.crc32(f"{sys.prefix}\0{sys.version}".encode())
    return os.path.join(base, "tstconfig", f"entry-points-{key:08x}.marshal")


def _scan() -> list[tuple[str, str, str, str, str]]:
    """Every tstconfig entry point, from the installed metadata (the slow path)."""
    from importlib.metadata import entry_points

    from tstconfig_core.loading.groups import ALL
    every = entry_points()
    found = []
    for group in ALL:
        for ep in every.select(group=group.name):
            dist = ep.dist
            found.append((ep.name, ep.value, ep.group, dist.name if dist else "?",
                          dist.version if dist else "?"))
    return sorted(found)


def _save(path: str, state: tuple[object, ...], records: list[tuple[str, ...]]) -> None:
    """Write the index atomically; a cache that cannot be written is simply not kept."""
    import tempfile
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".entry-points-", dir=os.path.dirname(path))
        with os.fdopen(fd, "wb") as fh:
            marshal.dump((state, records), fh)
        os.replace(tmp, path)
    except OSError:
        pass


def installed() -> list[EntryPoint]:
    """The tstconfig entry points installed, from the cache when it is current."""
    return _installed(_state())


@lru_cache(maxsize=1)
def _installed(state: tuple[object, ...]) -> list[EntryPoint]:
    path = _cache_file()
    try:
        with open(path, "rb") as fh:
            saved_state, records = marshal.load(fh)
        if saved_state == state:
            return [EntryPoint(*r) for r in records]
    except (OSError, EOFError, ValueError, TypeError):
        pass  # no cache yet, or one from another version: rebuild it
    records = _scan()
    _save(path, state, records)
    return [EntryPoint(*r) for r in records]


def load(ep: EntryPoint) -> object:
    """The object ``module:attribute.path`` names, imported now."""
    import importlib
    module_name, _, attributes = ep.value.partition(":")
    obj: object = importlib.import_module(module_name.strip())
    for attribute in filter(None, attributes.strip().split(".")):
        obj = getattr(obj, attribute)
    return obj
