"""Reading a block's source: the source plugin's data, its warnings, its exit status."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from tstconfig_core.api import (ListFolder, PluginError, ReadFile, RunProgram, SourceData,
                                SourceRequest, StatPath)
from tstconfig_core.engine.boundary import MASK, BlockBroken, DirectiveError, bounded, calling
from tstconfig_core.loading.groups import SOURCES
from tstconfig_core.model import WarningEvent
from tstconfig_core.streamed import FilePieces

if TYPE_CHECKING:
    from tstconfig_core.engine.block import Block

MAX_WARNING_LINES = 20


def read_source(block: Block) -> None:
    """Read the block's source once; a failure breaks the block, located at its source."""
    d, source, ctx = block.directive, block.source, block.ctx
    assert source is not None and ctx.host is not None
    request = SourceRequest(d.args, block.timeout, ctx.settings.for_sources(), block.max_size,
                            block.allow_missing, block.keeper)
    # A third party's message may quote the data it read; tstconfig's own never do.
    mask = (f"{MASK} (the block is sensitive, and the {d.keyword} source's message may "
            "quote its data)" if block.sensitive and not ctx.registry.is_core(SOURCES, d.keyword)
            else None)

    def plugin_code() -> calling:
        return calling(ctx, SOURCES, d.keyword, seconds=block.timeout,
                       what=f"the {d.keyword} source", mask=mask)
    try:
        with plugin_code():
            needs = source.requests(request)
            if needs is None:  # a source that reads by itself (API 1.0): this machine only
                if not ctx.host.this_machine:
                    raise PluginError(f"{d.keyword!r} reads this machine by itself (an API "
                                      f"1.0 source), not {ctx.host.name}")
                data = source.read(request)
                _check_data(data, "read()")
            else:
                _check_requests(needs, ctx.settings.no_commands, d.keyword)
        if needs is not None:
            # (the host bounds its own work: it must not be interrupted half-way)
            answers = ctx.host.answer(needs, block.timeout, block.max_size)
            opened = [a for a in answers if isinstance(a, FilePieces)]
            try:
                with plugin_code():
                    data = source.build(request, answers)
                    _check_data(data, "build()")
            finally:
                for pieces in opened:  # (what the source did not read to the end)
                    pieces.close()
    except DirectiveError as exc:
        block.report(d, str(block.fail(str(exc))))
        raise BlockBroken() from exc
    keeper = block.keeper
    if keeper is not None and not keeper.used:
        block.keeper = None  # the source read every line
    elif keeper is not None and (data.parts or data.defaults):
        block.keeper = None  # lines kept for a parse the source's suggestions change
        return read_source(block)
    block.data = data
    _warn(block, data.warnings)
    if data.exit_status and not block.plan.checks_exit_status:
        block.report(d, f"{d.keyword} exited with status {data.exit_status}; "
                        "add 'exit_status' and an assertion if that is expected")


def _check_requests(needs: object, no_commands: bool, keyword: str) -> None:
    """What a source asks must be requests the host knows, with fields of their types."""
    if not isinstance(needs, (list, tuple)):
        raise TypeError(f"requests() returned {type(needs).__name__}, not a list of requests")
    for need in needs:
        if isinstance(need, RunProgram):
            if not (isinstance(need.argv, (list, tuple)) and need.argv
                    and all(isinstance(a, str) for a in need.argv)):
                raise TypeError(f"RunProgram needs argv, a list of strings: {need.argv!r}")
            if no_commands:
                raise PluginError(f"{keyword!r} asked to run {need.argv[0]!r}, and "
                                  "--no-commands refuses running programs")
        elif isinstance(need, (ReadFile, ListFolder, StatPath)):
            if not isinstance(need.path, str) or not isinstance(
                    getattr(need, "within", None), (str, type(None))):
                raise TypeError(f"{type(need).__name__} needs a path, a string: {need!r}")
        else:
            raise TypeError(f"requests() asked for {type(need).__name__} {need!r}, not a "
                            "ReadFile, RunProgram, ListFolder or StatPath")


def _check_data(data: object, made_by: str) -> None:
    if not isinstance(data, SourceData):
        raise TypeError(f"{made_by} returned {type(data).__name__}, not a "
                        "tstconfig_core.api.SourceData")
    if not isinstance(data.lines, (list, tuple)):
        raise TypeError(f"{made_by} returned lines of type {type(data.lines).__name__}, not "
                        "a list of strings")
    if not isinstance(data.warnings, (list, tuple)) or not all(
            isinstance(w, str) for w in data.warnings):
        raise TypeError(f"{made_by} returned warnings that are not a tuple of strings")
    if not isinstance(data.defaults, Mapping):
        raise TypeError(f"{made_by} returned defaults that are not a mapping")
    if not isinstance(data.defaults.get("extra", {}), Mapping):
        raise TypeError(f"{made_by} returned defaults whose extra is not a mapping")
    if not isinstance(data.column_names, (list, tuple)) or not all(
            isinstance(n, str) for n in data.column_names):
        raise TypeError(f"{made_by} returned column_names that are not a tuple of strings")
    parts = data.parts
    if parts and (not isinstance(parts, tuple) or not all(
            isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str)
            and type(p[1]) is int and p[1] >= 0 for p in parts)
            or sum(p[1] for p in parts) != len(data.lines)):
        raise TypeError(f"{made_by} returned parts that are not (name, line count) pairs "
                        "adding up to its lines")


def _warn(block: Block, warnings: Sequence[str]) -> None:
    d = block.directive
    lines = [ln for w in warnings for ln in w.splitlines() if ln.strip()]
    if block.sensitive and lines:
        block.ctx.emit(WarningEvent(d.file, d.line, f"the source warned: {len(lines)} "
                                                    f"line(s), {MASK} (the block is sensitive)"))
        return
    for line in lines[:MAX_WARNING_LINES]:
        block.ctx.emit(WarningEvent(d.file, d.line, bounded(line)))
    if len(lines) > MAX_WARNING_LINES:
        block.ctx.emit(WarningEvent(d.file, d.line,
                                    f"... {len(lines) - MAX_WARNING_LINES} more line(s)"))
