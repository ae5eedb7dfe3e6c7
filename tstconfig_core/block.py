"""A block: one source, its parse options, and the value being selected.

The block is the one place that holds mutable state. Its text is read once,
on first need. It is parsed once, or twice at most: a block that only looks
keys up may parse only the lines of those keys (``Parser.narrow``), and parses
every line, once, if something later needs more. Each (section, columns, key
count) gets a property index built in one pass, so N properties cost one scan,
not N.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter

from tstconfig_core.api import Parsed, Parser, Row, SourceData, Wanted
from tstconfig_core.definition import Directive
from tstconfig_core.limits import collector_paused
from tstconfig_core.model import SourceRef
from tstconfig_core.options import ParseOptions
from tstconfig_core.tokens import tokenize

DUPLICATES_POLICIES = ("append", "replace", "ignore", "unique")
#: What an unknown section selects: no rows (one shared list, so its index is cached once).
NO_ROWS: list[Row] = []


def selected_lines(lines: Sequence[str], options: ParseOptions) -> Sequence[str]:
    """The lines after ``skip_header_lines``, and only ``read_lines`` of them."""
    stop = None if options.read_lines is None else options.skip_header_lines + options.read_lines
    return lines[options.skip_header_lines:stop]


def without_blanks(lines: Sequence[str], options: ParseOptions) -> list[str]:
    """The lines that are neither blank nor comments."""
    comments = options.comment_prefixes()
    if comments:
        return [ln for ln in lines
                if ln and not ln.isspace() and not ln.lstrip().startswith(comments)]
    return [ln for ln in lines if ln and not ln.isspace()]


def candidate_lines(lines: Sequence[str], options: ParseOptions) -> list[str]:
    """The lines that may become rows: after skip/read, without blanks and comments."""
    return without_blanks(selected_lines(lines, options), options)


def parse_rows(lines: Sequence[str], options: ParseOptions, parser: Parser) -> Parsed:
    """Apply skip/read, blank and comment lines; the parser makes the rows."""
    return _checked(parser.parse(candidate_lines(lines, options), options))


def parse_wanted_rows(lines: Sequence[str], options: ParseOptions, parser: Parser,
                      wanted: Wanted) -> Parsed | None:
    """Only the rows that may hold a wanted key, when the parser can narrow its lines
    to them (:meth:`Parser.narrow`); None when it cannot."""
    narrowed = parser.narrow(selected_lines(lines, options), options, wanted)
    if narrowed is None:
        return None
    return _checked(parser.parse(without_blanks(narrowed, options), options))


def _checked(parsed: object) -> Parsed:
    if not isinstance(parsed, Parsed):
        raise TypeError(f"parse() returned {type(parsed).__name__}, not tstconfig_core.api.Parsed")
    return parsed


class PropertyIndex:
    """Rows grouped by their first ``nkeys`` (mapped) columns, built in one pass.

    A key is a string when there is one key column, else a tuple; a key held by
    one row (the usual case) costs no list. Given ``wanted`` (the keys the
    block's ``property`` lines ask for), only those keys are indexed, which on
    200,000 rows is twice as fast as indexing them all; a lookup of any other
    key indexes everything first, so answers never depend on it.
    """

    def __init__(self, rows: Sequence[Row], columns: tuple[int, ...] | None, nkeys: int,
                 wanted: frozenset[object] | None = None) -> None:
        self.columns = columns
        self.nkeys = nkeys
        self._rows = rows
        self._wanted = wanted
        self._first: dict[object, Row] = {}
        self._more: dict[object, list[Row]] = {}  # every row of a key that several rows have
        key_columns = tuple(range(nkeys)) if columns is None else columns[:nkeys]
        if len(key_columns) < nkeys:
            self._key_of = None  # more keys than mapped columns: nothing can match
            return
        self._key_of = itemgetter(*key_columns) if nkeys else (lambda row: ())
        self._build()

    def _build(self) -> None:
        rows, key_of, wanted = self._rows, self._key_of, self._wanted
        try:  # in C, when every row has the key columns
            if wanted is None:
                keys = list(map(key_of, rows))
                self._first = dict(zip(keys, rows))
                if len(self._first) == len(keys):
                    return  # every key on one row: the usual case, done
                self._first = {}
                pairs: Iterable[tuple[object, Row]] = zip(keys, rows)
            else:
                pairs = [(k, r) for k, r in zip(map(key_of, rows), rows) if k in wanted]
        except IndexError:  # some row is short of the key columns: it never matches
            pairs = self._pairs_of_long_rows()
        first, more = self._first, self._more
        for key, row in pairs:
            held = first.setdefault(key, row)
            if held is not row:
                if key in more:
                    more[key].append(row)
                else:
                    more[key] = [held, row]

    def _pairs_of_long_rows(self) -> Iterator[tuple[object, Row]]:
        key_of, wanted = self._key_of, self._wanted
        for row in self._rows:
            try:
                key = key_of(row)
            except IndexError:
                continue
            if wanted is None or key in wanted:
                yield key, row

    def _value(self, row: Row) -> list[str]:
        if self.columns is None:
            return list(row[self.nkeys:])
        size = len(row)
        return [row[c] if c < size else "" for c in self.columns[self.nkeys:]]

    def lookup(self, keys: tuple[str, ...], policy: str) -> tuple[str, ...] | None:
        """The value of ``keys``: None when no row has them; else per the duplicates policy."""
        key: object = keys[0] if self.nkeys == 1 else tuple(keys)
        if self._wanted is not None and key not in self._wanted:
            self._wanted = None  # a key nobody announced: index every row after all
            self._first, self._more = {}, {}
            if self._key_of is not None:
                self._build()
        rows = self._more.get(key)
        if rows is None:
            row = self._first.get(key)
            return None if row is None else tuple(self._value(row))
        if policy == "replace":
            return tuple(self._value(rows[-1]))
        if policy == "ignore":
            return tuple(self._value(rows[0]))
        values = [tuple(self._value(row)) for row in rows]
        if policy == "unique":  # leave out a row whose value an earlier row had
            values = list(dict.fromkeys(values))
        return tuple(token for value in values for token in value)


class BlockBroken(Exception):
    """The block has no data (its source or parse failed); already reported."""


@dataclass
class Block:
    """The state of the block being run: set by directives, read by assertions."""

    directive: Directive
    source_ref: SourceRef
    timeout: float
    max_size: int
    checks_exit_status: bool
    assertion_count: int
    sensitive: bool = False  # values are masked in every report
    options: ParseOptions = field(default_factory=ParseOptions)
    explicit: set[str] = field(default_factory=set)  # options the definition set
    option_lines: dict[str, Directive] = field(default_factory=dict)  # and where
    origins: dict[str, str] = field(default_factory=dict)  # option -> "syntax ini", ...
    parser_name: str = "tokenized"
    columns: tuple[int, ...] | None = None
    pending_columns: Directive | None = None  # a `columns` with names, until the data is parsed
    duplicates_policy: str = "append"
    section_name: str | None = None
    selected: list[Row] | None = None  # None: the top level
    property: tuple[str, ...] | None = None
    value: tuple[str, ...] | None = None
    selector: str = "none"  # what set the value: property, section_size, exit_status
    data: SourceData | None = None
    parsed: Parsed | None = None
    narrowed: Wanted | None = None  # parsed holds only the rows of these keys
    widened: bool = False  # narrowed rows were not enough once: parse every row from now on
    broken: bool = False
    broken_reason: str = ""  # why its assertions are not run
    #: The selector that failed, leaving no value to check. None: there is one.
    no_value: Directive | None = None
    name: str | None = None  # the block's `name`: the BLOCK part of its checks' ids
    id_part: str | None = None  # that BLOCK part, made at the first assertion
    pending_name: Directive | None = None  # a `name` for the next assertion
    #: A selector or an assertion has needed the data (read_due) or the rows (parse_due):
    #: options that act on them come too late from then on, and a `name` names the next
    #: assertion, not the block. (Known in --check too, which reads nothing.)
    read_due: bool = False
    parse_due: bool = False
    property_lines: Sequence[str] = ()  # the block's `property` lines, for wanted()
    _indexes: dict[tuple[int, tuple[int, ...] | None, int], PropertyIndex] = field(
        default_factory=dict)
    _wanted: dict[int, frozenset[object]] = field(default_factory=dict)

    def rows(self) -> list[Row]:
        assert self.parsed is not None
        return self.parsed.rows if self.selected is None else self.selected

    def index(self, nkeys: int) -> PropertyIndex:
        rows = self.rows()
        key = (id(rows), self.columns, nkeys)
        found = self._indexes.get(key)
        if found is None:
            with collector_paused():
                found = self._indexes[key] = PropertyIndex(rows, self.columns, nkeys,
                                                           self.wanted(nkeys))
        return found

    def key_columns(self, nkeys: int) -> tuple[int, ...] | None:
        """The raw columns of an ``nkeys`` key; None when fewer columns are mapped."""
        columns = tuple(range(nkeys)) if self.columns is None else self.columns[:nkeys]
        return columns if len(columns) == nkeys else None

    def narrowing_for(self, lookup: Sequence[str]) -> Wanted | None:
        """The rows to narrow the parse to, for a first lookup of ``lookup``: those of
        every key the block's ``property`` lines name (None: parse every row)."""
        columns = self.key_columns(len(lookup))
        if (not columns or self.widened or self.selected is not None
                or self.pending_columns is not None):
            return None
        wanted = Wanted(columns, self.wanted(len(lookup)))
        return wanted if self._covered(wanted, lookup) else None

    def covers(self, lookup: Sequence[str]) -> bool:
        """Whether the rows parsed answer a lookup of ``lookup`` (always, unless narrowed)."""
        return self.narrowed is None or (
            self.narrowed.columns == self.key_columns(len(lookup))
            and self._covered(self.narrowed, lookup))

    @staticmethod
    def _covered(wanted: Wanted, lookup: Sequence[str]) -> bool:
        return (lookup[0] if len(lookup) == 1 else tuple(lookup)) in wanted.keys

    def widen(self) -> None:
        """Drop narrowed rows and their indexes, so that every row is parsed (once: a
        block switching key columns back and forth must not narrow again each time)."""
        self.parsed, self.narrowed, self.widened = None, None, True
        self._indexes.clear()

    def wanted(self, nkeys: int) -> frozenset[object]:
        """The keys the block's ``property`` lines with ``nkeys`` keys ask for."""
        if nkeys not in self._wanted:
            keys: set[object] = set()
            for line in self.property_lines:
                args = tokenize(line)[1:]
                if len(args) == nkeys:
                    keys.add(args[0] if nkeys == 1 else tuple(args))
            self._wanted[nkeys] = frozenset(keys)
        return self._wanted[nkeys]
