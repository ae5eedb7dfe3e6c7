"""From a block's text to its rows: the lines a parser sees, then the parser."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from tstconfig_core.api import (UNIVERSAL_OPTIONS, LineParser, OptionConverter, Parsed, Parser,
                                ParseOptions, PluginError, SourceData, Wanted)
from tstconfig_core.engine.boundary import MASK, DirectiveError, TimedOut, calling, plugin
from tstconfig_core.engine.guards import check_required
from tstconfig_core.limits import collector_paused
from tstconfig_core.memory import Lines, MemoryBudget, OverBudget, budgeted, lines_cost
from tstconfig_core.sizes import GROWN_ROWS, POINTER, STR_WIDE
from tstconfig_core.loading.groups import PARSERS
from tstconfig_core.model import WarningEvent
from tstconfig_core.options import DUPLICATES_POLICIES, FIELD_NAMES

if TYPE_CHECKING:
    from tstconfig_core.engine.block import Block
    from tstconfig_core.engine.context import Context

#: Raw lines kept once the rows are parsed, for --inspect's ruler.
HEAD_LINES = 64


def selected_lines(lines: Sequence[str], options: ParseOptions) -> Sequence[str]:
    """The lines after ``skip_header_lines``, and only ``read_lines`` of them (``lines``
    themselves when that is all, not a copy)."""
    if not options.skip_header_lines and options.read_lines is None:
        return lines
    stop = None if options.read_lines is None else options.skip_header_lines + options.read_lines
    return lines[options.skip_header_lines:stop]


def without_blanks(lines: Sequence[str], options: ParseOptions) -> list[str]:
    """The lines that are neither blank nor comments."""
    comments = options.comment_prefixes()
    if comments:
        return [ln for ln in lines
                if ln and not ln.isspace() and not ln.lstrip().startswith(comments)]
    return [ln for ln in lines if ln and not ln.isspace()]


def candidate_lines(lines: Sequence[str], options: ParseOptions,
                    parser: Parser | None = None) -> list[str]:
    """The lines that may become rows: after skip/read, without blanks and comments
    (with them, for a parser of whole documents: ``Parser.whole_text``)."""
    if parser is not None and parser.whole_text:
        return list(selected_lines(lines, options))
    return without_blanks(selected_lines(lines, options), options)


def parse_rows(lines: Sequence[str], options: ParseOptions, parser: Parser) -> Parsed:
    """Apply skip/read, blank and comment lines; the parser makes the rows."""
    return _checked(parser.parse(candidate_lines(lines, options, parser), options))


def parse_narrowed(lines: Sequence[str], options: ParseOptions, parser: Parser,
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


def parse_block(block: Block, data: SourceData, lookup: Sequence[str] | None) -> None:
    """Parse the block's data into its rows: narrowed to the keys its plan names when
    it can be, else every row; a failure breaks the block, and so does data that would
    take more memory to hold than the block's budget (``limits.MEMORY_FACTOR``)."""
    from tstconfig_core.engine.block import narrowing_for  # (block imports this module)
    _apply_source_defaults(block)
    check_required(block)  # (a parse mode the source suggested, with its suggestions)
    try:
        parser: Parser = plugin(block.ctx, PARSERS, block.parse_mode)
    except DirectiveError as exc:
        raise block.fail(str(exc)) from None
    wanted = (narrowing_for(block, lookup) if lookup is not None and block.ctx.narrow
              else None)
    mask = f"{MASK} (the block is sensitive)" if block.sensitive else None
    budget, over = MemoryBudget(block.max_size), None
    try:
        with calling(block.ctx, PARSERS, block.parse_mode, seconds=block.timeout,
                     what="parsing", mask=mask), collector_paused(), budgeted(budget):
            try:
                _parse_within(block, data, parser, wanted, budget)
            except OverBudget as exc:  # (caught here: not the parser's failure)
                over = exc
    except TimedOut as exc:
        raise block.fail(str(exc)) from None
    except DirectiveError as exc:
        raise block.fail(f"cannot parse the output of {block.directive.keyword} "
                         f"{block.source_ref.target!r}: {exc}") from None
    if over is not None:
        block.parsed = block.narrowed = None
        raise block.fail(str(over))
    if block.narrowed is None:  # the rows hold what is needed now
        block.data = data._replace(lines=())


def _parse_within(block: Block, data: SourceData, parser: Parser, wanted: Wanted | None,
                  budget: MemoryBudget) -> None:
    """Parse, charging the lines and rows to ``budget``; the rows of every line let the
    lines go as they are made, when the lines are the core's to let go."""
    lines, options = data.lines, block.options
    budget.charge(lines_cost(lines), lines=len(lines))
    keeper = block.keeper
    if keeper is not None:  # the lines kept while reading: selected and narrowed already
        if keeper.error is not None:
            raise keeper.error
        block.parsed = _checked(parser.parse(without_blanks(lines, options), options))
        block.narrowed = keeper.wanted
    elif data.parts:
        _parse_parts(block, data, parser)
    elif wanted is not None:
        block.parsed = parse_narrowed(lines, options, parser, wanted)
        block.narrowed = wanted if block.parsed is not None else None
    if block.parsed is None:
        block.head = tuple(lines[:options.skip_header_lines + HEAD_LINES])
        candidates = candidate_lines(lines, options, parser)
        budget.charge(POINTER * len(candidates) + lines_cost(block.head))
        if isinstance(lines, Lines):  # the source's own, handed over: only they are left
            budget.owned = candidates
            lines.clear()
        block.parsed = _checked(parser.parse(candidates, options))
        budget.owned = None
    _charge_uncounted(block.parsed, budget)


def _parse_parts(block: Block, data: SourceData, parser: Parser) -> None:
    """Lines from several files: each parsed on its own (a header or a section never runs
    on into the next file), the rows in order, each remembering its file."""
    lines, options = data.lines, block.options
    block.head = tuple(lines[:options.skip_header_lines + HEAD_LINES])
    rows: list = []
    sections: dict[str, list] = {}
    names: tuple[str, ...] = ()
    used = None
    files = block.row_files
    start = 0
    for name, count in data.parts:
        parsed = _checked(parser.parse(
            candidate_lines(lines[start:start + count], options, parser), options))
        start += count
        files.update(dict.fromkeys(map(id, parsed.rows), name))
        rows.extend(parsed.rows)
        for section, found in parsed.sections.items():
            files.update(dict.fromkeys(map(id, found), name))
            sections.setdefault(section, []).extend(found)
        names, used = names or parsed.column_names, used or parsed.options
    block.parsed = Parsed(rows, sections, names, used)


def _charge_uncounted(parsed: Parsed, budget: MemoryBudget) -> None:
    """Rows a parser made without charging them (its own ``parse``), charged at last."""
    rows = [parsed.rows, *parsed.sections.values()]
    uncounted = sum(map(len, rows)) - budget.rows
    if uncounted > 0:
        tokens = sum(len(row) for part in rows for row in part) - budget.tokens
        budget.charge(uncounted * (GROWN_ROWS[0] + POINTER) + max(0, tokens) * (9 + STR_WIDE),
                      rows=uncounted, tokens=max(0, tokens))


def _apply_source_defaults(block: Block) -> None:
    """The source's suggested parse, for each option the definition left alone: a field
    it did not set, and an option of the suggested parse mode that is not in
    ``options.extra`` yet (only the definition's are, so far), when that mode is the one
    in force (the definition may have chosen another)."""
    assert block.data is not None
    source = block.directive.keyword
    origin, who = f"suggested by the {source} source", f"source {source!r} suggests"
    defaults = dict(block.data.defaults)
    policy = defaults.pop("duplicates_policy", None)
    if policy is not None and "duplicates_policy" not in block.explicit:
        if policy in DUPLICATES_POLICIES:
            block.duplicates_policy = str(policy)
            block.origins["duplicates_policy"] = origin
        else:
            defaults["duplicates_policy"] = policy  # reported as unknown below
    if not defaults:
        return
    fields, extra = split_settings(block, defaults, who)  # every name, before any is left
    suggested = str(fields.get("parse_mode") or block.parse_mode)
    fields = {k: v for k, v in fields.items() if k not in block.explicit}
    in_force = str(fields.get("parse_mode") or block.parse_mode)
    extra = {k: v for k, v in extra.items()
             if k not in block.options.extra and in_force == suggested}
    if fields or extra:
        block.apply({**fields, "extra": extra}, origin, who)


def split_settings(block: Block, settings: Mapping[str, object], who: str
                   ) -> tuple[dict[str, object], dict[str, object]]:
    """A syntax's settings or a source's defaults, as (ParseOptions fields, options of the
    parse mode they are for: the one they name, else the block's). That mode's own
    options (``Parser.options``) may be named directly or in a mapping under ``extra``,
    each a value as its converter returns it; any other name breaks the block."""
    fields = dict(settings)
    extra = fields.pop("extra", {})
    if not isinstance(extra, Mapping):
        raise block.fail(f"{who} extra options that are not a mapping of option names to "
                         f"values ({type(extra).__name__})")
    others = [k for k in fields if k not in FIELD_NAMES]
    if not others and not extra:
        return fields, {}
    mode = str(fields.get("parse_mode") or block.parse_mode)
    try:
        declared = plugin(block.ctx, PARSERS, mode).options
    except DirectiveError as exc:
        raise block.fail(str(exc)) from None
    extra = {**{k: fields.pop(k) for k in others if k in declared}, **extra}
    unknown = sorted([str(k) for k in fields if k not in FIELD_NAMES]
                     + [str(k) for k in extra if k not in declared])
    if unknown:
        own = (f"; parse_mode {mode}'s own options are {', '.join(sorted(declared))}"
               if declared else "")
        raise block.fail(f"{who} unknown options: {', '.join(unknown)}{own}")
    return fields, dict(extra)


def parser_options(ctx: Context, block: Block) -> Mapping[str, OptionConverter]:
    """The options the block's parse mode declares (none, when it cannot be had)."""
    try:
        return ctx.registry.instance(PARSERS, block.parse_mode).options
    except PluginError:
        return {}


def warn_unused_options(block: Block) -> None:
    """Options the definition set that the block's parse mode does not read."""
    try:
        parser = block.ctx.registry.instance(PARSERS, block.parse_mode)
    except PluginError:
        return  # reported where the parse mode was named
    if parser.takes is None:
        return  # the parser does not say what it reads
    read = parser.takes | UNIVERSAL_OPTIONS
    if isinstance(parser, LineParser):
        read |= {"section_header_pattern", "section_footer_pattern"}
    for keyword, d in block.option_lines.items():
        if keyword not in read:
            reads = ", ".join(sorted(parser.takes)) or "none of these options"
            block.ctx.emit(WarningEvent(d.file, d.line, (
                f"{keyword} has no effect with parse_mode {block.parse_mode}, which "
                f"reads {reads}")))
