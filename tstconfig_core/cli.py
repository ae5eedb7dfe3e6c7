"""The ``tstconfig`` command line."""
from __future__ import annotations

import signal
import sys
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import click

from tstconfig_core import __version__, arguments, snapshot
from tstconfig_core.fleet import options as fleet

if TYPE_CHECKING:
    from tstconfig_core.engine.context import RunSettings
    from tstconfig_core.loading.registry import PluginRegistry
    from tstconfig_core.run import Run
    from tstconfig_core.waivers import Waivers

EPILOG = """\b
Examples:
  tstconfig examples/                      every *.tstconfig below examples/
  tstconfig checks/sshd.tstconfig          one definition file
  tstconfig -r junit:out/report.xml checks/   a JUnit report for CI (and text here)
  tstconfig -v checks/                     every assertion, passed ones too
  tstconfig -x checks/                     stop at the first failure or error
  tstconfig --check checks/                validate, reading no source, running nothing
  tstconfig --list-ids checks/             the stable id of every assertion
  tstconfig --waivers waivers.toml checks/ accept known failures for a while
  cat x.tstconfig | tstconfig -            a definition from standard input
  tstconfig --inspect checks/netstat.tstconfig   how each block is cut into rows
  tstconfig --list-plugins                 the plugins installed, and their state

\b
Reports: every assertion has a stable id, FILE::BLOCK::CHECK, made of what it
checks (not its line), so CI history survives edits; 'name TEXT' in a definition
names a block, or the next assertion. An assertion whose source, value or check
cannot be had is reported not run (JUnit skipped, TAP SKIP), with an error.
Details: docs/reporters.md.

\b
Exit status: 0 all assertions passed (or waived); 1 assertions failed; 2 errors, bad
usage, a report that could not be written or a reporter that failed; 130, 143 or
129 when stopped by SIGINT (Ctrl-C), SIGTERM or SIGHUP (reports are still
written), --inspect, --check and --list-ids too.
\b
Shell completion (bash; zsh and fish alike, see docs/reporters.md):
  eval "$(_TSTCONFIG_COMPLETE=bash_source tstconfig)"
"""

def _reporter_classes(registry: PluginRegistry, specs: Sequence[str]) -> list[type]:
    """The class of each ``-r`` reporter, before any report path is touched."""
    from tstconfig_core.api import PluginError
    from tstconfig_core.loading.groups import REPORTERS
    classes = []
    for spec in specs or ("text",):
        try:
            classes.append(registry.instance(REPORTERS, spec.partition(":")[0]))
        except PluginError as exc:
            raise click.BadParameter(str(exc), param_hint="--reporter") from None
    return classes


def _definition_files(definitions: Sequence[str]) -> list[str]:
    from tstconfig_core.finding import expand
    return [item for item in expand(definitions) if isinstance(item, str)]


@click.command(context_settings={"help_option_names": ["-h", "--help"]}, epilog=EPILOG)
@click.argument("definitions", nargs=-1, metavar="DEFINITION...",
                type=click.Path(allow_dash=True))
@click.option("-r", "--reporter", "reporters", multiple=True, metavar="NAME[:PATH]",
              shell_complete=arguments.complete_reporter,
              help="Report format (text, json, junit, tap, tap13, or a plugin's), and a "
                   "file to write it to (default: text on standard output). Repeatable; "
                   "each on its own path.")
@click.option("-q", "--quiet", is_flag=True,
              help="Text report: only failures, errors and the summary.")
@click.option("-v", "--verbose", is_flag=True,
              help="Text report: every assertion (passed and not run too), and under each "
                   "failure why it failed, where it is and its id.")
@click.option("-x", "--exitfirst", is_flag=True,
              help="Stop at the first failure or error; the reports are still written.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto",
              show_default=True,
              help="Colour on standard output: auto is on for a terminal, unless NO_COLOR "
                   "is set (FORCE_COLOR turns it on). Report files never have colour.")
@click.option("--waivers", metavar="FILE", type=click.Path(dir_okay=False),
              help="Known failures to accept for a while: a TOML file of [[waiver]] entries "
                   "(id, or pattern: a glob over ids; reason; optional owner and expires). "
                   "A waived failure is reported as skipped and does not fail the run.")
@click.option("--timeout", default="60", show_default=True, metavar="SECONDS",
              callback=arguments.seconds,
              help="Seconds a command may run before it is killed, and a block's parse and "
                   "each assertion may take (above 0, at most 1000000). A block can set its "
                   "own with 'timeout SECONDS'.")
@click.option("--max-size", metavar="SIZE", default="64M", show_default=True,
              help="Most bytes a source may give (a file, a command's output); 64K, 64M, "
                   "1G. A block can set its own with 'max_size SIZE'.")
@click.option("--no-commands", is_flag=True,
              help="Refuse every source that runs a program (command): for definitions "
                   "from a place you do not trust. See docs/security.md.")
@click.option("--root", metavar="DIR", type=click.Path(exists=True, file_okay=False),
              help="Check the folder tree under DIR as if it were the host (a mounted image, "
                   "a container's root filesystem): every file and /proc read comes from it, "
                   "links resolved inside it; commands are not run.")
@click.option("--proc-root", metavar="DIR", envvar="TSTCONFIG_PROC_ROOT",
              type=click.Path(exists=True, file_okay=False),
              help="Where /proc is read from (default /proc, or DIR/proc with --root; also "
                   "TSTCONFIG_PROC_ROOT).")
@snapshot.options  # --var, --snapshot OUT, --all-rows, --include-sensitive: in **snap
@fleet.options  # --host, --hosts, --inventory, -j, --become...: in ctx.meta
@click.option("--check", "check_only", is_flag=True,
              help="Only read and validate the definitions (unknown directives and "
                   "plugins, bad numbers and regular expressions, options their parse "
                   "mode does not read): no source is read and no command run. Exit 0 "
                   "when valid, 2 when not.")
@click.option("--list-ids", is_flag=True,
              help="Print the stable id of every assertion (what waivers and CI history "
                   "use), one a line, without reading or running anything, and exit.")
@click.option("--inspect", is_flag=True,
              help="Run no assertion: show each block's parse settings and its rows as "
                   "a table, with column numbers and the positions' cuts.")
@click.option("--inspect-rows", type=click.IntRange(min=1), default=20, show_default=True,
              metavar="N", help="With --inspect: rows shown per section.")
@click.option("--schema", type=click.Choice(["json"]),
              help="Print the JSON Schema of the json report, and exit.")
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
         quiet: bool, verbose: bool, exitfirst: bool, color: str, waivers: str | None,
         timeout: float, max_size: str, no_commands: bool, root: str | None, proc_root: str | None,
         check_only: bool, list_ids: bool, inspect: bool, inspect_rows: int, schema: str | None,
         list_plugins: bool, disable_plugins: str, debug: bool, **snap: Any) -> None:
    """Check a host against DEFINITION files (a file, a directory of *.tstconfig, or -)."""
    from tstconfig_core.loading.registry import CORE_DISTRIBUTION, PluginRegistry, canonical
    disabled = [d for d in disable_plugins.split(",") if d.strip()]
    if any(canonical(d.strip()) == CORE_DISTRIBUTION for d in disabled):
        click.echo(f"Warning: the built-in plugins ({CORE_DISTRIBUTION}) cannot be disabled; "
                   "ignoring that name.", err=True)
    registry = PluginRegistry(disabled, import_timeout=timeout)
    if list_plugins:
        from tstconfig_core.loading.listing import render
        from tstconfig_core.streams import stdout_for_reports
        with stdout_for_reports() as out:  # (importing a plugin may print)
            click.echo(render(registry), nl=False, file=out)
        ctx.exit(0)
    if schema:
        arguments.print_schema(schema)
        ctx.exit(0)
    if not definitions:
        click.echo(ctx.get_usage(), err=True)
        click.echo("Error: give at least one DEFINITION (a file, a directory or -).", err=True)
        ctx.exit(2)
    if quiet and verbose:
        raise click.UsageError("-q and -v ask for opposite things; give one of them")
    accepted = arguments.waivers(waivers)  # (validated by --check too)
    modes = [flag for flag, on in (("--check", check_only), ("--list-ids", list_ids),
                                   ("--inspect", inspect), ("--snapshot", snap["snapshot"])) if on]
    if len(modes) > 1:
        raise click.UsageError(f"{' and '.join(modes)} cannot be combined")
    if modes and reporters:
        raise click.UsageError(f"{modes[0]} prints to standard output; it takes no --reporter")
    hosts = fleet.prepare(ctx, modes, bool(root) or (bool(proc_root) and ctx.get_parameter_source(
        "proc_root") is click.core.ParameterSource.COMMANDLINE))
    from tstconfig_core.engine.context import RunSettings
    from tstconfig_core.limits import parse_size
    from tstconfig_core.run import Run
    try:
        size = parse_size(max_size)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--max-size") from None
    settings = RunSettings(timeout=timeout, max_size=size, no_commands=no_commands,
                           proc_root=proc_root, root=root, variables=snap.pop("variables"))
    if any(snap.values()):  # --snapshot, or its options without it (refused)
        ctx.exit(snapshot.take(registry, settings, definitions, debug=debug, **snap))
    if inspect:
        from tstconfig_core.inspect import InspectPrinter
        printer = InspectPrinter(sys.stdout, inspect_rows)
        run = Run([printer], registry, settings, debug=debug, run_assertions=False,
                  block_observers=[printer.block])
        ctx.exit(_shown_run(run, definitions))
    if check_only or list_ids:
        from tstconfig_core.checking import CheckPrinter, IdLister
        shows = CheckPrinter(sys.stdout) if check_only else IdLister(sys.stdout, sys.stderr)
        run = Run([shows], registry, settings, debug=debug, check_only=True)
        ctx.exit(_shown_run(run, definitions))
    ctx.exit(_run(registry, definitions, reporters, settings, debug=debug, waivers=accepted,
                  exitfirst=exitfirst, color=color, verbosity=-1 if quiet else int(verbose),
                  hosts=hosts))


def _shown_run(run: Run, definitions: Sequence[str]) -> int:
    """--inspect, --check, --list-ids: 0, or 2 for errors (no assertion is checked, so
    never 1), or 128 + N when a signal stopped it, as for a run."""
    from tstconfig_core.signals import Stopped, run_signals
    with run_signals() as signals:
        try:
            status = run.execute(definitions)
        except (KeyboardInterrupt, Stopped) as exc:  # a second one while the end was shown
            status = 128 + getattr(exc, "signum", signal.SIGINT)
    return signals.exit_status(0 if status == 1 else status)


def _run(registry: PluginRegistry, definitions: Sequence[str], specs: Sequence[str],
         settings: RunSettings, *, debug: bool, waivers: Waivers | None, exitfirst: bool,
         color: str, verbosity: int, hosts: dict[str, Any] | None) -> int:
    """A run with its reports: everything a person can get wrong is refused before it."""
    from tstconfig_core.signals import run_signals
    # One handler from before the reports are opened to the exit status: no signal finds
    # the default action (the process killed, temporary files left) or is noted and lost.
    with run_signals() as signals:
        status = _reported_run(registry, definitions, specs, settings, debug=debug,
                               waivers=waivers, exitfirst=exitfirst, color=color,
                               verbosity=verbosity, hosts=hosts)
    return signals.exit_status(status)


def _reported_run(registry: PluginRegistry, definitions: Sequence[str], specs: Sequence[str],
                  settings: RunSettings, *, debug: bool, waivers: Waivers | None,
                  exitfirst: bool, color: str, verbosity: int,
                  hosts: dict[str, Any] | None) -> int:
    from tstconfig_core.run import Run
    from tstconfig_core.signals import Stopped
    from tstconfig_core.targets import discard_all, finish, plan_targets
    try:
        classes = _reporter_classes(registry, specs)
        files = _definition_files(definitions)
        # (a FIFO waits here for its reader)
        targets = plan_targets(specs, files, [waivers.path] if waivers else [])
    except (KeyboardInterrupt, Stopped) as exc:
        return 128 + getattr(exc, "signum", signal.SIGINT)
    progress = None
    if verbosity >= 0 and sys.stderr is not None and sys.stderr.isatty():
        from tstconfig_core.terminal import Progress
        if Progress.wanted(sys.stderr):
            progress = Progress(sys.stderr, len(files))
    try:
        from tstconfig_core.reporting import made_reporters
        reporters = made_reporters(registry, specs, classes, targets, color, verbosity,
                                   progress, debug)
        make = Run if hosts is None else partial(fleet.fleet_run, hosts, registry, classes)
        run = make(reporters, registry, settings, debug=debug, waivers=waivers,
                  exitfirst=exitfirst, observers=[progress] if progress is not None else [])
        status = run.execute(definitions)
        # The run is over: a first signal now waits until the reports are committed.
        for reporter, target in zip(reporters, targets):
            if reporter.broken:  # its report is lost: a replaced file keeps its last version
                target.discard()
        return finish([t for r, t in zip(reporters, targets) if not r.broken], status)
    except (KeyboardInterrupt, Stopped) as exc:  # a second signal while they were written
        discard_all(targets)
        return 128 + getattr(exc, "signum", signal.SIGINT)
    except BaseException:
        discard_all(targets)
        raise
