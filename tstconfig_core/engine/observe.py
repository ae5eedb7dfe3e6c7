"""``-r drift``: the value of a selector that no assertion checks is still worth
comparing between hosts (``property PermitRootLogin`` alone)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from tstconfig_core.engine.boundary import MASK
from tstconfig_core.ids import block_part
from tstconfig_core.model import AssertionResult, ValueObserved

if TYPE_CHECKING:
    from tstconfig_core.engine.block import Block
    from tstconfig_core.engine.interpreter import Interpreter


def unchecked(it: Interpreter, block: Block) -> None:
    """Emit the last selector's value when no assertion followed it (and the block had
    data: a broken or skipped block has no value to compare, and says why elsewhere)."""
    d, block.selecting = block.selecting, None
    if d is None or block.checked_since_selector or not it.ctx.observe_values \
            or block.broken or block.skipped or not block.reading:
        return
    if block.id_part is None:
        block.id_part = block_part(block.directive.keyword, block.directive.shown_args,
                                   block.name)
    value = block.value if block.no_value is None else None
    if block.sensitive and value is not None:
        value = (MASK,)
    # (the subject as a result of the same selector says it: drift matches them up)
    shown = AssertionResult(d.file, d.line, None, block.section_name, block.keys, None, "",
                            (), "", "", 0.0, block.selector)
    it.ctx.emit(ValueObserved(d.file, d.line, block.id_part, block.section_name,
                              shown.subject, value, block.sensitive))
