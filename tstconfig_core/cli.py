"""The ``tstconfig`` command line."""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from tstconfig_core import __version__

if TYPE_CHECKING:
    from tstconfig_core.targets import ReportTarget

EPILOG = """\b
Examples:
  tstconfig examples/                      every *.tstconfig below examples/
  tstconfig checks/sshd.tstconfig          one definition file
  tstconfig --timeout 10 checks/           commands killed after 10 s
  tstconfig -r text:report.txt checks/     the report written to a file
  cat x.tstconfig | tstconfig -            a definition from standard input
  tstconfig --inspect checks/netstat.tstconfig   how each block is cut into rows
  tstconfig --list-plugins                 the plugins installed, and their state

\b
Exit status: 0 all assertions passed; 1 assertions failed; 2 errors or bad usage;
130 or 143 when stopped by SIGINT (Ctrl-C) or SIGTERM (reports are still written).
"""

REPORTERS = "tstconfig.reporters"


def _load_reporters(registry, targets: list[ReportTarget]) -> list:
    from tstconfig_core.api import Reporter
    from tstconfig_core.loader import PluginError
    classes = []
    for target in targets:
        if not registry.has(REPORTERS, target.name):
            known = ", ".join(registry.names(REPORTERS))
            raise click.BadParameter(f"unknown reporter {target.name!r}; known: {known}",
                                     param_hint="--reporter")
        try:
            cls = registry.load(REPORTERS, target.name)
        except PluginError as exc:
            raise click.BadParameter(str(exc), param_hint="--reporter") from None
        if not (isinstance(cls, type) and issubclass(cls, Reporter)):
            raise click.BadParameter(f"reporter {target.name!r} is not a Reporter class",
                                     param_hint="--reporter")
        classes.append(cls)
    return [cls(target.open()) for cls, target in zip(classes, targets)]


@click.command(context_settings={"help_option_names": ["-h", "--help"]}, epilog=EPILOG)
@click.argument("definitions", nargs=-1, metavar="DEFINITION...")
@click.option("-r", "--reporter", "reporters", multiple=True, metavar="NAME[:PATH]",
              help="Report format, and a file to write it to (default: text on standard "
                   "output). Repeatable.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=60.0,
              show_default=True, help="Seconds a command may run before it is killed.")
@click.option("--max-size", metavar="SIZE", default="64M", show_default=True,
              help="Most bytes a source may give (a file, a command's output); 64K, 64M, "
                   "1G. A block can set its own with 'max_size SIZE'.")
@click.option("--no-commands", is_flag=True,
              help="Refuse every source that runs a program (command): for definitions "
                   "from a place you do not trust. See docs/security.md.")
@click.option("--proc-root", metavar="DIR", envvar="TSTCONFIG_PROC_ROOT",
              type=click.Path(exists=True, file_okay=False),
              help="Where the proc source reads /proc from (default /proc; also "
                   "TSTCONFIG_PROC_ROOT).")
@click.option("--inspect", is_flag=True,
              help="Run no assertion: show each block's parse settings and its rows as "
                   "a table, with column numbers and the positions' cuts.")
@click.option("--inspect-rows", type=click.IntRange(min=1), default=20, show_default=True,
              metavar="N", help="With --inspect: rows shown per section.")
@click.option("--list-plugins", is_flag=True,
              help="List every registered plugin with its distribution, version and "
                   "status (broken ones too), and exit.")
@click.option("--disable-plugins", metavar="DIST,...", envvar="TSTCONFIG_DISABLE_PLUGINS",
              default="", help="Ignore the plugins of these distributions, as if they were "
                               "not installed (also TSTCONFIG_DISABLE_PLUGINS).")
@click.option("--debug", is_flag=True, help="Show Python tracebacks of internal errors.")
@click.version_option(__version__, "-V", "--version", prog_name="tstconfig",
                      message="%(prog)s %(version)s")
@click.pass_context
def main(ctx: click.Context, definitions: tuple[str, ...], reporters: tuple[str, ...],
         timeout: float, max_size: str, no_commands: bool, proc_root: str | None,
         inspect: bool, inspect_rows: int, list_plugins: bool, disable_plugins: str,
         debug: bool) -> None:
    """Check a host against DEFINITION files (a file, a directory of *.tstconfig, or -)."""
    from tstconfig_core.loader import CORE_DISTRIBUTION, PluginRegistry, canonical
    disabled = [d for d in disable_plugins.split(",") if d.strip()]
    if any(canonical(d.strip()) == CORE_DISTRIBUTION for d in disabled):
        click.echo(f"Warning: the built-in plugins ({CORE_DISTRIBUTION}) cannot be disabled; "
                   "ignoring that name.", err=True)
    registry = PluginRegistry(disabled)
    if list_plugins:
        from tstconfig_core.listing import render
        click.echo(render(registry), nl=False)
        ctx.exit(0)
    if not definitions:
        click.echo(ctx.get_usage(), err=True)
        click.echo("Error: give at least one DEFINITION (a file, a directory or -).", err=True)
        ctx.exit(2)
    from tstconfig_core.app import Run

    from tstconfig_core.limits import parse_size
    try:
        size = parse_size(max_size)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--max-size") from None
    settings: dict[str, object] = {"max_size": size, "no_commands": no_commands}
    if proc_root:
        settings["proc_root"] = proc_root
    if inspect:
        if reporters:
            raise click.UsageError("--inspect prints to standard output; it takes no --reporter")
        from tstconfig_core.inspect import InspectPrinter
        printer = InspectPrinter(sys.stdout, inspect_rows)
        run = Run([printer], timeout, debug, registry, settings, on_block=printer.block)
        ctx.exit(2 if run.execute(definitions) == 2 else 0)
    from tstconfig_core.targets import discard_all, finish, plan_targets
    targets = plan_targets(reporters, definitions)
    try:
        run = Run(_load_reporters(registry, targets), timeout, debug, registry, settings)
        status = run.execute(definitions)
    except BaseException:
        discard_all(targets)
        raise
    ctx.exit(finish(targets, status))
