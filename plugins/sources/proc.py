"""The ``proc`` source: ``proc PATH`` reads PATH under the /proc root.

The host reads its /proc: this machine's, unless ``--proc-root DIR`` (or
``TSTCONFIG_PROC_ROOT``) or ``--root DIR`` moves it, for tests and containers. Known files come with a parse that suits
them, used for each option the block does not set itself; the socket tables
are decoded into netstat's table, and ``net/listening`` lists the listening
TCP sockets of both families by port.
"""
from __future__ import annotations

import fnmatch
import os
from collections.abc import Mapping, Sequence

from tstconfig_core.api import (Answer, HostError, HostRequest, NoSuchPath, PluginError,
                                ReadFile, Source, SourceData, SourceRequest)
from tstconfig_plugins.sources.file import text_lines
from tstconfig_plugins.sources.sockets import (OWNER_REQUESTS, listening_table, netstat_table,
                                               sockets_from)

DEFAULT_ROOT = "/proc"
LISTENING = "net/listening"
SOCKET_TABLES = ("tcp", "tcp6", "udp", "udp6")

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
    listening TCP socket (IPv4 and IPv6), keyed by port. The host answers
    from its /proc (``--proc-root`` or ``--root`` move it), and refuses a path
    whose links lead out of it.
    """

    summary = "read /proc: proc meminfo, proc net/tcp, proc net/listening"
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
        for table, content in zip(tables, answers):
            if isinstance(content, NoSuchPath) and relative == LISTENING:
                continue  # tcp6 on a kernel without IPv6: no sockets there
            if isinstance(content, HostError):
                hint = " (no IPv6 in this kernel?)" if isinstance(content, NoSuchPath) \
                    and table.endswith("6") else ""
                raise PluginError(f"cannot read {DEFAULT_ROOT}/net/{table}: {content}{hint}")
            found[table] = content  # type: ignore[assignment]
        sockets = sockets_from(found, fd_lists, comms)  # type: ignore[arg-type]
        if relative == LISTENING:
            lines, positions = listening_table(sockets)
            return SourceData(lines, defaults={"parse_mode": "table", "positions": positions,
                                               "duplicates_policy": "unique"})
        lines, positions = netstat_table(sockets)
        return SourceData(lines, defaults={"parse_mode": "table", "positions": positions,
                                           "skip_header_lines": 1})


def _relative(request: SourceRequest) -> str:
    return os.path.normpath(relative_path(" ".join(request.args)))


def _tables(relative: str) -> tuple[str, ...]:
    """The socket tables a path reads (none: it is a plain file)."""
    if relative == LISTENING:
        return ("tcp", "tcp6")
    table = relative.removeprefix("net/")
    return (table,) if relative.startswith("net/") and table in SOCKET_TABLES else ()
