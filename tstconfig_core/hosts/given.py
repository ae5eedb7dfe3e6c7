"""A host made of the files and command outputs a test gives (the testing kit's).

The files are written to a folder tree, read as ``LocalHost(root=...)`` reads one:
links, globs, listings and ``stat`` behave as on a real tree, because it is one. A
program is answered from the commands given, by its argument list; one that was not
given is not found. Nothing of this machine is read and nothing runs.
"""
from __future__ import annotations

import os
import shlex
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from typing import Union

from tstconfig_core.contract.hosts import HostError, ProgramResult, program_too_large
from tstconfig_core.hosts.local import LocalHost

#: What a command given to the kit answers: its standard output, a whole result, or an
#: error (``HostError("command not found: 'x'")``).
CommandAnswer = Union[str, bytes, ProgramResult, HostError]


def argv_of(command: str | Sequence[str]) -> tuple[str, ...]:
    """A command as the ``command`` directive's arguments: a string is split as a shell
    would (``"ss -tln"``), a sequence of strings is taken as it is."""
    argv = shlex.split(command) if isinstance(command, str) else command
    if not isinstance(argv, Sequence) or not argv or not all(isinstance(a, str) for a in argv):
        raise ValueError(f"a command given to the test host is a command line or a list of "
                         f"its arguments, not {command!r}")
    return tuple(argv)


def _result(answer: CommandAnswer) -> ProgramResult | HostError:
    if isinstance(answer, (ProgramResult, HostError)):
        return answer
    if isinstance(answer, str):
        answer = answer.encode("utf-8", "surrogateescape")
    if isinstance(answer, (bytes, bytearray)):
        return ProgramResult(bytes(answer), b"", 0)
    raise TypeError(f"a command's answer is text, bytes, a ProgramResult or a HostError, "
                    f"not {type(answer).__name__}")


class GivenHost(LocalHost):
    """Files written to a fresh folder tree, and canned command results.

    ``files`` maps an absolute path on the host (``/etc/app.conf``, ``/proc/loadavg``)
    to its text or bytes; ``commands`` maps a command (``"ss -tln"`` or an argument
    list) to its answer. Call :meth:`close` (or use it as a context manager) to remove
    the tree.
    """

    def __init__(self, files: Mapping[str, str | bytes] | None = None,
                 commands: Mapping[str | Sequence[str], CommandAnswer] | None = None) -> None:
        self.folder = tempfile.mkdtemp(prefix="tstconfig-given-")
        try:
            for path, content in (files or {}).items():
                self._write(path, content)
            self.commands = {argv_of(c): _result(a) for c, a in (commands or {}).items()}
        except BaseException:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise
        super().__init__(root=self.folder)
        self.name = "the test host"

    def _write(self, path: str, content: str | bytes) -> None:
        if not isinstance(path, str) or not path.startswith("/"):
            raise ValueError(f"a file given to the test host needs an absolute path, "
                             f"not {path!r}")
        parts = [p for p in path.split("/") if p not in ("", ".")]
        if not parts or ".." in parts:
            raise ValueError(f"not a file path inside the host: {path!r}")
        local = os.path.join(self.folder, *parts)
        os.makedirs(os.path.dirname(local), exist_ok=True)
        if not isinstance(content, (str, bytes, bytearray)):
            raise ValueError(f"the content of {path} is text or bytes, not "
                             f"{type(content).__name__}")
        data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        with open(local, "wb") as f:
            f.write(data)

    def run(self, argv: Sequence[str], timeout: float, max_size: int) -> ProgramResult:
        answer = self.commands.get(tuple(argv))
        if answer is None:
            given = ", ".join(map(shlex.join, self.commands)) or "none"
            raise HostError(f"command not found: {argv[0]!r} (the commands given to the "
                            f"test host: {given})")
        if isinstance(answer, HostError):
            raise type(answer)(*answer.args)  # (a fresh one: an answer is the source's own)
        if len(answer.stdout) > max_size:
            raise program_too_large(max_size)
        return answer

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> GivenHost:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
