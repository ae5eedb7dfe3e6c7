"""A block: one source, its parse settings, its data, and the value being selected.

The block is the one place that holds mutable state, and it keeps its own
invariants: its text is read once, on first need; it is parsed once, or twice
at most (a block that only looks keys up may parse only the lines of the keys
its plan names, :meth:`Parser.narrow`, and parses every line, once, if
something later needs more); each (section, columns, key count) gets a
property index built in one pass, so N properties cost one scan, not N.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from tstconfig_core.api import Parsed, Row, Source, SourceData, Wanted
from tstconfig_core.definition import Directive
from tstconfig_core.engine.boundary import BlockBroken, DirectiveError, plugin
from tstconfig_core.engine.columns import resolve_columns
from tstconfig_core.engine.context import Context
from tstconfig_core.engine.index import PropertyIndex
from tstconfig_core.engine.keeping import Keeper, keeper_for
from tstconfig_core.engine.parsing import parse_block, split_settings
from tstconfig_core.engine.plan import BlockPlan
from tstconfig_core.engine.reading import read_source
from tstconfig_core.limits import collector_paused
from tstconfig_core.loading.groups import PARSERS
from tstconfig_core.model import SourceRef
from tstconfig_core.options import ParseOptions
#: What an unknown section selects: no rows (one shared list, so its index is cached once).
NO_ROWS: list[Row] = []
DEFAULT_PARSE_MODE = "tokenized"
#: Directives that limit reading the source: they must come before it is read.
SOURCE_LIMITS = ("timeout", "max_size")


@dataclass(eq=False)
class Block:
    """The state of the block being run: set by directives, read by assertions."""

    ctx: Context
    directive: Directive               # the source directive
    source: Source | None              # None: the plugin could not be had (broken)
    plan: BlockPlan
    report: Callable[[Directive, str], None]  # an error at a line, as the file's policy says
    source_ref: SourceRef
    timeout: float
    max_size: int
    reading: bool = True               # False in --check, and past a file's error cap
    # -- parse settings
    options: ParseOptions = field(default_factory=ParseOptions)
    explicit: set[str] = field(default_factory=set)   # options the definition chose
    origins: dict[str, str] = field(default_factory=dict)  # option -> "syntax ini", ...
    option_lines: dict[str, Directive] = field(default_factory=dict)  # option directives
    duplicates_policy: str = "append"
    ignore_case: bool = False          # keys compared without case (`ignore_case`)
    allow_missing: bool = False        # no file is no error (`allow_missing`)
    skipped: str | None = None         # why `only_if_exists` skips the block
    assertions_seen: int = 0           # how many of its assertions were reached so far
    parse_mode_line: Directive | None = None  # the `parse_mode` line (required options)
    sensitive_directive: bool = False  # `sensitive` was run (the plan knew it already)
    # -- naming: the BLOCK part of its checks' ids, and a name for the next assertion
    name: str | None = None
    id_part: str | None = None
    pending_name: Directive | None = None
    # -- selection
    columns: tuple[int, ...] | None = None
    pending_columns: Directive | None = None  # `columns` with names, until the rows exist
    section_name: str | None = None
    selected: Sequence[Row] | None = None     # None: the top level
    keys: tuple[str, ...] | None = None       # the `property` keys selected
    selector: str = "none"                    # what set the value
    value: tuple[str, ...] | None = None
    no_value: Directive | None = None         # the selector that failed, leaving no value
    defaulted: bool = False                   # the value is a `default`'s
    default_seen: bool = False                # a `default` followed the selector
    checked_since_selector: bool = False      # an assertion followed the selector
    selecting: Directive | None = None        # the selector, for ``-r drift`` (observe.py)
    #: Before the first `where` since the last `section`: what `where_clear` goes back to.
    filtering: bool = False
    unfiltered: Sequence[Row] | None = None
    filter_failed: Directive | None = None    # a `where` that failed: nothing to select
    filtered: list[Sequence[Row]] = field(default_factory=list)  # kept: ids index them
    #: Row (by id) -> the file it came from, when the source read several (parts).
    row_files: dict[int, str] = field(default_factory=dict)
    #: A selector or an assertion has needed the data (read_due) or the rows (parse_due):
    #: options that act on them come too late from then on, and a `name` names the next
    #: assertion, not the block. (Known in --check too, which reads nothing.)
    read_due: bool = False
    parse_due: bool = False
    # -- data
    data: SourceData | None = None
    head: Sequence[str] = ()                  # the first raw lines, once parsed
    parsed: Parsed | None = None
    narrowed: Wanted | None = None            # parsed holds only the rows of these keys
    keeper: Keeper | None = None              # data holds only the lines it kept
    widened: bool = False                     # narrowed rows were not enough once
    broken_reason: str | None = None          # why it has no data (its assertions: not run)
    _indexes: dict[tuple[int, tuple[int, ...] | None, int], PropertyIndex] = field(
        default_factory=dict)

    # -- what it is --------------------------------------------------------------

    @property
    def parse_mode(self) -> str:
        return self.options.parse_mode or DEFAULT_PARSE_MODE

    @property
    def sensitive(self) -> bool:
        return self.plan.sensitive or self.sensitive_directive

    @property
    def broken(self) -> bool:
        return self.broken_reason is not None

    def fail(self, message: str) -> DirectiveError:
        """Mark the block unusable; its assertions from here on will not run, and the
        error says how many."""
        self.broken_reason = message
        left = self.plan.assertions - self.assertions_seen
        if left > 0:
            which = "assertion(s) of this block" if not self.assertions_seen else (
                "assertion(s) left in this block")
            message += f"; the {left} {which} were not run"
        return DirectiveError(message)

    # -- settings ------------------------------------------------------------------

    def check_settable(self, keyword: str) -> None:
        if self.parse_due or (keyword in SOURCE_LIMITS and self.read_due):
            raise DirectiveError(
                f"{keyword} comes after this block's data was already read; "
                "move it up, before the first section/property/assertion of the block")

    def set_option(self, d: Directive, value: object) -> None:
        setattr(self.options, d.keyword, value)
        self.explicit.add(d.keyword)
        self.option_lines[d.keyword] = d
        self.origins.pop(d.keyword, None)

    def set_parse_mode(self, name: str, origin: str | None = None) -> None:
        try:
            plugin(self.ctx, PARSERS, name)
        except DirectiveError as exc:
            raise self.fail(str(exc)) from None
        self.options.parse_mode = name
        if origin is None:
            self.explicit.add("parse_mode")
            self.origins.pop("parse_mode", None)

    def apply(self, settings: Mapping[str, object], origin: str, who: str) -> None:
        """Parse options from a syntax or a source: ParseOptions fields by name, and the
        options of the parse mode they are for into ``extra`` (:func:`split_settings`)."""
        fields, extra = split_settings(self, settings, who)
        mode = fields.get("parse_mode")
        if mode is not None:
            self.set_parse_mode(str(mode), origin)
        self.options = replace(self.options, **fields)
        self.options.extra.update(extra)
        self.origins.update(dict.fromkeys([*fields, *extra], origin))

    # -- data: read once, parsed once (narrowed first, maybe) --------------------

    def need_data(self) -> SourceData:
        """The source's data, read on first need; a broken block has none (reported)."""
        if self.broken or not self.reading or self.skipped:
            raise BlockBroken()
        if self.data is None:
            from tstconfig_core.engine.guards import check_required
            check_required(self)
            read_source(self)
        assert self.data is not None
        return self.data

    def need_rows(self, current: Directive | None,
                  lookup: Sequence[str] | None = None) -> Parsed:
        """The rows, parsed on first need. Given the keys of a ``lookup``, and when the
        block only looks keys up, only the lines of the keys its plan names may be parsed
        (:meth:`Parser.narrow`); any other need parses every line, once."""
        parsed = self.parsed
        if (parsed is not None and self.narrowed is None and self.pending_columns is None
                and self.broken_reason is None and self.reading):
            return parsed  # (the usual case, first: every row parsed, nothing pending)
        if self.narrowed is not None and (lookup is None or not covers(self, lookup)):
            self.widen()  # the narrowed rows cannot answer this: parse them all
        if self.data is None and lookup is not None and not self.broken:
            self.keeper = keeper_for(self, lookup)  # only its lines read, if they can be
        data = self.need_data()
        if self.parsed is None:
            parse_block(self, data, lookup)
        if self.pending_columns is not None:
            resolve_columns(self, current)
        assert self.parsed is not None
        return self.parsed

    def parse_all(self) -> Parsed | None:
        """Every row (``--inspect``), also when a ``columns`` name is not among them (the
        names are what it takes to fix that); None when the block has no data."""
        if self.narrowed is not None:
            self.widen()
        if self.parsed is None and not self.broken:
            try:
                self.need_rows(None)
            except DirectiveError as exc:
                self.report(self.directive, str(exc))
            except BlockBroken:
                pass  # a columns name not found: reported at its line, the rows kept
        return self.parsed

    def widen(self) -> None:
        """Drop narrowed rows and their indexes, so that every row is parsed (once: a
        block switching key columns back and forth must not narrow again each time)."""
        self.parsed, self.narrowed, self.widened = None, None, True
        self._indexes.clear()
        if self.keeper is not None:  # only the kept lines were read: read them all
            self.data = self.keeper = None

    # -- rows, keys and the index ----------------------------------------------------

    def rows(self) -> Sequence[Row]:
        assert self.parsed is not None
        return self.parsed.rows if self.selected is None else self.selected

    def index(self, nkeys: int) -> PropertyIndex:
        rows = self.rows()
        key = (id(rows), self.columns, nkeys)
        found = self._indexes.get(key)
        if found is None:
            with collector_paused():
                found = self._indexes[key] = PropertyIndex(rows, self.columns, nkeys,
                                                           self.lookups(nkeys),
                                                           self.ignore_case)
        return found

    def lookups(self, nkeys: int) -> frozenset[object]:
        """The keys the block's `property` lines with ``nkeys`` keys name (its plan)."""
        return self.plan.lookups.get(nkeys, frozenset())


# -- narrowing: the rows a block that only looks keys up needs parsed ---------------------

def key_columns(block: Block, nkeys: int) -> tuple[int, ...] | None:
    """The raw columns of an ``nkeys`` key; None when fewer columns are mapped."""
    columns = tuple(range(nkeys)) if block.columns is None else block.columns[:nkeys]
    return columns if len(columns) == nkeys else None


def narrowing_for(block: Block, lookup: Sequence[str]) -> Wanted | None:
    """The rows to narrow the parse to, for a first lookup of ``lookup``: those of every
    key the block's plan names (None: parse every row)."""
    columns = key_columns(block, len(lookup))
    if (not columns or block.widened or block.selected is not None
            or block.pending_columns is not None or block.ignore_case
            or block.data is not None and block.data.parts):
        return None
    wanted = Wanted(columns, block.lookups(len(lookup)))
    return wanted if _covered(wanted, lookup) else None


def covers(block: Block, lookup: Sequence[str]) -> bool:
    """Whether the rows parsed answer a lookup of ``lookup`` (always, unless narrowed)."""
    return block.narrowed is None or (
        block.narrowed.columns == key_columns(block, len(lookup))
        and _covered(block.narrowed, lookup))


def _covered(wanted: Wanted, lookup: Sequence[str]) -> bool:
    return (lookup[0] if len(lookup) == 1 else tuple(lookup)) in wanted.keys
