"""The plugin API: one small contract per entry-point group.

Every built-in plugin implements these exactly as a third-party package would.
A plugin reports a problem a person caused (a bad argument, unusable data) by
raising :class:`PluginError`; the core turns it into ``FILE:LINE: message``
located at the directive being run, and the run goes on.

==========================  ==========================  ===============================
entry-point group           name                        contract
==========================  ==========================  ===============================
``tstconfig.sources``       the directive (``file``)    :class:`Source`
``tstconfig.parsers``       the ``parse_mode`` value    :class:`Parser`
``tstconfig.syntaxes``      the ``syntax`` value        :class:`Syntax`
``tstconfig.assertions``    the directive (``assert_eq``) :class:`Assertion`
``tstconfig.reporters``     the ``--reporter`` name     :class:`Reporter`
==========================  ==========================  ===============================

An entry point may name a class (instantiated once, with no arguments) or a
ready instance.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import ClassVar, NamedTuple, TextIO

from tstconfig_core.model import (FAILED, NOT_RUN, PASSED, WAIVED, AssertionResult,
                                  ErrorEvent, Event, FileFinished, FileStarted, RunFinished,
                                  RunStarted, SourceRef, Summary, WarningEvent)
from tstconfig_core.limits import DEFAULT_MAX_SIZE, TooLarge, read_bounded
from tstconfig_core.options import ParseOptions
from tstconfig_core.render import printable
from tstconfig_core.tokens import tokenize

__all__ = [
    "API_VERSION", "Assertion", "LineParser", "OptionConverter", "ParseOptions", "Parsed",
    "Parser", "PluginError", "Prepared", "ReportSettings", "Reporter", "Row", "Source",
    "SourceData",
    "SourceRequest", "Syntax", "TooLarge", "Value", "Wanted", "printable", "read_bounded",
    "tokenize",
    # the events a reporter receives, in tstconfig_core.model
    "AssertionResult", "ErrorEvent", "Event", "FileFinished", "FileStarted", "RunFinished",
    "RunStarted", "SourceRef", "Summary", "WarningEvent",
    "PASSED", "FAILED", "WAIVED", "NOT_RUN",  # the outcomes of an AssertionResult
]

#: MAJOR.MINOR: MINOR grows when something is added (an optional method, a
#: field with a default, an event field); MAJOR when a plugin written for the
#: previous version could break. See docs/plugins.md, "Stability".
API_VERSION = "1.2"

_EMPTY: Mapping = MappingProxyType({})  # a shared default nobody can change

#: A parsed row: its columns, in order.
Row = Sequence[str]
#: The current value: its tokens, or ``None`` when the property is undefined.
Value = Sequence[str] | None
#: Turns a directive's arguments into an option value; raises PluginError.
OptionConverter = Callable[[Sequence[str]], object]


class PluginError(Exception):
    """A problem a person can fix; reported as ``FILE:LINE: message``."""


class SourceRequest(NamedTuple):
    """What the core asks of a source: the directive's arguments and limits."""

    args: tuple[str, ...]
    timeout: float
    """Seconds the source may take (commands are killed past it)."""
    settings: Mapping[str, object] = _EMPTY
    max_size: int = DEFAULT_MAX_SIZE
    """Bytes the source may return at most; past it, raise PluginError
    (:func:`read_bounded` does this for files)."""
    """Run-wide settings from the command line that sources may use
    (``proc_root``: the directory the ``proc`` source reads, from ``--proc-root``)."""


class SourceData(NamedTuple):
    """What a source returns: its text as lines, without line ends."""

    lines: Sequence[str]
    exit_status: int | None = None
    """A command's exit code; ``None`` for sources that have none."""
    warnings: tuple[str, ...] = ()
    """Things worth showing that are not errors (a command's standard error)."""
    defaults: Mapping[str, object] = _EMPTY
    """A parse that suits this text: ParseOptions field names (and
    ``duplicates_policy``) to values. Each applies only when the block does
    not set that option itself."""


class Prepared(NamedTuple):
    """What :meth:`Parser.prepare` decided for one block."""

    options: ParseOptions
    """The options ``parse_line`` will get (e.g. with guessed positions)."""
    column_names: tuple[str, ...] = ()
    """Names of the raw columns, so ``columns`` may name them."""
    header_lines: int = 0
    """How many of the leading candidate lines were a header, not rows."""


class Source(ABC):
    """Reads the text a block checks. Registered in ``tstconfig.sources``."""

    summary: ClassVar[str] = ""
    #: The label of the report's source line (``File``, ``Command``).
    label: ClassVar[str] = "Source"
    #: True for a source that runs programs: ``--no-commands`` refuses it.
    runs_programs: ClassVar[bool] = False

    @abstractmethod
    def read(self, request: SourceRequest) -> SourceData:
        """Return the lines; raise PluginError when there is nothing to read."""

    def validate(self, args: Sequence[str]) -> None:
        """Optional (API 1.2): raise PluginError when ``args`` can never be read.

        ``tstconfig --check`` calls it instead of ``read``: it must not read or
        run anything. The default accepts any arguments.
        """


class Parsed(NamedTuple):
    """What a parser makes of a block's lines."""

    rows: Sequence[Row] = ()
    """The rows of the top level (outside every section), in order."""
    sections: Mapping[str, Sequence[Row]] = _EMPTY
    """Named sections and their rows, in the order they first appear."""
    column_names: tuple[str, ...] = ()
    """Names of the raw columns, so ``columns`` may name them (may be empty)."""
    options: ParseOptions | None = None
    """The options in force, when the parser found some (``--inspect`` shows them)."""


class Wanted(NamedTuple):
    """The rows a block will look up: those whose raw ``columns`` hold one of ``keys``."""

    columns: tuple[int, ...]
    """The key columns (one or more), as raw column numbers (before ``columns`` maps
    them), in order."""
    keys: frozenset
    """The keys the block's ``property`` lines name: a string each when there is one
    key column, else a tuple of strings, one per column."""


class Parser(ABC):
    """Turns a block's lines into rows. Registered in ``tstconfig.parsers``.

    The core has already applied ``skip_header_lines`` and ``read_lines`` and
    dropped blank and comment lines. Subclass :class:`LineParser` instead when
    each line is a row on its own: it adds section patterns for you.
    """

    summary: ClassVar[str] = ""
    #: Extra option directives this parser accepts, keyword -> converter.
    #: Their values are in ``options.extra[keyword]``.
    options: ClassVar[Mapping[str, OptionConverter]] = {}
    #: Optional (API 1.2): the core parse options this parser reads (ParseOptions
    #: field names), besides those that hold for every mode (``skip_header_lines``,
    #: ``read_lines``, the comment options, and the section patterns of a
    #: LineParser). A definition that sets another gets a warning that it has no
    #: effect. None (the default) declares nothing, and nothing is checked.
    takes: ClassVar[frozenset[str] | None] = None

    @abstractmethod
    def parse(self, lines: Sequence[str], options: ParseOptions) -> Parsed:
        """Return the rows; raise PluginError when the text cannot be parsed."""

    def narrow(self, lines: Sequence[str], options: ParseOptions,
               wanted: Wanted) -> Sequence[str] | None:
        """Optional (API 1.1): the lines whose rows may hold a wanted key.

        When a block only looks keys up, the core asks for this before
        parsing, and parses only the lines returned. Offer it only when a
        line's row depends on that line alone (no sections, no header, no
        error a dropped line could have raised): ``parse(narrow(lines))`` must
        give, in order, every row of ``parse(lines)`` whose key columns hold a
        wanted key. Keeping more lines than that is fine; dropping one of those
        is a bug. The rows are used for those lookups only: ``section``,
        ``section_size``, any other key and ``--inspect`` parse every line.
        ``lines`` are after ``skip_header_lines``/``read_lines``, before blank
        and comment lines are dropped. ``None`` (the default) declines.
        """
        return None


#: Parse options every parse mode honours: the core applies them before parsing.
UNIVERSAL_OPTIONS = frozenset({"parse_mode", "skip_header_lines", "read_lines",
                               "hash_comment_allowed", "slash_comment_allowed",
                               "semicolon_comment_allowed"})


class LineParser(Parser):
    """A parser of one line at a time; section header and footer patterns apply.

    ``parse`` calls :meth:`prepare` once, then, for each line that is not a
    section header or footer, :meth:`parse_line`.
    """

    @abstractmethod
    def parse_line(self, line: str, options: ParseOptions) -> Row | None:
        """Return the row's columns, or ``None`` to drop the line."""

    def prepare(self, lines: Sequence[str], options: ParseOptions) -> Prepared | None:
        """Optional: look at the block's lines once before parsing.

        Return a :class:`Prepared` to consume a header, name columns or adjust
        options; ``None`` (the default) changes nothing.
        """
        return None

    def parse(self, lines: Sequence[str], options: ParseOptions) -> Parsed:
        names: tuple[str, ...] = ()
        prepared = self.prepare(lines, options)
        if prepared is not None:
            options, names = prepared.options, tuple(prepared.column_names)
            lines = lines[prepared.header_lines:]
        top: list[Row] = []
        sections: dict[str, list[Row]] = {}
        current = top
        header, footer = options.section_header_pattern, options.section_footer_pattern
        parse_line = self.parse_line
        for line in lines:
            if footer is not None and footer.fullmatch(line):
                current = top
                continue
            if header is not None:
                match = header.fullmatch(line)
                if match:
                    current = sections.setdefault(match.group(1) or "", [])
                    continue
            row = parse_line(line, options)
            if row is not None:
                current.append(row)
        return Parsed(top, sections, names, options)


class Syntax(ABC):
    """A named preset of parse options. Registered in ``tstconfig.syntaxes``."""

    summary: ClassVar[str] = ""

    @abstractmethod
    def settings(self) -> Mapping[str, object]:
        """Option name -> value, as :class:`ParseOptions` field names."""


class Assertion(ABC):
    """A check on the current value. Registered in ``tstconfig.assertions``."""

    summary: ClassVar[str] = ""

    @abstractmethod
    def check(self, value: Value, args: Sequence[str]) -> bool:
        """True when the value passes; raise PluginError for bad arguments."""

    def validate(self, args: Sequence[str]) -> None:
        """Optional (API 1.2): raise PluginError when ``args`` can never be checked.

        ``tstconfig --check`` calls it, with no value to check; the default
        accepts any arguments. ``check`` must still raise for bad arguments.
        """

    def explain(self, value: Value, args: Sequence[str]) -> str:
        """A one-line reason for a failure, for reports that show one."""
        shown = "undefined" if value is None else repr(" ".join(value))
        return f"value {shown} does not satisfy {' '.join(args) or 'the assertion'}"


class ReportSettings(NamedTuple):
    """How the person asked reports to look (API 1.2); a reporter may ignore any of it."""

    color: bool = False
    """The stream is a terminal that wants colour (``--color``, ``NO_COLOR``,
    ``FORCE_COLOR``); never set for a report written to a file."""
    verbosity: int = 0
    """-1 with ``-q`` (failures, errors and the summary only), 0 by default,
    1 with ``-v`` (every assertion, and why each failure failed)."""


class Reporter(ABC):
    """Renders the run's events. Registered in ``tstconfig.reporters``.

    A reporter writes only to the stream it is given, sees every event in
    order, and never calls another reporter. The core calls :meth:`configure`
    once, before the first event.
    """

    summary: ClassVar[str] = ""
    settings: ReportSettings = ReportSettings()

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def configure(self, settings: ReportSettings) -> None:
        """Take the person's settings (API 1.2); the default keeps them in ``self.settings``."""
        self.settings = settings

    @abstractmethod
    def handle(self, event: Event) -> None:
        """Take one event (see :mod:`tstconfig_core.model`)."""
