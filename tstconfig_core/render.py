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
#: Most characters of one text that a report carries: a value (its tokens joined by
#: spaces), a message, a labelled line of the text report. Longer ones are cut there
#: and end in a marker with their size (see cut), the same in every report. 4 KiB
#: holds any real configuration value (a certificate or an SSH key on one line, a
#: kernel command line, a long Content-Security-Policy) and keeps a report of N
#: failures within N times a few KiB, whatever the host holds.
MAX_SHOWN = 4096
_CUT_MARK = re.compile(r"… \[cut: \d+ characters in all\]")

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


def cut(text: str, limit: int = MAX_SHOWN) -> str:
    """``text``, or its first ``limit`` characters and ``… [cut: N characters in all]``.
    A text already cut (the marker right after its first ``limit`` characters, whatever
    follows) is left as it is, so cutting twice changes nothing."""
    if len(text) <= limit or _CUT_MARK.match(text, limit):
        return text
    return f"{text[:limit]}… [cut: {len(text)} characters in all]"


def cut_value(value: tuple[str, ...] | None,
              limit: int = MAX_SHOWN) -> tuple[str, ...] | None:
    """``value``, or when its tokens joined by spaces are longer than ``limit``, the
    tokens of that text's first ``limit`` characters, the last one ending in the marker
    (a value cut already is left as it is)."""
    if value is None or (len(value) == 1 and len(value[0]) <= limit):
        return value  # (the usual case, first)
    size = sum(map(len, value)) + len(value) - 1
    if size <= limit:
        return value
    before_last = size - len(value[-1])
    if before_last <= limit and _CUT_MARK.fullmatch(value[-1], limit - before_last):
        return value
    kept: list[str] = []
    room = limit
    for token in value:
        if len(token) >= room:
            kept.append(token[:room])
            break
        kept.append(token)
        room -= len(token) + 1
    kept[-1] += f"… [cut: {size} characters in all]"
    return tuple(kept)


def labelled(label: str, text: str, *, cutting: bool = True) -> str:
    """`` Label:     text``, the label padded as 0.3 did, escaped, a very long text cut
    (``cutting=False``: one cut already, such as a value's)."""
    return f" {label + ':':<{LABEL_WIDTH}}{printable(cut(text) if cutting else text)}".rstrip()


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
    lines.append(labelled("Value", shown_value(cut_value(r.value)), cutting=False))
    lines.append(labelled("Assertion", joined((r.keyword, *r.args))))
    return "\n".join(lines) + "\n"


def iso_utc(epoch: float, zone: bool = True) -> str:
    """``2026-11-25T12:00:00Z`` (``zone=False`` drops the Z, as Ant's JUnit schema wants)."""
    text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch))
    return text + "Z" if zone else text
