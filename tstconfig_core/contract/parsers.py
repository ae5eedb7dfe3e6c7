"""The contracts of ``tstconfig.parsers`` and ``tstconfig.syntaxes``: text into rows."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import ClassVar, NamedTuple

from tstconfig_core.contract.base import EMPTY as _EMPTY
from tstconfig_core.contract.base import OptionConverter, Row
from tstconfig_core.memory import Chunks
from tstconfig_core.sizes import EXACT_ROW, GROWN_ROWS, POINTER, SECTION, rows_bytes
from tstconfig_core.options import ParseOptions


class Prepared(NamedTuple):
    """What :meth:`Parser.prepare` decided for one block."""

    options: ParseOptions
    """The options ``parse_line`` will get (e.g. with guessed positions)."""
    column_names: tuple[str, ...] = ()
    """Names of the raw columns, so ``columns`` may name them."""
    header_lines: int = 0
    """How many of the leading candidate lines were a header, not rows."""
    row_of: Callable[[str], Row | None] | None = None
    """Optional (API 1.3): this parse's own line reader, used instead of
    ``parse_line``: a closure over what ``prepare`` found (a CSV dialect), so a
    parse's state never travels in ``options.extra``."""


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
    #: Optional (API 1.5): options this parser cannot do without (ParseOptions field
    #: names, or its own ``options``). A block that chooses this parse mode and sets
    #: none of them gets an error at its ``parse_mode`` line, before its source is read.
    requires: ClassVar[frozenset[str]] = frozenset()
    #: Optional (API 1.5): the parser reads whole documents, whose blank and comment
    #: lines matter (a YAML block of text): it gets every line after
    #: ``skip_header_lines`` and ``read_lines``, none dropped, so its line numbers are
    #: the text's.
    whole_text: ClassVar[bool] = False

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
    section header or footer, :meth:`parse_line`. What the rows take is charged
    to the block's memory budget as they are made, and in a run each line is let go
    (its place in ``lines`` set to None) once its row is made: read a line only in
    ``prepare`` and ``parse_line``.
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
        row_of, start = None, 0
        prepared = self.prepare(lines, options)
        if prepared is not None:
            options, names = prepared.options, tuple(prepared.column_names)
            start, row_of = prepared.header_lines, prepared.row_of
        if row_of is None:
            parse_line, settings = self.parse_line, options
            row_of = lambda line: parse_line(line, settings)  # noqa: E731
        most = getattr(self, "_most_tokens", None)
        top, sections = in_sections(lines, options, row_of, start=start,
                                    most=None if most is None else lambda ln: most(ln, options))
        return Parsed(top, sections, names, options)


def in_sections(lines: Sequence[str], options: ParseOptions, row_of: Callable[[str], Row | None],
                *, start: int = 0, most: Callable[[str], int] | None = None
                ) -> tuple[list[Row], dict[str, list[Row]]]:
    """(top-level rows, named sections' rows): each line from ``start`` that is not a
    section header or footer made a row by ``row_of`` (a ``None`` drops the line).

    Within a parse, what the rows take is charged to the block's memory budget a chunk
    of lines at a time (``most``, when given, bounds the tokens of a very long line
    before its row is made), and a list row is copied to its exact size.
    """
    top: list[Row] = []
    sections: dict[str, list[Row]] = {}
    current = top
    header, footer = options.section_header_pattern, options.section_footer_pattern
    run = Chunks(lines, start)
    for chunk in run:
        skipped = tokens = named = 0
        if most is not None:
            run.check_long(chunk, most)
        for line in chunk:
            if footer is not None and footer.fullmatch(line):
                current = top
                skipped += 1
                continue
            if header is not None:
                match = header.fullmatch(line)
                if match:
                    name = match.group(1) or ""
                    current = sections.get(name)  # type: ignore[assignment]
                    if current is None:
                        current = sections[name] = []
                        named += SECTION + 4 * len(name)  # (at its widest)
                    skipped += 1
                    continue
            row = row_of(line)
            if row is None:
                skipped += 1
                continue
            if type(row) is list:
                row = row[:]  # its exact size: a list that grew holds up to 6 slots more
            current.append(row)
            tokens += len(row)
        rows = len(chunk) - skipped
        run.charge(chunk, rows, tokens, rows * (EXACT_ROW + POINTER) + 8 * tokens + named)
    return top, sections


def rows_in_chunks(lines: Sequence[str], make: Callable[[list[str]], list[Row]], *,
                   sizes: tuple[int, ...] = GROWN_ROWS, most: Callable[[str], int] | None = None,
                   start: int = 0) -> list[Row]:
    """The rows of ``lines`` from ``start`` (API 1.8; a header before it), one per line,
    made a chunk of lines at a time by ``make`` (for a parser that makes many rows at
    once, with a split chosen once), each chunk charged to the memory budget as
    :func:`in_sections` does: a row takes what ``sizes`` says (GROWN_ROWS, or SPLIT_ROWS
    for ``str.split``'s lists); ``most`` bounds the tokens of a very long line."""
    rows: list[Row] = []
    run = Chunks(lines, start)
    for chunk in run:
        if most is not None:
            run.check_long(chunk, most)
        made = make(chunk)
        if run.budget is None:
            return made
        lengths = list(map(len, made))
        run.charge(chunk, len(made), sum(lengths), rows_bytes(lengths, sizes), made)
        rows += made
    return rows


class Syntax(ABC):
    """A named preset of parse options. Registered in ``tstconfig.syntaxes``."""

    summary: ClassVar[str] = ""

    @abstractmethod
    def settings(self) -> Mapping[str, object]:
        """Option name -> value, as :class:`ParseOptions` field names; also (API 1.5)
        ``duplicates_policy`` (a policy's name) and ``ignore_case`` (True); and (API 1.7)
        the options the parse mode it sets declares (``Parser.options``), by name or in
        a mapping under ``extra``, each a value as its converter returns it."""
