"""The command line's options for a snapshot, declared here so that cli.py stays a list
of modes: ``--snapshot OUT``, ``--all-rows``, ``--include-sensitive``; and ``--var``,
since a baseline is run with the variables its snapshot was taken with.

Nothing heavier than click is imported until a snapshot is taken.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

import click

if TYPE_CHECKING:
    from tstconfig_core.engine.context import RunSettings
    from tstconfig_core.loading.registry import PluginRegistry

_F = TypeVar("_F", bound=Callable[..., object])


def _variables(ctx: click.Context, param: click.Parameter,
               values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """NAME=VALUE pairs, NAME as ``${NAME}`` can name it; a usage error otherwise."""
    if not values:
        return ()
    from tstconfig_core.engine.values import NAME
    pairs: dict[str, str] = {}
    for item in values:
        name, equals, value = item.partition("=")
        if not equals or not NAME.fullmatch(name):
            raise click.BadParameter(f"expected NAME=VALUE, NAME a letter or _ then letters, "
                                     f"digits or _ (--var port=22); not {item!r}")
        if name in pairs:
            raise click.BadParameter(f"{name} is given twice; give each variable once")
        pairs[name] = value
    return tuple(pairs.items())


def _out(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value == "":
        raise click.BadParameter("give a file (NAME.tstconfig), a folder, or - for standard "
                                 "output")
    return value


_OPTIONS = (
    click.option("--var", "variables", multiple=True, metavar="NAME=VALUE",
                 callback=_variables,
                 help="Set the variable ${NAME} to VALUE (one token) in every definition. "
                      "Repeatable. A definition's 'let NAME' sets one from a value."),
    click.option("--snapshot", metavar="OUT", type=click.Path(allow_dash=True), callback=_out,
                 help="Check nothing: write a baseline, the definitions with each value they "
                      "select now pinned (assert_eq), to OUT: a *.tstconfig file, a folder "
                      "(a baseline per definition) or - (standard output)."),
    click.option("--all-rows", is_flag=True,
                 help="With --snapshot: pin every row of each block (a property per key, a "
                      "section_size per section), not only what the definitions select."),
    click.option("--include-sensitive", is_flag=True,
                 help="With --snapshot: keep the sensitive blocks and write their values "
                      "(the baseline is then readable by its owner only)."),
)


def options(command: _F) -> _F:
    """Adds the options above to the command (in this order in --help)."""
    for option in reversed(_OPTIONS):
        command = option(command)
    return command


def take(registry: PluginRegistry, settings: RunSettings, definitions: Sequence[str], *,
         debug: bool, snapshot: str | None, all_rows: bool, include_sensitive: bool) -> int:
    """--snapshot's exit status (see :func:`tstconfig_core.snapshot.baseline.take`)."""
    if snapshot is None:
        given = [flag for flag, on in (("--all-rows", all_rows),
                                       ("--include-sensitive", include_sensitive)) if on]
        raise click.UsageError(f"{' and '.join(given)}: only with --snapshot OUT")
    from tstconfig_core.snapshot.baseline import take as take_snapshot
    return take_snapshot(registry, settings, definitions, snapshot, debug=debug,
                         all_rows=all_rows, include_sensitive=include_sensitive)
