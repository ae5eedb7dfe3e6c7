"""Reading a block's source: the source plugin's data, its warnings, its exit status."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from tstconfig_core.api import SourceData, SourceRequest
from tstconfig_core.engine.boundary import MASK, BlockBroken, DirectiveError, bounded, calling
from tstconfig_core.loading.groups import SOURCES
from tstconfig_core.model import WarningEvent

if TYPE_CHECKING:
    from tstconfig_core.engine.block import Block

MAX_WARNING_LINES = 20


def read_source(block: Block) -> None:
    """Read the block's source once; a failure breaks the block, located at its source."""
    d, source = block.directive, block.source
    assert source is not None
    request = SourceRequest(d.args, block.timeout, block.ctx.settings.for_sources(),
                            block.max_size)
    try:
        with calling(block.ctx, SOURCES, d.keyword):
            needs = source.requests(request)
            if needs is None:  # a source that reads by itself (API 1.0), this machine
                data = source.read(request)
            else:
                host = block.ctx.host
                assert host is not None
                data = source.build(request, host.answer(needs, block.timeout,
                                                         block.max_size))
            if not isinstance(data, SourceData) or isinstance(data.lines, (str, bytes)):
                raise TypeError(f"read() returned {type(data).__name__}, not a "
                                "tstconfig_core.api.SourceData of lines")
    except DirectiveError as exc:
        block.report(d, str(block.fail(str(exc))))
        raise BlockBroken() from exc
    block.data = data
    _warn(block, data.warnings)
    if data.exit_status and not block.plan.checks_exit_status:
        block.report(d, f"{d.keyword} exited with status {data.exit_status}; "
                        "add 'exit_status' and an assertion if that is expected")


def _warn(block: Block, warnings: Sequence[str]) -> None:
    d = block.directive
    lines = [ln for w in warnings for ln in w.splitlines() if ln.strip()]
    if block.sensitive and lines:
        block.ctx.emit(WarningEvent(d.file, d.line, f"standard error: {len(lines)} line(s), "
                                                    f"{MASK} (the block is sensitive)"))
        return
    for line in lines[:MAX_WARNING_LINES]:
        block.ctx.emit(WarningEvent(d.file, d.line, bounded(f"standard error: {line}")))
    if len(lines) > MAX_WARNING_LINES:
        block.ctx.emit(WarningEvent(d.file, d.line,
                                    f"... {len(lines) - MAX_WARNING_LINES} more line(s)"))
