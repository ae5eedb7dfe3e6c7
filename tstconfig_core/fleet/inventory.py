"""Hosts from an Ansible inventory (``--inventory FILE [--limit PATTERN]``), read by
ansible-core's own code, so an inventory reads as it does for Ansible: INI, YAML, a
folder, a dynamic inventory script or an inventory plugin's config (collections
included), with the group_vars/ and host_vars/ folders beside it, Ansible's variable
precedence and Ansible's ``--limit`` patterns (``web:&prod``, ``!db1``, ``~regex``).

ansible-core is an optional extra (``pip install 'tstconfig[ansible]'``), imported
only here, only when an inventory is read.

On purpose unlike Ansible, because a fleet that quietly shrank would still pass:
an inventory source Ansible cannot parse is an error (Ansible warns and goes on), and
so are an inventory without hosts and a ``--limit`` that matches none. Also:

- Values are kept as written: ``{{ }}`` templates are not rendered (tstconfig has no
  Jinja, and Ansible's lookups would run on the controller). A connection value that
  is a template (``ansible_host: "{{ x }}"``) is an error: the host cannot be reached.
- Ansible Vault is not decrypted: an inline ``!vault`` value is left out, with a
  warning; a vault-encrypted vars file is an error.
- Only inventory-adjacent group_vars/ and host_vars/ are read, not the current
  folder's (Ansible reads those beside a playbook; there is none), and facts that an
  ansible.cfg fact cache kept are not variables: tstconfig reads the hosts themselves.

A :class:`~tstconfig_core.fleet.targets.Target` per host: ``name`` inventory_hostname,
``address`` ansible_host, ``port`` ansible_port (an integer, else an error), ``user``
ansible_user; the ``ansible_ssh_*`` name wins when both are set, as in Ansible's ssh
connection plugin. ``kind`` from ansible_connection: unset, ssh, smart, paramiko ->
``ssh``; ``local`` -> ``local``; any other the last dotted part
(``community.docker.docker`` -> ``docker``), the tstconfig host kind of that name.
``options``: identity_file (ansible_[ssh_]private_key_file), become (ansible_become,
Ansible's booleans), become_user, ssh_common_args and ssh_extra_args (strings, as
written).

``variables`` (``${NAME}``), sorted by name: every host variable after precedence,
ansible_* connection variables included (a check may compare them), except:
Ansible's magic variables (groups, hostvars, inventory_file, playbook_dir,
ansible_version...: the controller or the whole inventory, not the host), though
``inventory_hostname`` and ``group_names`` (space-separated, Ansible's order; group
names hold no spaces) are kept; passwords (ansible_password, ansible_become_pass...),
never; and names that are not tstconfig names (``foo-bar``), left out with a warning.
A value's text: a string as written; true/false for a boolean (as JSON and YAML write
them, not Python's True); a number as read (INI and YAML make ``1.10`` the number 1.1:
quote it to keep its text); "" for null; a date in ISO form; a list or mapping as
compact JSON.

Ansible's warnings (a pattern of --limit that matches no host, a deprecation) are kept,
never printed, and returned in :attr:`Inventory.warnings`; the errors include them, as
they hold Ansible's reason.

Importing ansible-core makes ~/.ansible/tmp, its controller temporary folder; unless
ANSIBLE_LOCAL_TEMP is set, it is pointed at the system temporary folder for the import,
so reading an inventory writes nothing into the home folder (Ansible's own scratch
folder in there is removed at exit).
"""
from __future__ import annotations

import datetime
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
_MAGIC = frozenset({"ansible_config_file", "ansible_facts", "ansible_local",
                    "ansible_playbook_python", "ansible_version", "groups", "hostvars",
                    "inventory_dir", "inventory_file", "inventory_hostname_short", "omit",
                    "playbook_dir"})
_KEPT = frozenset({"inventory_hostname", "group_names"})
_PASSWORD = re.compile(r"ansible_\w*pass(word|phrase)?")
_SSH = frozenset({"ssh", "smart", "paramiko", "paramiko_ssh"})
_PORT = re.compile(r"[0-9]+")


class InventoryError(TargetError):
    """An inventory that cannot give a fleet: told before any host is checked."""


class Inventory(NamedTuple):
    """The hosts, in Ansible's order, and what Ansible or the reading warned of."""

    targets: list[Target]
    warnings: list[str]


def load_inventory(sources: Sequence[str], limit: str | None = None) -> Inventory:
    """The hosts of ``sources`` (as Ansible's ``-i`` takes them) that ``limit`` selects."""
    if not sources:
        raise InventoryError("no inventory given: --inventory FILE")
    for source in sources:
        if "," not in source and not os.path.exists(source):  # "a,b," is a list of hosts
            raise InventoryError(f"inventory {source!r}: no such file or folder")
    try:
        import ansible  # noqa: F401
    except ImportError as error:
        if error.name == "ansible":
            raise InventoryError(NEEDS_ANSIBLE) from None
        raise InventoryError(f"--inventory: ansible-core cannot be imported: {error}") from error
    from ansible.errors import AnsibleError

    warnings: list[str] = []
    try:
        with _kept_warnings(warnings):
            hosts = _read(sources, limit)
    except AnsibleError as error:
        raise InventoryError(_with(f"cannot read the inventory: {_vault_hint(error)}",
                                   warnings)) from error
    if not hosts:
        raise InventoryError(_with(f"--limit {limit!r} matches no host of the inventory"
                                   if limit is not None else "the inventory has no hosts",
                                   warnings))
    left_out: dict[tuple[str, str], list[str]] = {}
    targets = [_target(name, values, left_out) for name, values in hosts]
    for (variable, why), names in left_out.items():
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        warnings.append(f"variable {variable!r} of host {shown} left out: {why}")
    return Inventory(targets, warnings)


def _read(sources: Sequence[str], limit: str | None) -> list[tuple[str, dict[str, Any]]]:
    """Each host Ansible selects, with its variables after Ansible's precedence."""
    with _private_temp():
        import ansible.constants as C
        from ansible.inventory.manager import InventoryManager
        from ansible.parsing.dataloader import DataLoader
        from ansible.plugins.loader import init_plugin_loader
        from ansible.utils.collection_loader import AnsibleCollectionConfig
        from ansible.vars.manager import VariableManager
    if AnsibleCollectionConfig.collection_finder is None:
        init_plugin_loader()  # Ansible's CLI does this: inventory plugins of collections
    # Any unparsed source fails (not Ansible's warning); get_vars without cached facts
    # (and three times faster, measured: 0.25 s for 1,000 hosts, not 0.8).
    with _overridden(C, INVENTORY_ANY_UNPARSED_IS_FAILED=True, INJECT_FACTS_AS_VARS=False):
        loader = DataLoader()
        inventory = InventoryManager(loader=loader, sources=list(sources))
        if limit is not None:
            inventory.subset(limit)
        hosts = inventory.get_hosts("all")
        manager = VariableManager(loader=loader, inventory=inventory)
        manager.safe_basedir = False  # no playbook: not the current folder's group_vars/
        return [(host.name, manager.get_vars(host=host, include_hostvars=False, stage="all"))
                for host in hosts]


def _target(name: str, values: Mapping[str, Any],
            left_out: dict[tuple[str, str], list[str]]) -> Target:
    """The Target of one host; ``left_out`` collects the variables it could not keep."""
    def text(*names: str) -> str | None:
        """The first of ``names`` that is set, as text; a template cannot be used."""
        for key in names:
            value = values.get(key)
            if value is not None and value != "":
                found = _text(value)
                if "{{" in found or "{%" in found:
                    raise InventoryError(f"host {name}: {key} is a template ({found}), which "
                                         "tstconfig does not render: write the value itself")
                return found
        return None

    connection = text("ansible_connection")
    last = connection.rsplit(".", 1)[-1] if connection else "ssh"
    options: dict[str, object] = {}
    for option, keys in (("identity_file", ("ansible_ssh_private_key_file",
                                             "ansible_private_key_file")),
                         ("become_user", ("ansible_become_user",)),
                         ("ssh_common_args", ("ansible_ssh_common_args",)),
                         ("ssh_extra_args", ("ansible_ssh_extra_args",))):
        if (found := text(*keys)) is not None:
            options[option] = found
    if (become := text("ansible_become")) is not None:
        options["become"] = _boolean(name, become)
    return Target(name, "ssh" if last in _SSH else last, text("ansible_ssh_host", "ansible_host"),
                  _port(name, text("ansible_ssh_port", "ansible_port")),
                  text("ansible_ssh_user", "ansible_user"),
                  _variables(name, values, left_out), frozen(options))


def _variables(host: str, values: Mapping[str, Any],
               left_out: dict[tuple[str, str], list[str]]) -> tuple[tuple[str, str], ...]:
    kept: list[tuple[str, str]] = []
    for key, value in values.items():
        if key in _KEPT:
            kept.append((key, " ".join(value) if key == "group_names" else _text(value)))
            continue
        if key in _MAGIC or _PASSWORD.fullmatch(key):
            continue
        if not NAME.fullmatch(key):
            why = ("not a tstconfig variable name (a letter or _, then letters, digits or _)")
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
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    kind = type(value).__name__
    raise TypeError("it is encrypted with Ansible Vault, which tstconfig does not decrypt"
                    if "Encrypted" in kind or "Vault" in kind else f"a {kind} value has no text")


def _port(host: str, text: str | None) -> int | None:
    if text is None:
        return None
    if not _PORT.fullmatch(text) or not 0 < int(text) < 65536:
        raise InventoryError(f"host {host}: ansible_port is {text!r}, not a port number "
                             "(1 to 65535)")
    return int(text)


def _boolean(host: str, text: str) -> bool:
    from ansible.module_utils.parsing.convert_bool import boolean
    try:
        return boolean(text, strict=True)
    except TypeError:
        raise InventoryError(f"host {host}: ansible_become is {text!r}, not a boolean "
                             "(yes/no, true/false, on/off, 1/0)") from None


def _with(message: str, warnings: list[str]) -> str:
    return message + "".join(f"\n  {w}" for w in warnings)


def _vault_hint(error: BaseException) -> str:
    cause: BaseException | None = error
    while cause is not None:
        if type(cause).__name__ == "AnsibleVaultError":
            return f"{error} (a vault-encrypted file: tstconfig does not decrypt Ansible Vault)"
        cause = cause.__cause__ or cause.__context__
    return str(error)


def _tidy(text: str) -> str:
    """One of Ansible's messages, without its label and the lines its first one repeats."""
    lines = [line.strip() for line in text.strip().splitlines()]
    first = re.sub(r"^\[[A-Z ]+\]: ", "", lines[0]) if lines else ""
    rest = [line for line in lines[1:] if line and line != "<<< caused by >>>"
            and line.rstrip(".") not in first]
    return "\n    ".join([first, *rest])


@contextmanager
def _kept_warnings(kept: list[str]) -> Iterator[None]:
    """Ansible's warnings into ``kept``, not onto the terminal: ansible-core 2.19's
    context for them (without Display's process-wide "shown once" filter), else what
    its Display would print."""
    try:
        from ansible._internal._display_utils import DeferredWarningContext, format_message
    except ImportError:
        with _printed(kept):
            yield
        return
    context = DeferredWarningContext(variables={})
    try:
        with context:
            yield
    finally:
        for warning in [*context.get_warnings(), *context.get_deprecation_warnings()]:
            kept.append(_tidy(format_message(warning, False)))


@contextmanager
def _printed(kept: list[str]) -> Iterator[None]:
    with _private_temp():
        from ansible.utils.display import Display
    display = Display()
    display.display = lambda msg, *args, **kwargs: kept.append(_tidy(str(msg)))  # type: ignore[method-assign]
    try:
        yield
    finally:
        del display.display  # its own method again


@contextmanager
def _private_temp() -> Iterator[None]:
    """ANSIBLE_LOCAL_TEMP in the system temporary folder while ansible-core's config is
    read (once, on the first import of ansible.constants), so ~/.ansible is not made."""
    if "ansible.constants" in sys.modules or "ANSIBLE_LOCAL_TEMP" in os.environ:
        yield
        return
    os.environ["ANSIBLE_LOCAL_TEMP"] = tempfile.gettempdir()
    try:
        yield
    finally:
        del os.environ["ANSIBLE_LOCAL_TEMP"]


@contextmanager
def _overridden(module: Any, **settings: object) -> Iterator[None]:
    """Ansible's settings (its ``constants``, read when used) for one reading."""
    saved = {name: getattr(module, name) for name in settings}
    for name, value in settings.items():
        setattr(module, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(module, name, value)
