"""The hosts a fleet run checks: each a :class:`Target`, from the command line or an
inventory, checked through the host kind (``tstconfig.hosts``) its scheme names."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import NamedTuple

from tstconfig_core.contract.base import EMPTY

#: The host kind of a name without a scheme (``--hosts web1,web2``, an inventory's hosts).
DEFAULT_KIND = "ssh"


class TargetError(Exception):
    """A target that cannot be used as written: a usage error, told before anything runs."""


class Target(NamedTuple):
    """One host of a fleet: how reports name it, and how it is reached."""

    name: str                     # reports and drift show this (inventory_hostname)
    kind: str = DEFAULT_KIND      # the tstconfig.hosts plugin: ssh, local, a third party's
    address: str | None = None    # where to connect (ansible_host); None: the name
    port: int | None = None
    user: str | None = None
    #: The host's variables (inventory host and group variables), for ``${NAME}``.
    variables: tuple[tuple[str, str], ...] = ()
    #: Anything else the host kind may use (``identity_file``, ``become``): name -> value.
    options: Mapping[str, object] = EMPTY

    @property
    def where(self) -> str:
        """As a URL: ``ssh://admin@10.0.0.5:2222``, ``local://``."""
        host = self.address or self.name
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"  # an IPv6 address
        user = f"{self.user}@" if self.user else ""
        port = f":{self.port}" if self.port is not None else ""
        return f"{self.kind}://{user}{host}{port}" if self.kind != "local" else "local://"


_URL = (r"(?:(?P<kind>[a-z][a-z0-9+.-]*)://)?(?:(?P<user>[^@/\s]+)@)?"
                  r"(?P<host>\[[0-9A-Fa-f:.]+\]|[^\s:/@\[\]]*)(?::(?P<port>[0-9]+))?/?")  # (compiled when used:
# every plugin imports this module through the api, few runs read a target)


def parse_target(text: str) -> Target:
    """``ssh://[user@]host[:port]``, ``[user@]host[:port]`` (ssh), ``local://``, or
    ``KIND://...`` of a third party's host kind; TargetError when it is none of these."""
    _writable(text, repr(text))
    found = re.fullmatch(_URL, text.strip())
    if found is None or not text.strip():
        raise TargetError(f"{text!r} is not a host: write ssh://[USER@]HOST[:PORT], "
                          "[USER@]HOST[:PORT] or local://")
    kind = found["kind"] or DEFAULT_KIND
    host = found["host"].strip("[]")
    if kind == "local":
        return Target("localhost" if not host else host, "local")
    if not host or host.startswith("-"):
        raise TargetError(f"{text!r} names no host" if not host else
                          f"{text!r}: a host name may not start with '-'")
    port = int(found["port"]) if found["port"] else None
    if port is not None and not 0 < port < 65536:
        raise TargetError(f"{text!r}: port {port} is not between 1 and 65535")
    user = found["user"]
    if user is not None and user.startswith("-"):
        raise TargetError(f"{text!r}: a user name may not start with '-'")
    if user is not None and ":" in user:
        raise TargetError(f"{text!r}: a password in the URL is not used (ssh logs in with "
                          "keys or the agent) and would be shown in every report: leave it out")
    name = text.strip().rstrip("/")
    name = name[len("ssh://"):] if name.startswith("ssh://") else name
    return Target(name, kind, host, port, user)


def from_command_line(hosts: Iterable[str], lists: Iterable[str]) -> list[Target]:
    """``--host URL`` (repeatable) and ``--hosts a,b,c``, in the order given."""
    found = [parse_target(h) for h in hosts]
    found += [parse_target(h) for text in lists for h in text.split(",") if h.strip()]
    return found


def unique(targets: Sequence[Target]) -> list[Target]:
    """The targets, each name once: TargetError when two different targets share a name
    (reports, drift and variables are keyed by it)."""
    kept: dict[str, Target] = {}
    for target in targets:
        _writable(target.name, f"host {target.name!r}")
        for what, value in (("address", target.address), ("user", target.user)):
            if value is not None and value.startswith("-"):
                raise TargetError(f"host {target.name!r}: its {what} {value!r} starts with "
                                  "'-', which ssh would read as an option")
        other = kept.setdefault(target.name, target)
        if other != target:
            raise TargetError(f"two hosts are named {target.name!r} ({other.where} and "
                              f"{target.where}): give them different names")
    return list(kept.values())


def _writable(text: str, shown: str) -> None:
    """A name every report can write: no bytes that are not UTF-8 (kept as surrogates),
    no control characters."""
    if any("\ud800" <= c <= "\udfff" or ord(c) < 32 or ord(c) == 127 for c in text):
        raise TargetError(f"{shown.encode('utf-8', 'backslashreplace').decode()}: a host "
                          "is named in UTF-8, without control characters")


def frozen(options: Mapping[str, object]) -> Mapping[str, object]:
    return MappingProxyType(dict(options))


class HostSettings(NamedTuple):
    """(API 1.6) How a fleet run reaches its hosts: what a host kind
    (``tstconfig.hosts``) is made with, beside its Target."""

    ssh_config: str | None = None   # ``ssh -F FILE`` (--ssh-config)
    connect_timeout: float = 10.0   # seconds to connect (--connect-timeout)
    become: bool = False            # run as root through ``sudo -n`` (--become)
    become_user: str | None = None  # ... as this user instead (--become-user)
    #: Extra ``ssh`` arguments for every host (--ssh-option, repeatable: ``-o X=Y``).
    ssh_options: tuple[str, ...] = ()
