"""Reading today's values: a definition run by the engine, its values taken where its
assertions would check them.

An interpreter that notes the block's value at each scope's probe (just before its
first assertion, or just after its selector) sees exactly what the assertion would:
the selector, ``default``, ``${NAME}`` and filters are the engine's own. The value is
taken from the block, in full and unmasked, never from a reported result (which is
cut to a report's length, and masked in a sensitive block). No assertion is checked.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, NamedTuple, Union

from tstconfig_core.definition import Directive
from tstconfig_core.engine.context import Context, RunSettings
from tstconfig_core.engine.interpreter import Interpreter
from tstconfig_core.engine.rowsets import QUANTIFIERS
from tstconfig_core.loading.groups import ASSERTIONS
from tstconfig_core.model import ErrorEvent, Event, WarningEvent
from tstconfig_core.snapshot.layout import Layout, read_layout

if TYPE_CHECKING:
    from tstconfig_core.engine.block import Block
    from tstconfig_core.loading.registry import PluginRegistry


#: The engine's warning for a file without assertions: a snapshot's input need have none.
_NO_CHECK = "no assertion in this file"


class NoValue(NamedTuple):
    """No value could be had where it was read; ``why`` says why, for the comment."""

    why: str


Reading = Union[tuple[str, ...], None, NoValue]  # None: the value is undefined
#: Each section's keys, the top level's (None) first: what --all-rows pins.
SectionKeys = list[tuple[Union[str, None], list[str]]]


class Engine(NamedTuple):
    """What every run of a snapshot shares."""

    registry: PluginRegistry
    settings: RunSettings
    debug: bool = False

    def layout(self, text: str) -> Layout:
        probe = Interpreter(Context(self.registry, lambda event: None, self.settings))
        return read_layout(text, probe.is_source, self.is_assertion)

    def is_assertion(self, keyword: str) -> bool:
        return keyword in QUANTIFIERS or self.registry.has(ASSERTIONS, keyword)


class Reads(NamedTuple):
    """One run's values (by the line that opens their scope), problems, and rows."""

    values: dict[int, Reading]
    errors: list[ErrorEvent]
    warnings: list[WarningEvent]
    rows: dict[int, SectionKeys | NoValue]  # by source line; only when asked for


def read(engine: Engine, text: str, name: str, layout: Layout, rows: bool = False) -> Reads:
    """One run of the definition by a fresh engine (its own context and interpreter)."""
    found = Reads({}, [], [], {})

    def emit(event: Event) -> None:
        if isinstance(event, ErrorEvent):
            found.errors.append(event)
        elif isinstance(event, WarningEvent) and not event.message.startswith(_NO_CHECK):
            found.warnings.append(event)

    observe = [lambda block: found.rows.__setitem__(block.directive.line, _keys(block))]
    ctx = Context(engine.registry, emit, engine.settings, debug=engine.debug,
                  run_assertions=False, observers=observe if rows else ())
    before: dict[int, int] = {}
    after: dict[int, int] = {}
    for scope in layout.scopes:
        if scope.probe is not None:
            where, line = scope.probe
            (before if where == "before" else after)[line] = scope.opener
    _Probing(ctx, before, after, found.values).run(text, name)
    return found


class _Probing(Interpreter):
    """The engine's interpreter, noting the value at each probe."""

    def __init__(self, ctx: Context, before: Mapping[int, int], after: Mapping[int, int],
                 values: dict[int, Reading]) -> None:
        super().__init__(ctx)
        self.before, self.after, self.values = before, after, values

    def handler(self, d: Directive) -> Callable[[Interpreter, Directive], None]:
        run = super().handler(d)
        opener = self.before.get(d.line)
        if opener is not None:  # (the assertion's own handler is returned as it is)
            self.values[opener] = self._reading()
            return run
        opener = self.after.get(d.line)
        if opener is None:
            return run

        def probed(it: Interpreter, directive: Directive) -> None:
            try:
                run(it, directive)
            finally:
                self.values[opener] = self._reading()
        return probed

    def _reading(self) -> Reading:
        block = self.block
        if block is None:
            return NoValue("no block")
        if block.skipped:
            return NoValue(block.skipped)
        if block.no_value is not None:
            return NoValue(f"the {block.no_value.keyword} directive at line "
                           f"{block.no_value.line} selected no value")
        if block.broken:
            return NoValue("its block has no data")
        return None if block.value is None else tuple(block.value)


def _keys(block: Block) -> SectionKeys | NoValue:
    """Each section's distinct keys (the first mapped column), in order of their rows."""
    parsed = block.parse_all()
    if parsed is None:
        return NoValue(block.skipped or "the block has no rows")
    column = block.columns[0] if block.columns else 0
    sections: list[tuple[str | None, object]] = [(None, parsed.rows),
                                                 *parsed.sections.items()]
    return [(section, list(dict.fromkeys(row[column] for row in rows  # type: ignore
                                         if len(row) > column)))
            for section, rows in sections]
