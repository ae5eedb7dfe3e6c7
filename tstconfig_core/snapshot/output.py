"""Where baselines go: ``--snapshot OUT`` names a file (for one definition), ``-``
(standard output, for one) or an existing folder (a baseline per definition, named
as it is). A file is written beside its place and renamed over it, so a baseline is
whole or not there; only a regular ``*.tstconfig`` file that is no definition being
snapshot may be replaced. Every target is checked before anything is run.
"""
from __future__ import annotations

import os
import stat
import sys
from collections.abc import Hashable, Sequence
from typing import NamedTuple

from tstconfig_core.places import Place, Refused, locate, open_place, place_keys

SUFFIX = ".tstconfig"


class Target(NamedTuple):
    definition: str
    path: str | None   # None: standard output
    place: Place


def plan(definitions: Sequence[str], out: str) -> list[Target]:
    """A target for each definition file; raises Refused, saying why, when OUT cannot
    take them."""
    if out == "-":
        if len(definitions) != 1:
            raise Refused("--snapshot -: standard output takes the baseline of one "
                          "definition file; for several, give a folder")
        return [Target(definitions[0], None, locate(None))]
    if os.path.isdir(out):
        paths = [os.path.join(out, _name(definition)) for definition in definitions]
    elif len(definitions) != 1:
        raise Refused(f"{out} is not a folder: the baselines of several definition files "
                      "go into one (make it first)")
    else:
        paths = [out]
    inputs = _input_keys(definitions)
    taken: set[Hashable] = set()
    targets = []
    for definition, path in zip(definitions, paths):
        if not path.endswith(SUFFIX):
            raise Refused(f"{path}: a baseline is a definition file, named *{SUFFIX} (so "
                          "that no other kind of file is ever written over)")
        place = locate(path)
        if place.kind != "file":
            raise Refused(f"{path} is not a regular file; a baseline replaces only a "
                          "definition file")
        if place.keys & inputs:
            raise Refused(f"{path} is a definition being snapshot; write its baseline "
                          "elsewhere")
        if place.keys & taken:
            raise Refused(f"{path} would hold the baselines of two definitions of the same "
                          "name; snapshot them into two folders")
        taken |= place.keys
        targets.append(Target(definition, path, place))
    return targets


def _name(definition: str) -> str:
    if definition == "-":
        raise Refused("standard input has no name to give its baseline: give --snapshot "
                      f"a file name (NAME{SUFFIX}) or -")
    name = os.path.basename(definition)
    return name if name.endswith(SUFFIX) else name + SUFFIX


def _input_keys(definitions: Sequence[str]) -> set[Hashable]:
    keys: set[Hashable] = set()
    for definition in definitions:
        if definition != "-":
            try:
                keys |= place_keys(definition, os.stat(definition))
            except OSError:
                pass  # (reading it says why it cannot be read)
    return keys


def write_all(baselines: Sequence[tuple[Target, str, bool]]) -> None:
    """Every baseline, or none: each is written beside its place first, and only when
    all are whole are they renamed over their places. ``private`` (sensitive values in
    it): readable by its owner only. Raises OSError or Refused."""
    written: list[tuple[str, str]] = []  # (temporary file, its place)
    try:
        for target, text, private in baselines:
            if target.path is None:  # (UTF-8 whatever the locale: the file would be)
                sys.stdout.flush()
                sys.stdout.buffer.write(text.encode("utf-8"))
                sys.stdout.buffer.flush()
                continue
            try:
                written.append((_beside(target, text, private), str(target.place.where)))
            except OSError as exc:
                raise Refused(f"cannot write {target.path}: {exc.strerror or exc}") from None
    except BaseException:
        for tmp, _ in written:
            _remove(tmp)
        raise
    for tmp, place in written:
        os.replace(tmp, place)


def _beside(target: Target, text: str, private: bool) -> str:
    """The temporary file, whole and synced, beside the baseline's place."""
    assert target.path is not None
    stream, tmp = open_place(target.place, target.path)
    assert tmp is not None  # (a "file" place is always written beside, then renamed)
    try:
        fd = stream.fileno()
        if private:
            os.fchmod(fd, stat.S_IMODE(os.fstat(fd).st_mode) & 0o600)
        stream.write(text)
        stream.flush()
        os.fsync(fd)
        stream.close()
    except BaseException:
        stream.close()
        _remove(tmp)
        raise
    return tmp


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
