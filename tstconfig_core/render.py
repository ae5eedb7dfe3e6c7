"""Text shared by reporters: the 0.3 failure block, readable names, times."""
from __future__ import annotations

import time
from collections.abc import Sequence

from tstconfig_core.model import AssertionResult

LABEL_WIDTH = 11
#: Longest text shown on one labelled line; the rest is cut (JSON and TAP keep it all).
MAX_SHOWN = 2000


def labelled(label: str, text: str) -> str:
    """`` Label:     text``, the label padded as 0.3 did, a very long text cut."""
    if len(text) > MAX_SHOWN:
        text = f"{text[:MAX_SHOWN]}... ({len(text)} characters)"
    return f" {label + ':':<{LABEL_WIDTH}}{text}".rstrip()


def joined(tokens: Sequence[str]) -> str:
    return " ".join(tokens)


def failure_block(r: AssertionResult) -> str:
    """The lines of 0.3's ASSERTION FAILED block, without the heading."""
    lines = []
    if r.source is not None:
        lines.append(labelled(r.source.label, r.source.target))
    if r.section is not None:
        lines.append(labelled("Section", r.section))
    if r.property is not None:
        lines.append(labelled("Property", joined(r.property)))
    lines.append(labelled("Value", "<undefined>" if r.value is None else joined(r.value)))
    lines.append(labelled("Assertion", joined((r.keyword, *r.args))))
    return "\n".join(lines) + "\n"


def iso_utc(epoch: float, zone: bool = True) -> str:
    """``2026-11-25T12:00:00Z`` (``zone=False`` drops the Z, as Ant's JUnit schema wants)."""
    text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch))
    return text + "Z" if zone else text
