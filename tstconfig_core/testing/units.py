"""Helpers for a plugin's unit tests: a source's request, parse options, a parse, a
source's data, and a distribution's entry points read from its ``pyproject.toml``."""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from tstconfig_core.api import (DEFAULT_MAX_SIZE, Answer, Host, Parsed, Parser, ParseOptions,
                                Source, SourceData, SourceRequest)


class PyprojectError(ImportError):
    """A ``pyproject.toml`` whose tstconfig entry points cannot be had: which file, which
    entry point, and why."""


def from_pyproject(path: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """The ``tstconfig.*`` entry points a ``pyproject.toml`` declares, imported: for
    ``run_definition(plugins=...)``. A module that is not importable as it is, is looked
    for in the file's folder (and ``src/`` in it), which then stay on ``sys.path``.
    PyprojectError says what cannot be had (a plugin that exits or raises when imported
    too: it never ends the caller)."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        with open(path, "rb") as f:
            document = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PyprojectError(f"{os.fspath(path)}: cannot be read: {exc}") from None
    from tstconfig_core.loading.index import EntryPoint
    declared = document.get("project", {}).get("entry-points", {})
    top = os.path.dirname(os.path.abspath(path))
    found: dict[str, dict[str, Any]] = {}
    for group, entries in declared.items():
        if not group.startswith("tstconfig.") or not isinstance(entries, dict):
            continue
        for name, value in entries.items():
            where = f"{os.fspath(path)}: entry point '{name} = {value}' in {group}"
            if not isinstance(value, str) or ":" not in value:
                raise PyprojectError(f"{where}: not MODULE:ATTRIBUTE")
            found.setdefault(group, {})[name] = _imported(EntryPoint(name, value, group, "", ""),
                                                          top, where)
    return found


def _imported(ep: Any, top: str, where: str) -> Any:
    """The entry point's object, as the registry loads one (its folder tried too)."""
    import sys

    from tstconfig_core.loading.index import load
    module = ep.value.partition(":")[0].strip()
    added: list[str] = []
    try:
        try:
            return load(ep)
        except ModuleNotFoundError as exc:
            if exc.name is None or not (module + ".").startswith(exc.name + "."):
                raise  # (a module the plugin imports is missing, not the plugin)
            added = [p for p in (top, os.path.join(top, "src")) if p not in sys.path]
            sys.path[:0] = added
            return load(ep)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # SystemExit too: a plugin never ends the caller
        for folder in added:
            if folder in sys.path:
                sys.path.remove(folder)
        raise PyprojectError(f"{where}: {type(exc).__name__}: {exc}") from None


def source_request(*args: str, timeout: float = 60.0, max_size: int = DEFAULT_MAX_SIZE,
                   allow_missing: bool = False,
                   settings: Mapping[str, object] | None = None) -> SourceRequest:
    """A SourceRequest as the core makes one for ``DIRECTIVE ARGS...``."""
    from types import MappingProxyType
    return SourceRequest(tuple(args), float(timeout), MappingProxyType(dict(settings or {})),
                         max_size, allow_missing)


def parse_options(*lines: str, parser: Parser | None = None) -> ParseOptions:
    """ParseOptions from option lines as a definition writes them (``"separator ,"``,
    ``"positions 0 6 13"``); a ``parser``'s own options too (into ``extra``). An
    OptionError (or the converter's error) for a line the definition would refuse."""
    from tstconfig_core.definition import Directive, parse_line
    from tstconfig_core.options import OPTION_DIRECTIVES, OptionError
    options = ParseOptions()
    own = dict(getattr(parser, "options", {}) or {})
    for number, line in enumerate(lines, start=1):
        d = parse_line(line, number, "<options>")
        if not isinstance(d, Directive):
            raise OptionError(f"not an option line: {line!r}")
        if d.keyword in OPTION_DIRECTIVES:
            setattr(options, d.keyword, OPTION_DIRECTIVES[d.keyword](d.args))
        elif d.keyword in own:
            options.extra[d.keyword] = own[d.keyword](d.args)
        else:
            raise OptionError(f"unknown option {d.keyword!r}")
    return options


def build_source(source: Source, *args: str, host: Host | None = None,
                 **request: Any) -> SourceData:
    """What ``source`` makes of ``DIRECTIVE ARGS...``, asking ``host`` (default: this
    machine) as the core does: ``requests``, the host's answers, ``build``."""
    from tstconfig_core.hosts.local import LocalHost
    made = source_request(*args, **request)
    needs = source.requests(made)
    if needs is None:
        return source.read(made)
    answers: list[Answer] = (host or LocalHost()).answer(list(needs), made.timeout,
                                                        made.max_size)
    return source.build(made, answers)


def parse_text(parser: Parser, text: str | Sequence[str],
               options: ParseOptions | None = None) -> Parsed:
    """The rows ``parser`` makes of a text (or its lines), after what the core does first:
    ``skip_header_lines``, ``read_lines``, and blank and comment lines dropped."""
    from tstconfig_core.definition import split_lines
    from tstconfig_core.engine.parsing import parse_rows
    lines = split_lines(text) if isinstance(text, str) else list(text)
    return parse_rows(lines, options or ParseOptions(), parser)
