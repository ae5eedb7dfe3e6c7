"""Running a definition file: block after block, each directive to its handler.

A keyword is resolved in one place (:meth:`Interpreter.handler`), in this
order: the core's directives, the parse options, the sources, the assertions,
then the options the block's parse mode declares. Every problem becomes an
error at ``FILE:LINE`` and the run goes on; after ``MAX_ERRORS`` errors the
rest of the file is only read for its assertions, each reported not run.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from functools import cached_property

from tstconfig_core.api import PluginError, Source
from tstconfig_core.definition import BlockText, Directive, SyntaxProblem, blocks
from tstconfig_core.engine import checks, directives, rowsets, values
from tstconfig_core.engine.observe import unchecked as unchecked_value
from tstconfig_core.engine.block import Block
from tstconfig_core.engine.boundary import (BlockBroken, DirectiveError, bounded, calling,
                                            plugin)
from tstconfig_core.engine.context import Context
from tstconfig_core.engine.guards import check_required
from tstconfig_core.engine.parsing import parser_options, warn_unused_options
from tstconfig_core.engine.plan import plan_block
from tstconfig_core.ids import FileIds
from tstconfig_core.loading.groups import ASSERTIONS, SOURCES
from tstconfig_core.model import ErrorEvent, FileFinished, FileStarted, SourceRef, WarningEvent
from tstconfig_core.options import OPTION_DIRECTIVES
from tstconfig_core.signals import PASS_THROUGH
from tstconfig_core.streams import prints_to_stderr

MAX_ERRORS = 200


class Interpreter:
    """Runs the directives of one definition file, emitting events."""

    max_errors = MAX_ERRORS

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.block: Block | None = None
        self.ids = FileIds("")
        self.clock = 0.0  # when the file's previous result was made
        self.errors = 0
        self.capped = False  # past the error cap: the rest is read for its ids only
        self.variables: dict[str, values.Variable] = {}
        self.substituting = self.checking = False  # (values.py: ${NAME} is replaced)
        self._handlers: dict[str, Callable[[Interpreter, Directive], None]] = {}  # (resolved)

    # -- the file, block by block ------------------------------------------------

    def run(self, text: str, name: str) -> None:
        started = time.time()
        self.ctx.emit(FileStarted(name, started))
        self.ids, self.clock = FileIds(name), time.perf_counter()
        self.variables = values.initial(self.ctx.settings.variables)
        self.substituting = values.uses_variables(text, self.ctx.settings.variables)
        with prints_to_stderr():  # plugin code must not print into a report
            worth_reading = lambda k: not self.capped or k in self._id_keywords  # noqa: E731
            for block_text in blocks(text, name, self.is_source, worth_reading):
                self._run_block(block_text)
            self._finish_block()
        if self.ids.count == 0:
            self.ctx.emit(WarningEvent(name, None, "no assertion in this file: it checks nothing"))
        self.ctx.emit(FileFinished(name, time.time() - started))

    @cached_property
    def _id_keywords(self) -> frozenset[str]:
        """What an id is made of: sources, selectors, names and assertions."""
        return frozenset({*directives.ID_DIRECTIVES, *self.ctx.registry.names(SOURCES),
                          *self.ctx.registry.names(ASSERTIONS)})

    def _run_block(self, text: BlockText) -> None:
        if text.source is not None:
            self.guarded(text.source, lambda: self._start_block(text))
        for item in text.items:
            if isinstance(item, SyntaxProblem):
                if item.warning:
                    self.ctx.emit(WarningEvent(item.file, item.line, item.message))
                else:
                    self.report(item.file, item.line, self._unread(item.message))
            elif not self.capped or item.keyword in self._id_keywords:
                self.guarded(item, lambda: self._run(item))

    def _run(self, d: Directive) -> None:
        run = self.handler(d)
        if run is not checks.assertion:  # (which replaces them itself: it gives a result)
            try:
                d = values.expanded(self, d)
            except values.NotKnownYet:
                pass  # --check: nothing is read, so nothing of it is checked
            except DirectiveError as exc:  # what the line would have done is not known
                raise DirectiveError(self._unread(str(exc))) from None
        run(self, d)

    def _start_block(self, text: BlockText) -> None:
        """A new block. One whose source cannot be used (a plugin that fails to load, a
        program under --no-commands, a line that cannot be read, arguments --check finds
        wrong) starts broken: the directives after it are its own, its assertions not run."""
        self._finish_block()
        d, ctx, problem = text.source, self.ctx, text.problem
        assert d is not None
        try:
            d = values.expanded(self, d)
        except values.NotKnownYet:
            pass  # --check: the source's arguments are checked as written
        except DirectiveError as exc:
            problem = problem or str(exc)
        source, problem = _source_of(ctx, d, problem)
        self.block = Block(
            ctx=ctx, directive=d, source=source,
            plan=plan_block(text.items, lambda k: k in rowsets.QUANTIFIERS
                            or ctx.registry.has(ASSERTIONS, k)),
            report=lambda at, message: self.report(at.file, at.line, message),
            source_ref=SourceRef(d.keyword, source.label if source else "Source",
                                 " ".join(d.args)),
            timeout=ctx.settings.timeout, max_size=ctx.settings.max_size,
            reading=not (ctx.check_only or self.capped or ctx.unreachable),
            skipped=ctx.unreachable)  # (a fleet host that could not be reached)
        if problem is not None:
            raise self.block.fail(problem)

    def _finish_block(self) -> None:
        """A block ends: its loose ends are reported, its source read if nothing asked
        for it (so its errors and warnings still show), and its observers told."""
        block, self.block = self.block, None
        if block is None:
            return
        if block.option_lines:  # (a broken block too: --check shows every problem)
            warn_unused_options(block)
        if self.ctx.check_only and not block.broken:
            self.guarded(block.directive, lambda: check_required(block))
        if block.pending_name is not None:
            named = block.pending_name
            self.report(named.file, named.line,
                        "this name names no assertion: none follows it in its block")
        if block.reading and block.data is None and not block.broken:
            self.guarded(block.directive, block.need_data)
        unchecked_value(self, block)  # (-r drift: a selector no assertion followed)
        for observe in self.ctx.observers:
            self.guarded(block.directive, lambda: observe(block))  # noqa: B023 (run now)

    # -- one directive -------------------------------------------------------------

    def is_source(self, keyword: str) -> bool:
        """Whether ``keyword`` starts a block (core directives and options come first).
        A keyword that a source and something else both claim starts a block too, a
        broken one: the assertions after it must not check the previous block's data."""
        if keyword in self._clashes:
            return self.ctx.registry.has(SOURCES, keyword)
        return (keyword not in directives.CORE and keyword not in OPTION_DIRECTIVES
                and self.ctx.registry.has(SOURCES, keyword))

    @cached_property
    def _clashes(self) -> Mapping[str, str]:
        return self.ctx.namespace.clashes

    def handler(self, d: Directive) -> Callable[[Interpreter, Directive], None]:
        """What runs a directive: the one place a keyword is resolved."""
        keyword = d.keyword
        found = self._handlers.get(keyword)
        if found is not None:
            return found
        clash = self._clashes.get(keyword)
        if clash is not None:
            # Whatever the line meant, it is not run, and neither is what depends on it.
            raise self.block.fail(clash) if self.block is not None else DirectiveError(clash)
        found = directives.CORE.get(keyword)
        if found is None and keyword in OPTION_DIRECTIVES:
            found = directives.option
        if found is None and self.ctx.registry.has(ASSERTIONS, keyword):
            found = checks.assertion
        if found is not None:
            self._handlers[keyword] = found  # (the same for every block)
            return found
        if self.block is not None and keyword in parser_options(self.ctx, self.block):
            return directives.parser_option
        from tstconfig_core.engine.keywords import unknown_keyword  # (the error path)
        raise DirectiveError(self._unread(unknown_keyword(self.ctx, keyword, self.block)))

    def _unread(self, message: str) -> str:
        """A block line not read or not known (`wehre`, `sensitiv`) breaks its block: it
        may have been a filter, a selector or a setting its assertions depend on."""
        block = self.block
        if block is None or block.broken or self.ctx.check_only or not self.ctx.run_assertions:
            return message  # (--check and --inspect check nothing: they show all they can)
        return str(block.fail(message))

    def guarded(self, d: Directive, action: Callable[[], object]) -> None:
        """Run ``action`` for directive ``d``; every failure becomes an error at its line."""
        try:
            action()
        except (DirectiveError, PluginError) as exc:
            self.report(d.file, d.line, str(exc))
        except BlockBroken:
            pass
        except PASS_THROUGH:
            raise
        except BaseException as exc:  # a bug: still a located error, never a traceback
            if self.ctx.debug and isinstance(exc, Exception):
                raise
            self.report(d.file, d.line, f"internal error running {d.keyword!r}: "
                                        f"{type(exc).__name__}: {exc}")

    def report(self, file: str, line: int | None, message: str) -> None:
        """An error, bounded in length. Past the cap the rest of the file is not run,
        only read for its assertions, each reported not run (the number of tests does
        not depend on where the errors stop)."""
        if self.capped:
            return
        self.errors += 1
        if self.errors > self.max_errors:
            self.capped = True
            if self.block is not None:
                self.block.reading = False
            message = (f"more than {self.max_errors} errors in this file: the rest of it "
                       "is not run (is it a definition file?)")
        self.ctx.emit(ErrorEvent(file, line, bounded(message)))

    def need_block(self, d: Directive) -> Block:
        if self.block is None:
            sources = ", ".join(self.ctx.registry.names(SOURCES))
            raise DirectiveError(f"{d.keyword} needs a source first: start a block with a "
                                 f"source directive ({sources})")
        return self.block

    def settable(self, d: Directive) -> Block:
        block = self.need_block(d)
        block.check_settable(d.keyword)
        return block


def _source_of(ctx: Context, d: Directive, problem: str | None
               ) -> tuple[Source | None, str | None]:
    """A block's source plugin, and why the block cannot use it (None: it can): a
    keyword claimed twice, a plugin that fails to load, a program under
    --no-commands, arguments --check finds wrong."""
    source: Source | None = None
    problem = problem or ctx.namespace.clashes.get(d.keyword)
    try:
        source = plugin(ctx, SOURCES, d.keyword)
    except DirectiveError as exc:
        problem = problem or str(exc)
    if source is not None and source.runs_programs and ctx.settings.no_commands:
        problem = problem or (f"{d.keyword!r} runs a program, and --no-commands refuses "
                              "every source that does")
    if source is not None and problem is None and ctx.check_only:
        try:
            with calling(ctx, SOURCES, d.keyword):
                source.validate(d.args)
        except DirectiveError as exc:
            problem = str(exc)
    return source, problem
