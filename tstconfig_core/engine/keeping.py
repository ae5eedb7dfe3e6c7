"""The lines a block that only looks keys up keeps while its source is read.

Such a block's rows are narrowed to the keys its plan names (:meth:`Parser.narrow`,
whose answer for a line depends on that line alone). When nothing in the block
needs every row (``BlockPlan.whole``), the narrowing moves before the read: the
source is given a :class:`Keeper` (``SourceRequest.keep``) and, if it can cut its
text as it reads it (the ``file`` source, on a host that reads files in pieces),
only the kept lines are ever held.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from tstconfig_core.api import Parser, Wanted
from tstconfig_core.limits import TimeLimitExceeded
from tstconfig_core.options import ParseOptions
from tstconfig_core.signals import PASS_THROUGH

if TYPE_CHECKING:
    from tstconfig_core.engine.block import Block

class Keeper:
    """Given the source's lines a piece at a time, in order: after ``skip_header_lines``
    and ``read_lines``, the lines the parser's ``narrow`` keeps. Knows whether the
    source used it (``used``), and what ``narrow`` raised (``error``: raised again
    where the parser's failures are reported, as a block reading every line would)."""

    def __init__(self, parser: Parser, options: ParseOptions, wanted: Wanted) -> None:
        self.parser, self.options, self.wanted = parser, options, wanted
        self.skip, self.left = options.skip_header_lines, options.read_lines
        self.used = False
        self.error: BaseException | None = None

    def __call__(self, lines: list[str]) -> Sequence[str]:
        self.used = True
        if self.skip:
            dropped, self.skip = min(self.skip, len(lines)), max(0, self.skip - len(lines))
            lines = lines[dropped:]
        if self.left is not None:
            lines = lines[:self.left]
            self.left -= len(lines)
        if not lines or self.error is not None:
            return lines
        try:
            kept = self.parser.narrow(lines, self.options, self.wanted)
        except (*PASS_THROUGH, TimeLimitExceeded):
            raise  # (Ctrl-C, a stopping signal, the block's timeout: not the parser's)
        except BaseException as exc:  # noqa: BLE001 (the parser's failure, reported as such)
            self.error, kept = exc, None
        return lines if kept is None else kept  # (more lines than needed is fine)


def keeper_for(block: Block, lookup: Sequence[str]) -> Keeper | None:
    """A keeper for the block's source, when its first need is a lookup of ``lookup``
    that can be narrowed and nothing in the block needs every row; else None."""
    from tstconfig_core.engine.block import narrowing_for
    from tstconfig_core.engine.boundary import plugin
    from tstconfig_core.loading.groups import PARSERS
    ctx = block.ctx
    if block.plan.whole or not ctx.narrow or ctx.observers or not ctx.run_assertions:
        return None  # (--inspect and --snapshot look at every row: read it whole, once)
    wanted = narrowing_for(block, lookup)
    if wanted is None:
        return None
    try:
        parser: Parser = plugin(ctx, PARSERS, block.parse_mode)
        declined = parser.narrow([], block.options, wanted) is None
    except Exception:  # noqa: BLE001 (a DirectiveError too: reported when it parses)
        return None
    return None if declined else Keeper(parser, block.options, wanted)
