"""The ``proc`` source: ``proc PATH`` reads PATH under the /proc root.

The root is ``/proc`` unless ``--proc-root DIR`` (or ``TSTCONFIG_PROC_ROOT``)
moves it, for tests and containers. Known files come with a parse that suits
them, used for each option the block does not set itself; the socket tables
are decoded into netstat's table, and ``net/listening`` lists the listening
TCP sockets of both families by port.
"""
from __future__ import annotations

import fnmatch
import os
from collections.abc import Sequence
from collections.abc import Mapping

from tstconfig_core.api import PluginError, Source, SourceData, SourceRequest
from tstconfig_plugins.sources.file import read_text_file

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


def resolve(root: str, path: str) -> tuple[str, str]:
    """(the path under the root, normalized; the full path). PluginError if it escapes."""
    relative = os.path.normpath(relative_path(path))
    full = os.path.join(root, relative)
    real_root = os.path.realpath(root)
    real = os.path.realpath(full)
    if real != real_root and not real.startswith(real_root + os.sep):
        raise PluginError(f"proc path {path!r} leads out of the /proc root (to {real})")
    return relative, full


class ProcSource(Source):
    """Read a file of the proc filesystem: ``proc meminfo``, ``proc net/tcp``.

    ``net/tcp``, ``net/tcp6``, ``net/udp`` and ``net/udp6`` are decoded into
    the table ``netstat -pn`` prints; ``net/listening`` has one row per
    listening TCP socket (IPv4 and IPv6), keyed by port.
    """

    summary = "read /proc: proc meminfo, proc net/tcp, proc net/listening"
    label = "Proc"

    def validate(self, args: Sequence[str]) -> None:
        relative_path(" ".join(args))

    def read(self, request: SourceRequest) -> SourceData:
        self.validate(request.args)
        path = " ".join(request.args)
        root = str(request.settings.get("proc_root") or DEFAULT_ROOT)
        if not os.path.isdir(root):
            raise PluginError(f"the /proc root {root!r} is not a directory")
        relative, full = resolve(root, path)
        if relative == LISTENING:
            return self._listening(root)
        table = relative.removeprefix("net/")
        if relative.startswith("net/") and table in SOCKET_TABLES:
            return self._sockets(root, table)
        return SourceData(read_text_file(full, request.max_size), defaults=_defaults(relative))

    @staticmethod
    def _sockets(root: str, table: str) -> SourceData:
        from tstconfig_plugins.sources.sockets import netstat_table, read_sockets
        if not os.path.exists(os.path.join(root, "net", table)):
            raise PluginError(f"{root}/net/{table} does not exist (no IPv6 in this kernel?)")
        lines, positions = netstat_table(read_sockets(root, (table,)))
        return SourceData(lines, defaults={"parse_mode": "table", "positions": positions,
                                           "skip_header_lines": 1})

    @staticmethod
    def _listening(root: str) -> SourceData:
        from tstconfig_plugins.sources.sockets import listening_table, read_sockets
        lines, positions = listening_table(read_sockets(root, ("tcp", "tcp6")))
        return SourceData(lines, defaults={"parse_mode": "table", "positions": positions,
                                           "duplicates_policy": "unique"})

