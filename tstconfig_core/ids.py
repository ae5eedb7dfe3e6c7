"""Stable ids of checks: made of what a check checks, never of where it stands.

CI servers key their history, flaky-test tracking and trend charts on test
names, so inserting a line in a definition must not rename the checks below
it. An id is ``FILE::BLOCK::CHECK``:

- FILE: the definition file as it was named on the command line;
- BLOCK: the block's ``name``, else its source directive
  (``command netstat -plnt``), shortened past 100 characters;
- CHECK: the assertion's ``name``, else what it checks and how:
  ``[SECTION] PROPERTY ASSERTION ARGUMENTS`` (``[Session] session.save_path
  assert_eq /var/lib/php``; the section only after a ``section`` directive).

Arguments are written as a definition writes them (``""`` for an empty one).
An id is plain text, the same in every report: control characters are
escapes (``\\x1b``, ``\\t``) and runs of blanks one space, as JUnit and TAP
show names. Where two checks of a file would have the same id, the second is
``... (2)``, the third ``(3)`` (no ``#``: TAP consumers read one as a directive).
"""
from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

from tstconfig_core.render import printable

#: Longest BLOCK part; a longer source is cut and ends in a hash of the whole.
MAX_BLOCK = 100
SEPARATOR = "::"
_NEEDS_QUOTES = re.compile(r'[\s"]')


def quoted(tokens: Sequence[str]) -> str:
    """Tokens as a definition file writes them: quoted where a bare word would not do."""
    if len(tokens) == 1:  # (the usual case, made per assertion)
        return _quoted(tokens[0])
    if all(tokens) and not _NEEDS_QUOTES.search("".join(tokens)):
        return " ".join(tokens)
    return " ".join(_quoted(t) for t in tokens)


def _quoted(token: str) -> str:
    if token and not _NEEDS_QUOTES.search(token):
        return token
    return '"' + token.replace('"', '""') + '"'


def plain(text: str) -> str:
    """``text`` as ids hold it: control characters escaped, blanks collapsed."""
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text  # (the usual case: its only blanks are single spaces, inside)
    return " ".join(printable(text).split())


def shortened(text: str, limit: int = MAX_BLOCK) -> str:
    """``text``, or its start and a hash of all of it: short for dashboards, still unique."""
    if len(text) <= limit:
        return text
    return f"{text[:limit - 9]}…{zlib.crc32(text.encode('utf-8', 'surrogatepass')):08x}"


def block_part(keyword: str, args: Sequence[str], name: str | None) -> str:
    """The BLOCK part of an id: the block's name, or its source directive, shortened."""
    return plain(name) if name is not None else shortened(plain(quoted((keyword, *args))))


def check_part(section: str | None, selector: str, keys: Sequence[str] | None,
               keyword: str, args: Sequence[str]) -> str:
    """The CHECK part of an id for an assertion without a name of its own."""
    if selector == "property":
        subject = quoted(keys) if keys else "(every row)"
    elif selector in ("section_size", "exit_status"):
        subject = selector
    else:
        subject = "(no value)"
    text = f"{subject} {keyword} {quoted(args)}" if args else f"{subject} {keyword}"
    return text if section is None else f"[{section}] {text}"


class FileIds:
    """The ids of one definition file's checks, each unique within the file."""

    def __init__(self, file: str) -> None:
        self.file = plain(file)
        self._count: dict[str, int] = {}  # base id -> checks that had it
        self._used: set[str] = set()

    @property
    def count(self) -> int:
        """How many ids were made: the file's assertions so far."""
        return len(self._used)

    def make(self, block: str, check: str) -> tuple[str, str]:
        """(id, name): the full id, and its CHECK part (made plain) with any ``(N)``
        suffix. ``block`` is plain already (see block_part)."""
        check = plain(check)
        base = f"{self.file}{SEPARATOR}{block}{SEPARATOR}{check}"
        if base not in self._used:  # (the usual case: a check of its own)
            self._count[base] = 1
            self._used.add(base)
            return base, check
        count = self._count.get(base, 0)
        while True:  # (a check may itself end in " (2)": never hand out an id twice)
            count += 1
            suffix = f" ({count})" if count > 1 else ""
            if base + suffix not in self._used:
                break
        self._count[base] = count
        self._used.add(base + suffix)
        return base + suffix, check + suffix
