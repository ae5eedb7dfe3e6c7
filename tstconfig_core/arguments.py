"""Values of the command line checked as click reads them, and its small actions: kept
out of cli.py, which is the list of options and modes."""
from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from tstconfig_core.waivers import Waivers


def complete_reporter(ctx: click.Context, param: click.Parameter,
                      incomplete: str) -> list[str]:
    """Reporter names for the shell (``json``, and ``json:`` to go on with a path)."""
    from tstconfig_core.loading.groups import REPORTERS
    from tstconfig_core.loading.registry import PluginRegistry
    names = PluginRegistry().names(REPORTERS)
    return [choice for name in names for choice in (name, f"{name}:")
            if choice.startswith(incomplete)]


def seconds(ctx: click.Context, param: click.Parameter, value: str) -> float:
    """--timeout, read as the 'timeout' directive reads it (the same bound, MAX_TIMEOUT):
    nan, inf or 1e300 must be refused here, not accepted and then fail every block."""
    if ctx.get_parameter_source(param.name or "") is click.core.ParameterSource.DEFAULT:
        return float(value)  # (the engine is not imported for the default)
    from tstconfig_core.engine.directives import MAX_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= MAX_TIMEOUT:
        raise click.BadParameter(f"expected a number of seconds above 0 (at most "
                                 f"{MAX_TIMEOUT}), not {value!r}")
    return seconds


def print_schema(kind: str) -> None:
    from importlib.resources import files
    click.echo((files("tstconfig_core") / "schemas" / "report.schema.json").read_text(
        encoding="utf-8"), nl=False)


def waivers(path: str | None) -> Waivers | None:
    if path is None:
        return None
    from tstconfig_core.waivers import WaiverError, load
    try:
        return load(path)
    except WaiverError as exc:
        raise click.BadParameter(str(exc), param_hint="--waivers") from None
