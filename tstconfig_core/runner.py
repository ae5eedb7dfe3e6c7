"""Running definition files: dispatching each directive to the core or to a plugin.

Keywords are resolved in this order: the core's own directives (the table
``CORE`` below and the parse options of :mod:`tstconfig_core.options`), then
``tstconfig.sources``, then ``tstconfig.assertions``, then the option
directives the block's parser declares. Every problem becomes an ErrorEvent at
``FILE:LINE`` and the run goes on.
"""
from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import cached_property

from tstconfig_core.api import (UNIVERSAL_OPTIONS, Assertion, LineParser, Parser, PluginError,
                                Source, SourceRequest, Syntax)
from tstconfig_core.block import (DUPLICATES_POLICIES, NO_ROWS, Block, BlockBroken, parse_rows,
                                  parse_wanted_rows)
from tstconfig_core.definition import (Directive, SyntaxProblem, definition_lines,
                                       keyword_of, parse_line)
from tstconfig_core.limits import (DEFAULT_MAX_SIZE, TimeLimitExceeded, collector_paused,
                                   parse_size, time_limit)
from tstconfig_core.loader import DISABLE_VARIABLE, PluginLoadError, PluginRegistry
from tstconfig_core.ids import FileIds, block_part, check_part
from tstconfig_core.model import (FAILED, NOT_RUN, PASSED, AssertionResult, ErrorEvent,
                                  Event, FileFinished, FileStarted, SourceRef, WarningEvent)
from tstconfig_core.options import FIELD_NAMES, OPTION_DIRECTIVES, OptionError

SOURCES = "tstconfig.sources"
PARSERS = "tstconfig.parsers"
SYNTAXES = "tstconfig.syntaxes"
ASSERTIONS = "tstconfig.assertions"
KINDS = {SOURCES: "source", PARSERS: "parser", SYNTAXES: "syntax", ASSERTIONS: "assertion"}

MAX_ERRORS_PER_FILE = 200
#: Keywords longer than this get no "did you mean" (no keyword is near that long).
MAX_KEYWORD = 40
#: Looks like a number, so it cannot be a column name: ``-1``, ``2.5``.
_NUMBER_LIKE = re.compile(r"[+-]?\d+(?:\.\d*)?")
MAX_WARNING_LINES = 20
MAX_MESSAGE = 400
MAX_TIMEOUT = 1_000_000  # seconds: about 11 days
MASK = "<masked>"
#: Directives that limit reading the source: they must come before it is read.
SOURCE_LIMITS = ("timeout", "max_size")

Emit = Callable[[Event], None]


class DirectiveError(Exception):
    """A directive cannot be carried out; the message is for the person who wrote it."""


class BlockPlan:
    """What a source directive needs to know of its block's directives."""

    __slots__ = ("checks_exit_status", "assertion_count", "sensitive", "property_lines")

    def __init__(self) -> None:
        self.checks_exit_status = False
        self.assertion_count = 0
        self.sensitive = False
        self.property_lines: list[str] = []  # which keys the block's index must hold


def bounded(message: str) -> str:
    """A message cut to a readable length (a 10 MB line must not become a 10 MB error)."""
    if len(message) <= MAX_MESSAGE:
        return message
    return f"{message[:MAX_MESSAGE]}... ({len(message)} characters)"


class FileRun:
    """Runs the directives of one definition file, emitting events."""

    def __init__(self, registry: PluginRegistry, emit: Emit, timeout: float,
                 debug: bool = False, settings: Mapping[str, object] | None = None,
                 on_block: Callable[[Block], None] | None = None, narrow: bool = True,
                 check_only: bool = False) -> None:
        self.registry = registry
        #: --check / --list-ids: directives are validated and ids made, but no source is
        #: read, no command run and no assertion checked (each is reported not run).
        self.check_only = check_only
        self._capped = False
        #: Inspect mode: called with each block as it ends; assertions do not run.
        self.on_block = on_block
        #: Let parsers parse only the rows a block looks up (False: every row of every
        #: block, the oracle the tests and the fuzzer check narrowed parses against).
        self.narrow = narrow and on_block is None
        self.emit = emit
        self.default_timeout = timeout
        self.debug = debug
        self.settings = dict(settings or {})
        self.block: Block | None = None
        self._current: Directive | None = None  # the directive being run
        self.core: dict[str, Callable[[Directive], None]] = {
            "section": self._section,
            "columns": self._columns,
            "property": self._property,
            "section_size": self._section_size,
            "exit_status": self._exit_status,
            "duplicates_policy": self._duplicates_policy,
            "timeout": self._timeout,
            "max_size": self._max_size,
            "sensitive": self._sensitive,
            "syntax": self._syntax,
            "parse_mode": self._parse_mode,
            "name": self._name,
        }

    # -- driving ---------------------------------------------------------

    def run(self, text: str, name: str) -> None:
        """Run a definition a line at a time; only its lines are held, never its directives."""
        started = time.time()
        self.emit(FileStarted(name, started))
        self._errors = 0
        self._capped = False  # past the error cap: the rest is read for its ids only
        self._ids = FileIds(name)
        self._clock = time.perf_counter()  # each result is charged the time since the last
        lines = definition_lines(text)
        for number, line in enumerate(lines, start=1):
            if self._capped and keyword_of(line) not in self._id_keywords:
                continue  # (cheap: a file of junk is not parsed past the cap)
            item = parse_line(line, number, name)
            if item is None:
                continue
            if isinstance(item, SyntaxProblem):
                self._syntax_problem(item, line, lines, number)
                continue
            plan = self._plan(lines, number) if self._is_source(item.keyword) else None
            self._run_one(item, plan)
        self._finish_block()
        if self._ids.count == 0 and self.on_block is None:
            self.emit(WarningEvent(name, None, "no assertion in this file: it checks nothing"))
        self.emit(FileFinished(name, time.time() - started))

    def _syntax_problem(self, problem: SyntaxProblem, line: str, lines: Sequence[str],
                        number: int) -> None:
        """An error; on a source's line it also starts a broken block, so the lines after
        it are not taken for the previous block's (its `sensitive` among them)."""
        keyword = keyword_of(line)
        if keyword is not None and self._is_source(keyword):
            directive = Directive(problem.file, problem.line, keyword, ())
            self._guarded(directive, lambda: self._start_block(
                directive, self._plan(lines, number), problem.message))
        else:
            self._report(problem.file, problem.line, problem.message)

    @cached_property
    def _id_keywords(self) -> frozenset[str]:
        """What an id is made of: sources, selectors, names and assertions."""
        return frozenset({"section", "property", "section_size", "exit_status", "name",
                          *self.registry.names(SOURCES), *self.registry.names(ASSERTIONS)})

    def _is_source(self, keyword: str) -> bool:
        """Whether ``keyword`` starts a block (core directives and options come first)."""
        return (keyword not in self.core and keyword not in OPTION_DIRECTIVES
                and self.registry.has(SOURCES, keyword))

    def _plan(self, lines: Sequence[str], start: int) -> BlockPlan:
        """What a block's source must know of the lines after it, up to the next source.

        Only keywords are read, and each line belongs to one block, so planning
        every block of a file reads each line once.
        """
        plan = BlockPlan()
        for index in range(start, len(lines)):  # (islice would walk from the first line)
            keyword = keyword_of(lines[index])
            if keyword is None:
                continue
            if self._is_source(keyword):
                break
            if keyword == "exit_status":
                plan.checks_exit_status = True
            elif keyword == "sensitive":
                plan.sensitive = True
            elif keyword == "property":
                plan.property_lines.append(lines[index])
            elif self.registry.has(ASSERTIONS, keyword):
                plan.assertion_count += 1
        return plan

    def _run_one(self, d: Directive, plan: BlockPlan | None) -> None:
        self._current = d
        self._guarded(d, lambda: self._dispatch(d, plan))

    def _guarded(self, d: Directive, action: Callable[[], object]) -> None:
        """Run ``action`` for directive ``d``; every failure becomes an error at its line."""
        try:
            action()
        except (DirectiveError, PluginError) as exc:
            self._error(d, str(exc))
        except BlockBroken:
            pass
        except Exception as exc:  # a bug: still a located error, never a traceback
            if self.debug:
                raise
            self._error(d, f"internal error running {d.keyword!r}: {type(exc).__name__}: {exc}")

    def _error(self, d: Directive, message: str) -> None:
        self._report(d.file, d.line, message)

    def _report(self, file: str, line: int, message: str) -> None:
        """Emit an error, bounded in length. Past the per-file cap the rest of the file
        is not run, only read for its assertions, each reported not run (the number of
        tests does not depend on where the errors stop)."""
        if self._capped:
            return
        self._errors += 1
        if self._errors > MAX_ERRORS_PER_FILE:
            self._capped = True
            self.emit(ErrorEvent(file, line, f"more than {MAX_ERRORS_PER_FILE} errors in this "
                                             "file: the rest of it is not run (is it a "
                                             "definition file?)"))
            return
        self.emit(ErrorEvent(file, line, bounded(message)))

    def _dispatch(self, d: Directive, plan: BlockPlan | None) -> None:
        kw = d.keyword
        handler = self.core.get(kw)
        if handler is not None:
            handler(d)
        elif kw in OPTION_DIRECTIVES:
            self._option(d)
        elif plan is not None:
            self._start_block(d, plan)
        elif self.registry.has(ASSERTIONS, kw):
            self._assert(d)
        elif self.block is not None and kw in self._parser_options():
            self._parser_option(d)
        else:
            raise DirectiveError(self._unknown(kw))

    def _unknown(self, keyword: str) -> str:
        import difflib
        for group in (SOURCES, ASSERTIONS):
            dist = self.registry.disabled_provider(group, keyword)
            if dist:
                return (f"{keyword!r} comes from the distribution {dist}, which is disabled "
                        f"({DISABLE_VARIABLE} or --disable-plugins)")
        known = [*self.core, *OPTION_DIRECTIVES, *self.registry.names(SOURCES),
                 *self.registry.names(ASSERTIONS)]
        if self.block is not None:
            known.extend(self._parser_options())
        owners = self._parsers_with_option(keyword)
        if owners:
            modes = " or ".join(f"'parse_mode {m}'" for m in owners)
            return (f"{keyword!r} is an option of {modes}; put it after that parse_mode "
                    "(this block's parse mode is " + (self.block.parser_name if self.block
                                                      else "not set: no source yet") + ")")
        close = (difflib.get_close_matches(keyword, known, n=1, cutoff=0.6)
                 if len(keyword) <= MAX_KEYWORD else [])
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"unknown directive {keyword!r}{hint}"

    def _parsers_with_option(self, keyword: str) -> list[str]:
        """Parse modes that declare ``keyword`` (imports the parsers: error path only)."""
        owners = []
        for name in self.registry.names(PARSERS):
            try:
                parser = self.registry.instance(PARSERS, name, Parser)
            except PluginError:
                continue  # a broken parser is reported where it is used
            if keyword in parser.options:
                owners.append(name)
        return owners

    # -- blocks and their data --------------------------------------------

    def _need_block(self, d: Directive) -> Block:
        if self.block is None:
            sources = ", ".join(self.registry.names(SOURCES))
            raise DirectiveError(f"{d.keyword} needs a source first: start a block with a "
                                 f"source directive ({sources})")
        return self.block

    def _start_block(self, d: Directive, plan: BlockPlan, problem: str | None = None) -> None:
        """A new block; one whose source cannot be used (a plugin that fails to load, a
        program under --no-commands, a line that cannot be read, arguments --check finds
        wrong) starts broken, so the directives after it belong to it and its assertions
        are reported as not run."""
        self._finish_block()
        try:
            source: Source | None = self.registry.instance(SOURCES, d.keyword, Source)
        except PluginLoadError as exc:
            source, problem = None, problem or str(exc)
        if source is not None and source.runs_programs and self.settings.get("no_commands"):
            problem = problem or (f"{d.keyword!r} runs a program, and --no-commands refuses "
                                  "every source that does")
        if source is not None and problem is None and self.check_only:
            try:
                source.validate(d.args)
            except PluginError as exc:
                problem = str(exc)
        self.block = Block(
            directive=d,
            source_ref=SourceRef(d.keyword, source.label if source else "Source",
                                 " ".join(d.args)),
            timeout=self.default_timeout,
            max_size=int(self.settings.get("max_size") or DEFAULT_MAX_SIZE),
            checks_exit_status=plan.checks_exit_status,
            assertion_count=plan.assertion_count,
            sensitive=plan.sensitive,
            property_lines=plan.property_lines,
        )
        if problem is not None:
            raise self._break(self.block, problem)

    def _finish_block(self) -> None:
        """Read a source nothing asked for, so its errors and warnings still show."""
        block = self.block
        if block is not None and block.option_lines and not block.broken:
            self._warn_unused_options(block)
        if block is not None and block.pending_name is not None:
            named, block.pending_name = block.pending_name, None
            self._guarded(named, lambda: self._unused_name(named))
        if block is None or self.check_only or self._capped:
            pass
        elif self.on_block is not None:
            self._guarded(block.directive, lambda: self._ensure_parsed(block.directive))
            self.on_block(block)
        elif block.data is None and not block.broken:
            self._guarded(block.directive, lambda: self._read(block))
        self.block = None

    def _warn_unused_options(self, block: Block) -> None:
        """Options the definition set that the block's parse mode does not read."""
        try:
            parser = self.registry.instance(PARSERS, block.parser_name, Parser)
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
                self.emit(WarningEvent(d.file, d.line, (
                    f"{keyword} has no effect with parse_mode {block.parser_name}, which "
                    f"reads {reads}")))

    def _read(self, block: Block) -> None:
        d = block.directive
        source = self.registry.instance(SOURCES, d.keyword, Source)
        try:
            data = source.read(SourceRequest(d.args, block.timeout, self.settings, block.max_size))
        except Exception as exc:
            reason = str(exc) if isinstance(exc, PluginError) else self._plugin_bug(
                SOURCES, d.keyword, exc)
            self._error(d, str(self._break(block, reason)))
            raise BlockBroken() from exc
        block.data = data
        self._warn(d, data.warnings, block.sensitive)
        if data.exit_status and not block.checks_exit_status:
            self._error(d, f"{d.keyword} exited with status {data.exit_status}; "
                           "add 'exit_status' and an assertion if that is expected")

    def _warn(self, d: Directive, warnings: Sequence[str], sensitive: bool) -> None:
        lines = [ln for w in warnings for ln in w.splitlines() if ln.strip()]
        if sensitive and lines:
            self.emit(WarningEvent(d.file, d.line, f"standard error: {len(lines)} line(s), "
                                                   f"{MASK} (the block is sensitive)"))
            return
        for line in lines[:MAX_WARNING_LINES]:
            self.emit(WarningEvent(d.file, d.line, bounded(f"standard error: {line}")))
        if len(lines) > MAX_WARNING_LINES:
            self.emit(WarningEvent(d.file, d.line,
                                   f"... {len(lines) - MAX_WARNING_LINES} more line(s)"))

    @staticmethod
    def _break(block: Block, message: str) -> DirectiveError:
        """Mark the block unusable; its assertions will not run, and the error says so."""
        block.broken = True
        block.broken_reason = message
        if block.assertion_count:
            message += f"; the {block.assertion_count} assertion(s) of this block were not run"
        return DirectiveError(message)

    def _plugin_bug(self, group: str, name: str, exc: BaseException) -> str:
        """A plugin raised something other than PluginError: say so, and whose it is."""
        if self.debug:
            raise exc
        return (f"{KINDS[group]} plugin {name!r} failed: {type(exc).__name__}: {exc}; "
                f"{self.registry.describe(group, name)}")

    def _ensure_data(self, block: Block) -> None:
        """Read the source on first need; a broken block has no data (already reported)."""
        if block.broken or self.check_only or self._capped:
            raise BlockBroken()  # (no source is read in --check, nor past the error cap)
        if block.data is None:
            self._read(block)

    def _ensure_parsed(self, d: Directive, lookup: Sequence[str] | None = None) -> Block:
        """The block's rows, parsed on first need. Given the keys of a ``lookup``, and
        when the block only looks keys up, the parser may parse only the lines of the
        keys its ``property`` lines name (:meth:`Parser.narrow`); any other need
        parses every line."""
        block = self._need_block(d)
        self._ensure_data(block)
        if block.narrowed is not None and (lookup is None or not block.covers(lookup)):
            block.widen()  # the narrowed rows cannot answer this: parse them all
        if block.parsed is None:
            self._apply_source_defaults(block)
            parser = self._parser(block)
            wanted = block.narrowing_for(lookup) if lookup is not None and self.narrow else None
            try:
                with time_limit(block.timeout), collector_paused():
                    if wanted is not None:
                        block.parsed = parse_wanted_rows(block.data.lines, block.options,
                                                         parser, wanted)
                        block.narrowed = wanted if block.parsed is not None else None
                    if block.parsed is None:
                        block.parsed = parse_rows(block.data.lines, block.options, parser)
                if self.on_block is None and block.narrowed is None:
                    block.data = block.data._replace(lines=())  # the rows hold what is needed
            except TimeLimitExceeded:
                raise self._break(block, f"parsing took longer than the block's timeout of "
                                         f"{block.timeout:g} s (a regular expression that "
                                         "backtracks without end? raise it with 'timeout "
                                         "SECONDS')") from None
            except Exception as exc:
                reason = str(exc) if isinstance(exc, PluginError) else self._plugin_bug(
                    PARSERS, block.parser_name, exc)
                if block.sensitive:
                    reason = f"{MASK} (the block is sensitive)"
                raise self._break(block, f"cannot parse the output of {block.directive.keyword} "
                                         f"{block.source_ref.target!r}: {reason}") from exc
        if block.pending_columns is not None:
            self._resolve_columns(block)
        return block

    def _apply_source_defaults(self, block: Block) -> None:
        """The source's suggested parse, for each option the definition left alone."""
        assert block.data is not None
        source = block.directive.keyword
        defaults = {k: v for k, v in block.data.defaults.items() if k not in block.explicit}
        policy = defaults.pop("duplicates_policy", None)
        if policy in DUPLICATES_POLICIES:
            block.duplicates_policy = str(policy)
            block.origins["duplicates_policy"] = f"suggested by the {source} source"
        elif policy is not None:
            defaults["duplicates_policy"] = policy  # reported as unknown below
        if defaults:
            self._apply_settings(block, defaults, f"suggested by the {source} source",
                                 f"source {source!r} suggests")

    def _apply_settings(self, block: Block, settings: dict[str, object], origin: str,
                        who: str) -> None:
        """Parse options from a syntax or a source, by field name, onto the block."""
        unknown = set(settings) - FIELD_NAMES
        if unknown:
            raise self._break(block, f"{who} unknown options: {', '.join(sorted(unknown))}")
        mode = settings.get("parse_mode")
        if mode is not None:
            self._plugin(block, PARSERS, str(mode), "parse mode", Parser)
            block.parser_name = str(mode)
        block.options = replace(block.options, **settings)
        block.origins.update(dict.fromkeys(settings, origin))

    def _parser(self, block: Block) -> Parser:
        try:
            return self.registry.instance(PARSERS, block.parser_name, Parser)
        except PluginLoadError as exc:
            raise self._break(block, str(exc)) from exc

    def _parser_options(self) -> dict:
        assert self.block is not None
        try:
            return dict(self._parser(self.block).options)
        except (PluginError, KeyError):
            return {}

    # -- parse options -----------------------------------------------------

    def _settable(self, d: Directive) -> Block:
        block = self._need_block(d)
        if block.parse_due or (d.keyword in SOURCE_LIMITS and block.read_due):
            raise DirectiveError(
                f"{d.keyword} comes after this block's data was already read; "
                "move it up, before the first section/property/assertion of the block")
        return block

    def _option(self, d: Directive) -> None:
        block = self._settable(d)
        try:
            value = OPTION_DIRECTIVES[d.keyword](d.args)
        except OptionError as exc:
            raise DirectiveError(f"{d.keyword}: {exc}") from None
        setattr(block.options, d.keyword, value)
        block.explicit.add(d.keyword)
        block.option_lines[d.keyword] = d
        block.origins.pop(d.keyword, None)

    def _parse_mode(self, d: Directive) -> None:
        block = self._settable(d)
        name = " ".join(d.args)
        self._plugin(block, PARSERS, name, "parse mode", Parser)
        block.options.parse_mode = block.parser_name = name
        block.explicit.add("parse_mode")
        block.origins.pop("parse_mode", None)

    def _syntax(self, d: Directive) -> None:
        block = self._settable(d)
        name = " ".join(d.args)
        syntax = self._plugin(block, SYNTAXES, name, "syntax", Syntax)
        try:
            settings = dict(syntax.settings())
        except Exception as exc:
            reason = str(exc) if isinstance(exc, PluginError) else self._plugin_bug(
                SYNTAXES, name, exc)
            raise self._break(block, reason) from exc
        self._apply_settings(block, settings, f"syntax {name}", f"syntax {name!r} sets")
        block.explicit.update(settings)  # a syntax is the definition's own choice

    def _plugin(self, block: Block, group: str, name: str, what: str, contract: type):
        """The named plugin; a name nobody registered, or that fails, breaks the block."""
        if not self.registry.has(group, name):
            dist = self.registry.disabled_provider(group, name)
            if dist:
                raise self._break(block, f"{what} {name!r} comes from the distribution {dist}, "
                                         f"which is disabled ({DISABLE_VARIABLE} or "
                                         "--disable-plugins)")
            names = ", ".join(self.registry.names(group))
            raise self._break(block, f"unknown {what} {name!r}; known: {names}")
        try:
            return self.registry.instance(group, name, contract)
        except PluginLoadError as exc:
            raise self._break(block, str(exc)) from exc

    def _parser_option(self, d: Directive) -> None:
        block = self._settable(d)
        convert = self._parser_options()[d.keyword]
        try:
            block.options.extra[d.keyword] = convert(d.args)
        except (OptionError, PluginError, ValueError) as exc:
            raise DirectiveError(f"{d.keyword}: {exc}") from None

    def _timeout(self, d: Directive) -> None:
        block = self._settable(d)
        text = " ".join(d.args)
        try:
            seconds = float(text)
        except ValueError:
            seconds = -1.0
        if not 0 < seconds <= MAX_TIMEOUT:
            raise DirectiveError(f"timeout: expected a number of seconds above 0 (at most "
                                 f"{MAX_TIMEOUT}), not {text!r}")
        block.timeout = seconds

    def _max_size(self, d: Directive) -> None:
        block = self._settable(d)
        try:
            block.max_size = parse_size(" ".join(d.args))
        except ValueError as exc:
            raise DirectiveError(f"max_size: {exc}") from None

    def _sensitive(self, d: Directive) -> None:
        """Known when the block starts (see _plan); set here too, in case the plan and
        the lines read ever disagree: from here on, nothing is shown unmasked."""
        self._need_block(d).sensitive = True
        if d.args:
            raise DirectiveError("sensitive takes no arguments")

    def _duplicates_policy(self, d: Directive) -> None:
        block = self._need_block(d)
        policy = " ".join(d.args)
        if policy not in DUPLICATES_POLICIES:
            raise DirectiveError(f"unknown duplicates policy {policy!r}; "
                                 f"known: {', '.join(DUPLICATES_POLICIES)}")
        block.duplicates_policy = policy
        block.explicit.add("duplicates_policy")
        block.origins.pop("duplicates_policy", None)

    # -- selecting a value -------------------------------------------------

    def _section(self, d: Directive) -> None:
        block = self._need_block(d)
        name = " ".join(d.args)
        block.section_name = name  # (known even when parsing fails)
        block.read_due = block.parse_due = True
        self._ensure_parsed(d)
        if not d.args:
            block.selected = None
            return
        assert block.parsed is not None
        rows = block.parsed.sections.get(name)
        if rows is None:
            block.selected = NO_ROWS
            raise DirectiveError(self._unknown_section(name, list(block.parsed.sections),
                                                       block.sensitive))
        block.selected = rows

    @staticmethod
    def _unknown_section(name: str, names: list[str], sensitive: bool) -> str:
        if not names:
            return (f"section {name!r} is undefined: this block has no sections "
                    "(set section_header_pattern or a syntax that has them)")
        if sensitive:  # the names are the data's
            return f"section {name!r} is undefined (its names are {MASK}: the block is sensitive)"
        import difflib
        close = difflib.get_close_matches(name, names, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"section {name!r} is undefined{hint}"

    def _columns(self, d: Directive) -> None:
        """Column numbers now; column names (table, csv, regex groups) once the data is parsed."""
        block = self._need_block(d)
        for arg in d.args:
            if not arg.isdigit() and _NUMBER_LIKE.fullmatch(arg):
                raise DirectiveError(f"columns: {arg!r} is not a column number (0 or more)")
        if all(arg.isdigit() for arg in d.args):
            block.columns = tuple(int(arg) for arg in d.args) or None
            block.pending_columns = None
            return
        block.columns, block.pending_columns = None, d
        if block.parsed is not None:
            self._ensure_parsed(d)  # the names are resolved against every row's parse

    def _resolve_columns(self, block: Block) -> None:
        """Map the pending ``columns`` names to numbers; a name not found breaks the block."""
        d, block.pending_columns = block.pending_columns, None
        assert d is not None and block.parsed is not None
        names = block.parsed.column_names
        columns = []
        for arg in d.args:
            if arg.isdigit():
                columns.append(int(arg))
            elif arg in names:
                columns.append(names.index(arg))
            else:
                error = self._break(block, self._unknown_column(arg, names, block.sensitive))
                if self.block is block and d is self._current:
                    raise error
                self._error(d, str(error))  # found while running a later directive
                raise BlockBroken()
        block.columns = tuple(columns)

    @staticmethod
    def _unknown_column(name: str, names: tuple[str, ...], sensitive: bool) -> str:
        if sensitive and names:  # the names are the data's (a header line)
            return (f"columns: no column is named {name!r} (the names are {MASK}: the block "
                    "is sensitive)")
        if not names:
            return (f"columns: {name!r} is not a column number, and this block's columns "
                    "have no names (parse_mode table, csv with csv_header, or regex "
                    "with named groups give them names)")
        known = ", ".join(repr(n) for n in names)
        return f"columns: no column is named {name!r}; the columns are {known}"

    def _selecting(self, d: Directive, selector: str,
                   keys: tuple[str, ...] | None = None) -> Block:
        """A selector starts: what it selects is known now; its value once it succeeds.
        Until then (and for good, if it fails) there is no value to check."""
        block = self._need_block(d)
        block.property, block.selector, block.read_due = keys, selector, True
        block.parse_due = block.parse_due or selector != "exit_status"
        block.value = None
        block.no_value = d  # until the value is had
        return block

    def _property(self, d: Directive) -> None:
        block = self._selecting(d, "property", d.args)
        self._ensure_parsed(d, lookup=d.args)
        block.value = block.index(len(d.args)).lookup(d.args, block.duplicates_policy)
        block.no_value = None

    def _section_size(self, d: Directive) -> None:
        block = self._selecting(d, "section_size")
        self._ensure_parsed(d)
        block.value, block.no_value = (str(len(block.rows())),), None

    def _exit_status(self, d: Directive) -> None:
        block = self._selecting(d, "exit_status")
        if self.check_only and not block.broken and not self.registry.instance(
                SOURCES, block.directive.keyword, Source).runs_programs:
            raise DirectiveError(f"exit_status needs a command; '{block.directive.keyword}' "
                                 "runs no program, so it has no exit status")
        self._ensure_data(block)
        assert block.data is not None
        if block.data.exit_status is None:
            raise DirectiveError(f"exit_status needs a command; '{block.directive.keyword}' "
                                 "has no exit status")
        block.value, block.no_value = (str(block.data.exit_status),), None

    def _name(self, d: Directive) -> None:
        """Names the block (before its first selector or assertion), else the next assertion."""
        block = self._need_block(d)
        text = " ".join(d.args)
        if not text.strip():
            raise DirectiveError("name needs a text: the name of this block (before its first "
                                 "property, section or assertion) or of the next assertion")
        if not block.read_due:
            if block.name is not None:
                raise DirectiveError(f"this block is named already ({block.name!r}); a name "
                                     "for an assertion goes after its property")
            block.name = text
        elif block.pending_name is not None:
            raise DirectiveError(f"the name at line {block.pending_name.line} has no "
                                 "assertion yet; give each assertion one name")
        else:
            block.pending_name = d

    @staticmethod
    def _unused_name(d: Directive) -> None:
        raise DirectiveError("this name names no assertion: none follows it in its block")

    # -- assertions ----------------------------------------------------------

    def _assert(self, d: Directive) -> None:
        """Every assertion reached gives one result: passed, failed, or not run (its
        source or value could not be had, or the check itself could not be made:
        then an error says why as well)."""
        block = self._need_block(d)
        if self.on_block is not None:
            return  # inspecting: nothing is asserted
        block.read_due = True
        named, block.pending_name = block.pending_name, None
        check = (" ".join(named.args) if named is not None else
                 check_part(block.section_name, block.selector, block.property, d.keyword,
                            d.args))
        if block.id_part is None:  # (a name is set before the block's first assertion)
            block.id_part = block_part(block.directive.keyword, block.directive.args,
                                       block.name)
        ids = (*self._ids.make(block.id_part, check), block.id_part)
        reason = self._why_not_run(block, d)
        if reason is not None:
            self._result(d, block, ids, NOT_RUN, reason)
            return
        try:
            passed, message = self._check(block, d)
        except DirectiveError as exc:
            self._result(d, block, ids, NOT_RUN, f"the check could not be made: {exc}")
            raise
        self._result(d, block, ids, PASSED if passed else FAILED, message)

    def _why_not_run(self, block: Block, d: Directive) -> str | None:
        """Why the assertion cannot be checked; None when it can."""
        if block.data is not None and not block.broken and block.no_value is None:
            return None  # (the usual case, first)
        if self._capped:
            return (f"this file has more than {MAX_ERRORS_PER_FILE} errors: from there on "
                    "it was only read for its assertions")
        if self.check_only:
            self._guarded(d, lambda: self.registry.instance(ASSERTIONS, d.keyword, Assertion)
                          .validate(d.args))
            return "--check: no source is read and no assertion checked"
        if not block.broken:
            try:
                self._ensure_data(block)
            except BlockBroken:
                pass
        if block.broken:
            return f"its block has no data: {block.broken_reason}"
        failed = block.no_value
        return None if failed is None else (f"the {failed.keyword} directive at line "
                                            f"{failed.line} selected no value")

    def _check(self, block: Block, d: Directive) -> tuple[bool, str]:
        """(passed, why not) of the assertion on the block's value."""
        try:
            assertion = self.registry.instance(ASSERTIONS, d.keyword, Assertion)
        except PluginError as exc:
            raise DirectiveError(str(exc)) from exc
        try:
            with time_limit(block.timeout):
                passed = bool(assertion.check(block.value, d.args))
                message = "" if passed else assertion.explain(block.value, d.args)
        except TimeLimitExceeded:
            raise DirectiveError(f"{d.keyword} took longer than the block's timeout of "
                                 f"{block.timeout:g} s (a regular expression that backtracks "
                                 "without end? raise it with 'timeout SECONDS')") from None
        except Exception as exc:
            reason = str(exc) if isinstance(exc, PluginError) else self._plugin_bug(
                ASSERTIONS, d.keyword, exc)
            if block.sensitive:  # the reason may quote the value
                reason = f"{d.keyword} could not check the value: {MASK} (the block is sensitive)"
            raise DirectiveError(reason) from exc
        if block.sensitive and message:
            message = f"{MASK} (the block is sensitive)"
        return passed, message

    def _result(self, d: Directive, block: Block, ids: tuple[str, str, str], outcome: str,
                message: str) -> None:
        now = time.perf_counter()
        duration, self._clock = now - self._clock, now
        value = None if outcome == NOT_RUN else block.value
        if block.sensitive and value is not None:
            value = (MASK,)
        self.emit(AssertionResult(  # (by position: one is made per assertion)
            d.file, d.line, block.source_ref, block.section_name, block.property, value,
            d.keyword, d.args, outcome, message, duration, block.selector, block.sensitive,
            *ids))
