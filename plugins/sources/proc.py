"""The ``proc`` source: ``proc PATH`` reads PATH under the /proc root.

The host reads its /proc: this machine's, unless ``--proc-root DIR`` (or
``TSTCONFIG_PROC_ROOT``) or ``--root DIR`` moves it, for tests and containers. Known files come with a parse that suits
them, used for each option the block does not set itself; the socket tables
are decoded into netstat's table. Views of them that /proc has no file for answer
the questions checks ask: ``net/listening`` lists the listening TCP sockets of both
families by port (``net/listening/udp``, ``/unix``, ``/all`` the others), and
``net/accepting`` the addresses something accepts on, a wildcard bind standing
for each of the host's addresses.
"""
from __future__ import annotations

import fnmatch
import os
from collections.abc import Callable, Mapping, Sequence

from tstconfig_core.api import (Answer, HostError, HostRequest, NoSuchPath, PluginError,
                                ReadFile, Source, SourceData, SourceRequest)
from tstconfig_plugins.sources.file import text_lines
from tstconfig_plugins.sources.accepting import accepting_table
from tstconfig_plugins.sources.owners import OWNER_REQUESTS
from tstconfig_plugins.sources.sockets import (Found, gather, listening_table, netstat_table,
                                               unix_table)

DEFAULT_ROOT = "/proc"
LISTENING = "net/listening"
ACCEPTING = "net/accepting"
SOCKET_TABLES = ("tcp", "tcp6", "udp", "udp6")

Table = tuple[list[str], tuple[int, ...]]

#: The views of the socket tables: path -> (the files of /proc/net read, the table).
#: ``net/listening`` is TCP's, as it always was: a check "nothing on port 514" meant
#: rsh, and must not fail for syslog on UDP 514.
VIEWS: dict[str, tuple[tuple[str, ...], Callable[[Found], Table]]] = {
    LISTENING: (("tcp", "tcp6"), lambda f: listening_table(f.sockets)),
    "net/listening/tcp": (("tcp", "tcp6"), lambda f: listening_table(f.sockets)),
    "net/listening/udp": (("udp", "udp6"), lambda f: listening_table(f.sockets)),
    "net/listening/unix": (("unix",), lambda f: unix_table(f.unix)),
    "net/listening/all": ((*SOCKET_TABLES, "unix"), lambda f: listening_table(f.sockets, f.unix)),
    ACCEPTING: ((*SOCKET_TABLES, "fib_trie", "if_inet6"),
                lambda f: accepting_table(f.sockets, f.ipv4, f.ipv6)),
}
#: The files a view may lack: IPv6's (a kernel without IPv6); the lists of addresses,
#: where no wildcard socket needs them (checked in _addresses_known).
_OPTIONAL = frozenset({"tcp6", "udp6", "if_inet6", "fib_trie"})

_KEY_COLON = {"parse_mode": "keyvalue", "key_separator": ":"}

#: Default parse of known files: (glob on the path under the root, options).
#: The first match applies; the socket tables are handled before this.
DEFAULTS: tuple[tuple[str, Mapping[str, object]], ...] = (
    ("meminfo", _KEY_COLON),
    ("cpuinfo", _KEY_COLON),
    ("*/status", _KEY_COLON),
    ("swaps", {"parse_mode": "tokenized", "skip_header_lines": 1}),
    ("mounts", {"parse_mode": "tokenized"}),
    ("*/mounts", {"parse_mode": "tokenized"}),
    ("loadavg", {"parse_mode": "tokenized"}),
    ("sys/*", {"parse_mode": "tokenized"}),
)


def _defaults(path: str) -> Mapping[str, object]:
    for pattern, options in DEFAULTS:
        if fnmatch.fnmatchcase(path, pattern):
            return options
    return {}


def relative_path(path: str) -> str:
    """The path under the /proc root, as written; PluginError if it names a way out."""
    if not path:
        raise PluginError("proc needs a path, like 'meminfo' or 'net/listening'")
    if path.startswith(DEFAULT_ROOT + "/"):
        path = path[len(DEFAULT_ROOT) + 1:]
    elif path.startswith("/"):
        raise PluginError(f"proc takes a path inside /proc, like 'meminfo' or "
                          f"'sys/kernel/ostype', not {path!r}")
    if ".." in path.split("/"):
        raise PluginError(f"proc path {path!r} leaves the /proc root ('..' is not allowed)")
    return path


class ProcSource(Source):
    """Read a file of the proc filesystem: ``proc meminfo``, ``proc net/tcp``.

    ``net/tcp``, ``net/tcp6``, ``net/udp`` and ``net/udp6`` are decoded into
    the table ``netstat -pn`` prints; ``net/listening`` has one row per
    listening TCP socket (IPv4 and IPv6), keyed by port, and
    ``net/listening/udp``, ``net/listening/unix`` (keyed by path) and
    ``net/listening/all`` the same of the other sockets; ``net/accepting`` one
    row per address and port something accepts on (``127.0.0.1:8080``,
    ``[::1]:8080``), a socket bound to 0.0.0.0 or :: answering for each of the
    host's addresses of its family. The host answers from its /proc
    (``--proc-root`` or ``--root`` move it), and refuses a path whose links
    lead out of it.
    """

    summary = ("read /proc: proc meminfo, proc net/tcp, proc net/listening, "
               "proc net/accepting")
    label = "Proc"

    def validate(self, args: Sequence[str]) -> None:
        relative_path(" ".join(args))

    def requests(self, request: SourceRequest) -> list[HostRequest]:
        self.validate(request.args)
        relative = _relative(request)
        tables = _tables(relative)
        if tables:
            return [*(ReadFile(f"{DEFAULT_ROOT}/net/{t}", within=DEFAULT_ROOT) for t in tables),
                    *OWNER_REQUESTS]
        return [ReadFile(f"{DEFAULT_ROOT}/{relative}", within=DEFAULT_ROOT)]

    def build(self, request: SourceRequest, answers: list[Answer]) -> SourceData:
        relative = _relative(request)
        tables = _tables(relative)
        if not tables:
            return SourceData(text_lines(answers.pop(), f"{DEFAULT_ROOT}/{relative}"),
                              defaults=_defaults(relative))
        comms, fd_lists = answers.pop(), answers.pop()
        for owners in (fd_lists, comms):  # all processes unread (the timeout): no owner known
            if isinstance(owners, HostError):
                raise PluginError(f"cannot find the sockets' owners: {owners}")
        found: dict[str, bytes] = {}
        missing: dict[str, HostError] = {}
        for table, content in zip(tables, answers):
            if isinstance(content, NoSuchPath) and relative in VIEWS and table in _OPTIONAL:
                missing[table] = content  # tcp6 on a kernel without IPv6: no sockets there
                continue
            if isinstance(content, HostError):
                hint = " (no IPv6 in this kernel?)" if isinstance(content, NoSuchPath) \
                    and table.endswith("6") else ""
                raise PluginError(f"cannot read {DEFAULT_ROOT}/net/{table}: {content}{hint}")
            found[table] = content  # type: ignore[assignment]
        data = gather(found, fd_lists, comms)  # type: ignore[arg-type]
        if relative in VIEWS:
            if relative == ACCEPTING:
                _addresses_known(data, missing)
            lines, positions = VIEWS[relative][1](data)
            return SourceData(lines, defaults={"parse_mode": "table", "positions": positions,
                                               "duplicates_policy": "unique"})
        lines, positions = netstat_table(data.sockets)
        return SourceData(lines, defaults={"parse_mode": "table", "positions": positions,
                                           "skip_header_lines": 1})


def _addresses_known(data: Found, missing: Mapping[str, HostError]) -> None:
    """PluginError if a wildcard socket's family has no list of the host's addresses:
    the view would leave out what it accepts on, and assert_undefined would pass."""
    for family, source, version in (("IPv4", "fib_trie", 4), ("IPv6", "if_inet6", 6)):
        if source in missing and any(s.listening and _wildcard(s.local_ip) == version
                                     for s in data.sockets):
            raise PluginError(f"cannot read {DEFAULT_ROOT}/net/{source}: {missing[source]}; "
                              f"{ACCEPTING} needs the host's {family} addresses to list what "
                              f"a socket bound to every address accepts on (check --proc-root)")


def _wildcard(ip: str) -> int | None:
    """4 or 6: the family ``ip`` stands for all of (0.0.0.0, ::ffff:0.0.0.0; ::)."""
    if ip in ("0.0.0.0", "::ffff:0.0.0.0"):
        return 4
    return 6 if ip == "::" else None


def _relative(request: SourceRequest) -> str:
    return os.path.normpath(relative_path(" ".join(request.args)))


def _tables(relative: str) -> tuple[str, ...]:
    """The files of /proc/net a path reads (none: it is a plain file)."""
    if relative in VIEWS:
        return VIEWS[relative][0]
    table = relative.removeprefix("net/")
    return (table,) if relative.startswith("net/") and table in SOCKET_TABLES else ()
