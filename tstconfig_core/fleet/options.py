"""The command line's fleet options, declared here so that cli.py stays a list of modes.

``--host``, ``--hosts``, ``--inventory`` and ``--limit`` say which hosts; ``-j``,
``--ssh-config``, ``--connect-timeout``, ``--become``, ``--become-user`` and
``--ssh-option`` how they are reached. The options keep their values in the click
context (``ctx.meta``), so ``main`` needs no parameter of its own for them; nothing
of the fleet is imported unless one of them is given.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from tstconfig_core.fleet.targets import HostSettings, Target
    from tstconfig_core.loading.registry import PluginRegistry
    from tstconfig_core.run import Run

_F = TypeVar("_F", bound=Callable[..., object])
_KEY = "tstconfig.fleet"
#: Hosts reached at once by default: ssh's start-up is most of a host's cost, and two
#: cores keep up with eight of them (bench/fleet.py).
DEFAULT_JOBS = 8


def _keep(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    ctx.meta.setdefault(_KEY, {})[param.name] = value
    return value


def options(command: _F) -> _F:
    """Add the fleet options to a click command."""
    specs = [
        (("--host", "hosts"), dict(multiple=True, metavar="URL",
         help="Check this host instead of this machine: ssh://[USER@]HOST[:PORT] (or "
              "just [USER@]HOST[:PORT]), local://, or a plugin's KIND://. Repeatable.")),
        (("--hosts", "host_lists"), dict(multiple=True, metavar="A,B,...",
         help="Hosts to check, comma-separated (each as --host takes it).")),
        (("--inventory", "-i", "inventories"), dict(multiple=True, metavar="FILE",
         help="Check the hosts of an Ansible inventory (INI, YAML, a folder, a dynamic "
              "inventory), with their variables; needs tstconfig[ansible]. Repeatable.")),
        (("--limit", "-l", "limit"), dict(metavar="PATTERN",
         help="With --inventory: only the hosts this Ansible pattern selects "
              "(web, 'web:&prod', '!db1', 'web*').")),
        (("-j", "--jobs", "jobs"), dict(type=click.IntRange(1, 256), default=DEFAULT_JOBS,
         show_default=True, help="Hosts reached at the same time.")),
        (("--ssh-config", "ssh_config"), dict(metavar="FILE",
         type=click.Path(exists=True, dir_okay=False),
         help="The ssh client configuration to use (ssh -F FILE); default ~/.ssh/config.")),
        (("--connect-timeout", "connect_timeout"), dict(type=click.FloatRange(0.5, 3600),
         default=10.0, show_default=True, metavar="SECONDS",
         help="Seconds ssh may take to connect to a host.")),
        (("--become", "become"), dict(is_flag=True,
         help="Read and run as root on each host, through 'sudo -n' (no password prompt: "
              "the sudo rule must allow it).")),
        (("--become-user", "become_user"), dict(metavar="USER",
         help="With --become: read and run as USER instead of root.")),
        (("--per-request", "per_request"), dict(is_flag=True, hidden=True,
         help="Ask each host one block at a time, a round trip each (bench/fleet.py "
              "measures what that costs).")),
        (("--ssh-option", "ssh_options"), dict(multiple=True, metavar="OPTION",
         help="An ssh option for every host, as ssh -o takes it "
              "(--ssh-option StrictHostKeyChecking=accept-new). Repeatable.")),
    ]
    for names, extra in reversed(specs):
        command = click.option(*names, expose_value=False, callback=_keep,
                               **extra)(command)  # type: ignore[call-overload]
    return command


def given(ctx: click.Context) -> dict[str, Any] | None:
    """The fleet options, when any host is named; None for a run of this machine."""
    found = ctx.meta.get(_KEY, {})
    if found.get("hosts") or found.get("host_lists") or found.get("inventories"):
        return found
    if found.get("limit"):
        raise click.UsageError("--limit selects hosts of an --inventory; give one")
    if found.get("become") or found.get("become_user"):
        raise click.UsageError("--become and --become-user apply to fleet hosts: give "
                               "--host, --hosts or --inventory")
    return None


def targets(found: dict[str, Any]) -> tuple[list[Target], list[str]]:
    """Every host to check, in order (each once), and warnings; UsageError when one is
    wrong, before anything runs."""
    from tstconfig_core.fleet.targets import TargetError, from_command_line, unique
    warnings: list[str] = []
    try:
        listed = from_command_line(found.get("hosts") or (), found.get("host_lists") or ())
        if found.get("inventories"):
            from tstconfig_core.fleet.inventory import InventoryError, load_inventory
            try:
                inventory = load_inventory(list(found["inventories"]), found.get("limit"))
            except InventoryError as exc:
                raise click.BadParameter(str(exc), param_hint="--inventory") from None
            listed += inventory.targets
            warnings += inventory.warnings
        return unique(listed), warnings
    except TargetError as exc:
        raise click.BadParameter(str(exc), param_hint="--host") from None


def settings(found: dict[str, Any]) -> HostSettings:
    from tstconfig_core.fleet.targets import HostSettings
    return HostSettings(ssh_config=found.get("ssh_config"),
                        connect_timeout=found.get("connect_timeout") or 10.0,
                        become=bool(found.get("become")),
                        become_user=found.get("become_user"),
                        ssh_options=tuple(a for o in found.get("ssh_options") or ()
                                          for a in ("-o", o)))


def host_maker(registry: PluginRegistry, host_settings: HostSettings) -> Callable[[Target], Any]:
    """Target -> Host, through the host kind (``tstconfig.hosts``) its scheme names."""
    from tstconfig_core.api import HostError, PluginError
    from tstconfig_core.loading.groups import HOSTS

    def make(target: Target) -> Any:
        try:
            kind = registry.instance(HOSTS, target.kind)
        except PluginError as exc:
            raise HostError(str(exc)) from None
        try:
            return kind(target, host_settings)
        except HostError:
            raise
        except Exception as exc:
            raise HostError(f"the {target.kind} host kind could not be made: "
                            f"{type(exc).__name__}: {exc}") from None
    return make


def fleet_run(found: dict[str, Any], registry: PluginRegistry, classes: Sequence[type],
              *args: Any, **kwargs: Any) -> Run:
    """The Run of a fleet: the hosts are known (targets() was called before reports were
    opened), each reached through its kind; ``classes`` are the reporters' (those that
    want values get a ValueObserved for each selector no assertion follows)."""
    from tstconfig_core.fleet.run import FleetRun
    return FleetRun(*args, targets=found["targets"],
                    make_host=host_maker(registry, settings(found)),
                    jobs=found.get("jobs") or DEFAULT_JOBS,
                    prefetch=not found.get("per_request"),
                    observe_values=any(getattr(cls, "wants_values", False) for cls in classes),
                    **kwargs)


def prepare(ctx: click.Context, modes: Sequence[str], local_only: bool) -> dict[str, Any] | None:
    """(``local_only``: --root, or --proc-root on the command line; from the environment,
    TSTCONFIG_PROC_ROOT is this machine's business and fleets leave it alone.)"""
    """The fleet options checked and their hosts known (before any report is opened), or
    None for a run of this machine; warnings (an inventory's) go to standard error."""
    found = given(ctx)
    if found is None:
        return None
    if modes:
        raise click.UsageError(f"{modes[0]} works on this machine: it cannot be combined "
                               "with --host, --hosts or --inventory")
    if local_only:
        raise click.UsageError("--root and --proc-root say where this machine's files are: "
                               "they cannot be combined with --host, --hosts or --inventory")
    found["targets"], warnings = targets(found)
    for warning in warnings:
        click.echo(f"Warning: {warning}", err=True)
    if not found["targets"]:
        raise click.UsageError("no host to check: " + ("the inventory has none"
                                                       if found.get("inventories") else
                                                       "--hosts names none"))
    return found
