"""Hosts from an Ansible inventory (``--inventory FILE [--limit PATTERN]``), read by
ansible-core's own code to read as for Ansible: INI, YAML, a folder, a dynamic inventory
script or plugin config (collections too), the group_vars/ and host_vars/ beside it, its
variable precedence and ``--limit`` patterns (``web:&prod``, ``!db1``, ``~regex``).
ansible-core is an optional extra (``tstconfig[ansible]``), imported only to read one.

Unlike Ansible, since a fleet that quietly shrank would pass: a source it cannot parse
is an error (Ansible warns), as are no hosts and a --limit matching none. ``{{ }}`` is
not rendered: values are kept as written (no Jinja here; lookups would run on the
controller), and a connection value that is a template is an error. Ansible Vault is not
decrypted: an inline ``!vault`` value is left out (warned of), a vaulted file an error.
Not read: the current folder's group_vars/ (Ansible's beside a playbook; there is none),
facts a fact cache kept (tstconfig reads the hosts).

A Target per host: name inventory_hostname, address ansible_host, port ansible_port (an
integer, else an error), user ansible_user (``ansible_ssh_*`` wins, as in Ansible's ssh
plugin); kind from ansible_connection: unset, ssh, smart, paramiko -> ssh; local; else
its last dotted part (community.docker.docker -> docker, a tstconfig host kind); options
identity_file, become (Ansible's booleans), become_user, ssh_common_args, ssh_extra_args.

variables (``${NAME}``), sorted: each host variable after precedence, ansible_* ones too
(a check may compare them), but not Ansible's magic ones (groups, hostvars, playbook_dir:
the controller's or the inventory's; inventory_hostname and group_names, space-separated
and sorted as Ansible gives them, are kept), never passwords (ansible_password,
ansible_become_pass...), and not names tstconfig cannot name (foo-bar: warned of). Text:
a string as written; true/false (as JSON and YAML write them); a number as read (1.10 is
read as 1.1: quote it); "" for null; dates ISO; lists and mappings compact JSON.

Ansible's warnings (a --limit pattern matching no host, a deprecation) are kept, never
printed: in Inventory.warnings, and in errors, as they hold the reason. ~/.ansible/tmp,
which importing ansible-core makes, is not made (see _import_ansible).
"""
from __future__ import annotations

import datetime
import importlib
import json
import logging
import os
import re
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

from tstconfig_core.engine.values import NAME
from tstconfig_core.fleet.targets import Target, TargetError, frozen

log = logging.getLogger(__name__)

NEEDS_ANSIBLE = ("--inventory needs ansible-core, which is not installed: "
                 "pip install 'tstconfig[ansible]'")
#: What Ansible's get_vars adds that describes the controller or the whole inventory.
_MAGIC = frozenset({"ansible_config_file", "ansible_facts", "ansible_local", "ansible_version",
                    "ansible_playbook_python", "groups", "hostvars", "inventory_dir", "omit",
                    "inventory_file", "inventory_hostname_short", "playbook_dir"})
_KEPT = frozenset({"inventory_hostname", "group_names"})
_PASSWORD = re.compile(r"ansible_\w*pass(word|phrase)?")
_SSH = frozenset({"ssh", "smart", "paramiko", "paramiko_ssh"})
_PORT = re.compile(r"[0-9]+")
_OPTIONS = (("identity_file", ("ansible_ssh_private_key_file", "ansible_private_key_file")),
            ("become_user", ("ansible_become_user",)),
            ("ssh_common_args", ("ansible_ssh_common_args",)),
            ("ssh_extra_args", ("ansible_ssh_extra_args",)))


class InventoryError(TargetError):
    """An inventory that cannot give a fleet: told before any host is checked."""


class Inventory(NamedTuple):
    """The hosts, in Ansible's order, and what Ansible or the reading warned of."""

    targets: list[Target]
    warnings: list[str]


def load_inventory(sources: Sequence[str], limit: str | None = None) -> Inventory:
    """The hosts of ``sources`` (as Ansible's ``-i`` takes them) that ``limit`` selects;
    InventoryError (its text for people, Ansible's reason in it) when they give no fleet."""
    if not sources:
        raise InventoryError("no inventory given: --inventory FILE")
    for source in sources:
        if "," not in source and not os.path.exists(source):  # "a,b," is a list of hosts
            raise InventoryError(f"inventory {source!r}: no such file or folder")
    _import_ansible()
    from ansible.errors import AnsibleError

    warnings: list[str] = []
    try:
        with _kept_warnings(warnings):
            hosts = _read(sources, limit)
    except AnsibleError as error:
        raise InventoryError("\n  ".join([f"cannot read the inventory: {_vault_hint(error)}",
                                           *warnings])) from error
    if not hosts:  # with Ansible's warnings: they hold the reason
        raise InventoryError("\n  ".join([f"--limit {limit!r} matches no host of the inventory"
                                           if limit is not None else "the inventory has no hosts",
                                           *warnings]))
    left_out: dict[tuple[str, str], list[str]] = {}
    targets = [_target(name, values, left_out) for name, values in hosts]
    for (variable, why), names in left_out.items():
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        warnings.append(f"variable {variable!r} left out (host{'s' * (len(names) > 1)} "
                        f"{shown}): {why}")
    return Inventory(targets, warnings)


def _import_ansible() -> None:
    """ansible-core, its config read (once a process) with ANSIBLE_LOCAL_TEMP, unless set,
    in /tmp: no ~/.ansible/tmp is made, and Ansible removes its folder in /tmp at exit."""
    try:
        importlib.import_module("ansible")
    except ImportError as error:
        if error.name == "ansible":
            raise InventoryError(NEEDS_ANSIBLE) from None
        raise InventoryError(f"--inventory: ansible-core cannot be imported: {error}") from error
    own = "ANSIBLE_LOCAL_TEMP" not in os.environ and "ansible.constants" not in sys.modules
    if own:
        os.environ["ANSIBLE_LOCAL_TEMP"] = tempfile.gettempdir()
    try:
        importlib.import_module("ansible.constants")  # its warnings wait for Display
    except Exception as error:  # a broken ansible.cfg: AnsibleOptionsError
        raise InventoryError(f"--inventory: ansible-core cannot start: {error}") from error
    finally:
        if own:
            del os.environ["ANSIBLE_LOCAL_TEMP"]


def _read(sources: Sequence[str], limit: str | None) -> list[tuple[str, dict[str, Any]]]:
    """Each host Ansible selects, with its variables after Ansible's precedence."""
    import ansible.constants as C
    from ansible.errors import AnsibleError
    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader
    from ansible.plugins.loader import init_plugin_loader
    from ansible.utils.collection_loader import AnsibleCollectionConfig
    from ansible.vars.manager import VariableManager
    if AnsibleCollectionConfig.collection_finder is None:
        init_plugin_loader()  # Ansible's CLI does this: inventory plugins of collections
    # An unparsed source fails, not warns; no cached facts (3x faster too: 0.25 s, 1,000 hosts)
    with _overridden(C, INVENTORY_ANY_UNPARSED_IS_FAILED=True, INJECT_FACTS_AS_VARS=False):
        loader = DataLoader()
        inventory = InventoryManager(loader=loader, sources=list(sources))
        try:
            inventory.subset(limit)
            hosts = inventory.get_hosts("all")
        except AnsibleError as error:  # a bad pattern (~(), a missing @FILE
            raise InventoryError(f"--limit {limit!r}: {error}") from error
        manager = VariableManager(loader=loader, inventory=inventory)
        manager.safe_basedir = False  # no playbook: not the current folder's group_vars/
        found = [(_text(h.name), manager.get_vars(host=h, include_hostvars=False, stage="all"))
                 for h in hosts]
    log.debug("%d hosts from %s (limit %r)", len(found), ", ".join(sources), limit)
    return found


def _target(name: str, values: Mapping[str, Any],
            left_out: dict[tuple[str, str], list[str]]) -> Target:
    """The Target of one host; ``left_out`` collects the variables it could not keep."""
    def text(*names: str) -> str | None:
        """The first of ``names`` that is set, as text; a template cannot be used."""
        for key in names:
            value = values.get(key)
            if value is not None and value != "":
                try:
                    found = _text(value)
                except TypeError as error:
                    raise InventoryError(f"host {name}: {key}: {error}") from None
                if "{{" in found or "{%" in found:
                    raise InventoryError(f"host {name}: {key} is a template ({found}), which "
                                         "tstconfig does not render: write the value itself")
                return found
        return None

    connection = text("ansible_connection")
    last = connection.rsplit(".", 1)[-1] if connection else "ssh"
    options: dict[str, object] = {
        option: found for option, keys in _OPTIONS if (found := text(*keys)) is not None}
    if (become := text("ansible_become")) is not None:
        options["become"] = _boolean(name, become)
    port = text("ansible_ssh_port", "ansible_port")
    if port is not None and not (_PORT.fullmatch(port) and 0 < int(port) < 65536):
        raise InventoryError(f"host {name}: ansible_port is {port!r}, not a port number")
    return Target(name, "ssh" if last in _SSH else last, text("ansible_ssh_host", "ansible_host"),
                  None if port is None else int(port), text("ansible_ssh_user", "ansible_user"),
                  _variables(name, values, left_out), frozen(options))


def _variables(host: str, values: Mapping[str, Any],
               left_out: dict[tuple[str, str], list[str]]) -> tuple[tuple[str, str], ...]:
    kept: list[tuple[str, str]] = []
    for key, value in values.items():
        key = _text(key)  # a plain str: ansible-core 2.19 tags the names it read
        if key in _KEPT:
            kept.append((key, " ".join(value) if key == "group_names" else _text(value)))
            continue
        if key in _MAGIC or _PASSWORD.fullmatch(key):
            continue
        if not NAME.fullmatch(key):
            why = "not a tstconfig variable name (a letter or _, then letters, digits or _)"
        else:
            try:
                kept.append((key, _text(value)))
                continue
            except TypeError as error:
                why = str(error)
        left_out.setdefault((key, why), []).append(host)
    return tuple(sorted(kept))


def _text(value: Any) -> str:
    """A value as tstconfig text; TypeError for one it cannot write (a vaulted value)."""
    if isinstance(value, str):
        return str.__str__(value)  # a plain str, not ansible-core's tagged one
    if value is None:
        return ""
    if isinstance(value, (bool, int, float, list, tuple, dict)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_json)
    return _json(value)


def _json(value: Any) -> str:
    """What JSON has no type for: a date, or a TypeError that says why."""
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    kind = type(value).__name__
    raise TypeError("it is encrypted with Ansible Vault, which tstconfig does not decrypt"
                    if "Encrypted" in kind or "Vault" in kind else f"a {kind} value has no text")


def _boolean(host: str, text: str) -> bool:
    from ansible.module_utils.parsing.convert_bool import boolean
    try:
        return boolean(text, strict=True)
    except TypeError:
        raise InventoryError(f"host {host}: ansible_become is {text!r}, not a boolean "
                             "(yes/no, true/false, on/off, 1/0)") from None


def _vault_hint(error: BaseException) -> str:
    cause: BaseException | None = error
    while cause is not None and type(cause).__name__ != "AnsibleVaultError":
        cause = cause.__cause__ or cause.__context__
    return f"{error}" + " (a vaulted file: tstconfig does not decrypt Ansible Vault)" * bool(cause)


def _tidy(text: str) -> str:
    """One of Ansible's messages, without its label and the lines its first one repeats."""
    lines = [line.strip() for line in text.strip().splitlines()]
    first = re.sub(r"^\[[A-Z ]+\]: ", "", lines[0]) if lines else ""
    rest = [line for line in lines[1:] if line and line != "<<< caused by >>>"
            and line.rstrip(".") not in first]
    return "\n    ".join([first, *rest])


@contextmanager
def _kept_warnings(kept: list[str]) -> Iterator[None]:
    """Ansible's warnings into ``kept``, not onto the terminal: by ansible-core 2.19's
    (private) context for them, which skips Display's process-wide "shown once" filter;
    else (an older or newer ansible-core) by what its Display would print."""
    try:
        from ansible._internal._display_utils import DeferredWarningContext, format_message
        context = DeferredWarningContext(variables={})
    except (ImportError, TypeError):
        context = None
    if context is None:
        with _printed(kept):
            yield
        return
    try:
        with context:
            yield
    finally:
        for warning in [*context.get_warnings(), *context.get_deprecation_warnings()]:
            kept.append(_tidy(format_message(warning, False)))


@contextmanager
def _printed(kept: list[str]) -> Iterator[None]:
    from ansible.utils.display import Display
    display = Display()
    display.display = lambda msg, *_, **__: kept.append(_tidy(str(msg)))  # type: ignore
    try:
        yield
    finally:
        del display.display  # its own method again


@contextmanager
def _overridden(module: Any, **settings: object) -> Iterator[None]:
    """Ansible's settings (its ``constants``, read when used) for one reading."""
    saved = {name: getattr(module, name) for name in settings}
    vars(module).update(settings)
    try:
        yield
    finally:
        vars(module).update(saved)
