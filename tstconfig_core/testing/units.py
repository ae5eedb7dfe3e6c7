"""Helpers for a plugin's unit tests: a source's request, parse options, a parse, a
source's data, and a distribution's entry points read from its ``pyproject.toml``."""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from tstconfig_core.api import (DEFAULT_MAX_SIZE, Answer, Host, Parsed, Parser, ParseOptions,
                                Source, SourceData, SourceRequest)


def from_pyproject(path: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """The ``tstconfig.*`` entry points a ``pyproject.toml`` declares, imported: for
    ``run_definition(plugins=...)``. Its folder (and ``src/`` in it) is put on
    ``sys.path`` when a module cannot be imported otherwise."""
    import importlib
    import sys
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    with open(path, "rb") as f:
        declared = tomllib.load(f).get("project", {}).get("entry-points", {})
    top = os.path.dirname(os.path.abspath(path))
    found: dict[str, dict[str, Any]] = {}
    for group, entries in declared.items():
        if not group.startswith("tstconfig."):
            continue
        for name, value in entries.items():
            module, _, attribute = value.partition(":")
            try:
                obj: Any = importlib.import_module(module.strip())
            except ModuleNotFoundError:
                sys.path[:0] = [p for p in (top, os.path.join(top, "src")) if p not in sys.path]
                obj = importlib.import_module(module.strip())
            for part in filter(None, attribute.strip().split(".")):
                obj = getattr(obj, part)
            found.setdefault(group, {})[name] = obj
    return found


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
