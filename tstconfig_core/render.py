"""Text shared by reporters: the 0.3 failure block, readable values, times.

Values come from files and commands, so nothing here writes a control
character: an ESC byte from a command's output must not reach a terminal.
"""
from __future__ import annotations

import re
import time
from collections.abc import Sequence

from tstconfig_core.model import AssertionResult, ErrorEvent, WarningEvent

LABEL_WIDTH = 11
#: Longest text shown on one labelled line; the rest is cut (JSON and TAP keep it all).
MAX_SHOWN = 2000

# C0 and C1 controls, DEL, and the invisible format characters (Unicode's Cf, and the
# line and paragraph separators): bidirectional marks, overrides and isolates that can
# make a terminal show text in another order than it is, zero-width spaces and joiners,
# the soft hyphen, the byte-order mark.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2"
                          "\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f"
                          "\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U0001bca0-\U0001bca3"
                          "\U00013430-\U0001343f\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def printable(text: str) -> str:
    """``text`` with every control character written as an escape (``\\x1b``, ``\\t``)."""
    return _UNPRINTABLE.sub(_escape, text) if _UNPRINTABLE.search(text) else text


def located(label: str, event: ErrorEvent | WarningEvent) -> str:
    """``ERROR: FILE:LINE: message`` (or ``WARN: ...``), escaped, without a line end."""
    return f"{label} {printable(event.location)}: {printable(event.message)}"


def labelled(label: str, text: str) -> str:
    """`` Label:     text``, the label padded as 0.3 did, escaped, a very long text cut."""
    if len(text) > MAX_SHOWN:
        text = f"{text[:MAX_SHOWN]}... ({len(text)} characters)"
    return f" {label + ':':<{LABEL_WIDTH}}{printable(text)}".rstrip()


def joined(tokens: Sequence[str]) -> str:
    """Tokens joined with spaces, as 0.3 printed them; an empty or blank token is
    quoted (``10.0.0.0/8 ""``), so that it can be seen."""
    return " ".join(t if t and not t.isspace() else f'"{t}"' for t in tokens)


def shown_value(value: Sequence[str] | None) -> str:
    """A value as the failure block shows it: ``<undefined>``, or its tokens joined
    (a value of one empty token shows as nothing, as in 0.3)."""
    if value is None:
        return "<undefined>"
    return "" if len(value) == 1 and value[0] == "" else joined(value)


def failure_block(r: AssertionResult) -> str:
    """The lines of 0.3's ASSERTION FAILED block, without the heading."""
    lines = []
    if r.source is not None:
        lines.append(labelled(r.source.label, r.source.target))
    if r.section is not None:
        lines.append(labelled("Section", r.section))
    if r.property is not None:
        lines.append(labelled("Property", joined(r.property)))
    lines.append(labelled("Value", shown_value(r.value)))
    lines.append(labelled("Assertion", joined((r.keyword, *r.args))))
    return "\n".join(lines) + "\n"


def iso_utc(epoch: float, zone: bool = True) -> str:
    """``2026-11-25T12:00:00Z`` (``zone=False`` drops the Z, as Ant's JUnit schema wants)."""
    text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch))
    return text + "Z" if zone else text
