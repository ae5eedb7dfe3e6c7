"""The contract of ``tstconfig.sources``: what a block reads."""
from __future__ import annotations

from abc import ABC
from collections.abc import Callable, Mapping, Sequence
from typing import ClassVar, NamedTuple

from tstconfig_core.contract.base import EMPTY as _EMPTY
from tstconfig_core.contract.hosts import Answer, HostRequest
from tstconfig_core.limits import DEFAULT_MAX_SIZE


class SourceRequest(NamedTuple):
    """What the core asks of a source: the directive's arguments and limits."""

    args: tuple[str, ...]
    timeout: float
    """Seconds the source may take (commands are killed past it)."""
    settings: Mapping[str, object] = _EMPTY
    """Run-wide settings from the command line that sources may use
    (``proc_root``: the directory the ``proc`` source reads, from ``--proc-root``)."""
    max_size: int = DEFAULT_MAX_SIZE
    """Bytes the source may return at most; past it, raise PluginError
    (:func:`read_bounded` does this for files)."""
    allow_missing: bool = False
    """(API 1.5) The block says ``allow_missing``: a path that does not exist, or a
    pattern that matches nothing, is no error; the source gives no lines for it."""
    keep: Callable[[list[str]], Sequence[str]] | None = None
    """(API 1.8) The block needs only some of the lines: a source that can cut its text
    into lines as it reads it may give each piece's lines, in order, to ``keep`` and hold
    only what it returns (:func:`tstconfig_core.api.kept_lines`). Optional: a source may
    ignore it and give every line, as ever."""


class SourceData(NamedTuple):
    """What a source returns: its text as lines, without line ends."""

    lines: Sequence[str]
    exit_status: int | None = None
    """A command's exit code; ``None`` for sources that have none."""
    warnings: tuple[str, ...] = ()
    """Things worth showing that are not errors, each a ``WARN:`` line as written (the
    ``command`` source gives each line of standard error as ``standard error: LINE``)."""
    defaults: Mapping[str, object] = _EMPTY
    """A parse that suits this text: ParseOptions field names (and
    ``duplicates_policy``) to values, and (API 1.7) options the suggested parse mode
    declares (its ``Parser.options``, the one named by ``parse_mode`` here, else the
    block's), given directly or in a mapping under ``extra``, each a value as its
    converter would return it. Each applies only when the block does not set that
    option itself."""
    parts: tuple[tuple[str, int], ...] = ()
    """(API 1.5) Where the lines came from, when from more than one place (a glob
    of files): (name, number of lines) for each run of ``lines``, in order, adding
    up to all of them. Each part is parsed on its own (a header, a section never
    runs on into the next file), and each row remembers its part's name, which
    failures show. Empty: the lines are one text."""
    column_names: tuple[str, ...] = ()
    """(API 1.7) Names of the raw columns of the rows the block's parse makes, so that
    ``columns NAME`` and ``where NAME ...`` may name them when the parse gives no names
    of its own (``Parsed.column_names`` empty); a parser's own names win."""


class Source(ABC):
    """Reads the text a block checks. Registered in ``tstconfig.sources``.

    A source is two-phase (API 1.3): :meth:`requests` says, from the block's
    arguments alone, what it needs from the host, and :meth:`build` makes the
    data from the host's answers. So the engine can ask a host everything at
    once, and the same source reads this machine, a folder tree (``--root``) or
    a remote host. A source written for API 1.0-1.2 implements :meth:`read`
    instead, and reads this machine itself (deprecated: it cannot read
    another host).
    """

    summary: ClassVar[str] = ""
    #: The label of the report's source line (``File``, ``Command``).
    label: ClassVar[str] = "Source"
    #: True for a source that runs programs: ``--no-commands`` refuses it, and
    #: ``--check`` takes a source without it to have no exit status.
    runs_programs: ClassVar[bool] = False

    def __new__(cls, *args: object, **kwargs: object) -> Source:
        if cls.read is Source.read and cls.requests is Source.requests:
            raise TypeError(f"{cls.__name__} implements neither requests() (with build()) "
                            "nor read()")
        return super().__new__(cls)

    def requests(self, request: SourceRequest) -> Sequence[HostRequest] | None:
        """What the source needs from the host (API 1.3): ReadFile, RunProgram,
        ListFolder, StatPath. Raise PluginError for arguments that can never be read.
        ``None`` (the default): the source reads by itself, through :meth:`read`."""
        return None

    def build(self, request: SourceRequest, answers: list[Answer]) -> SourceData:
        """The data, from the host's answers to :meth:`requests`, in the same order (API
        1.3). An answer may be a HostError: say what it means for the block with a
        PluginError. The list is the source's own: pop what it has used, so large
        answers are freed as soon as they are turned into text."""
        raise NotImplementedError(f"{type(self).__name__} asked the host for something "
                                  "and does not build its data from the answers")

    def read(self, request: SourceRequest) -> SourceData:
        """The data, read on this machine (API 1.0). A two-phase source needs no ``read``:
        the default asks this machine (its /proc at ``settings["proc_root"]``, if given)
        what :meth:`requests` needs, then builds."""
        needs = self.requests(request)
        if needs is None:
            raise NotImplementedError(f"{type(self).__name__} has neither requests() nor "
                                      "read()")
        from tstconfig_core.hosts.local import LocalHost
        proc_root = request.settings.get("proc_root")
        host = LocalHost(proc_root=str(proc_root) if proc_root else None)
        return self.build(request, host.answer(needs, request.timeout, request.max_size))

    def validate(self, args: Sequence[str]) -> None:
        """Optional (API 1.2): raise PluginError when ``args`` can never be read.

        ``tstconfig --check`` calls it instead of reading: it must not read or
        run anything. The default accepts any arguments.
        """
