"""Writing a baseline: each value as the one assertion that holds for it alone, in
tokens that read back exactly, and the definition's own lines around them.

``assert_eq A...`` passes when the value's tokens are the arguments, so the value
``("a b", "")`` is pinned as ``assert_eq "a b" ""``, no tokens as ``assert_eq`` alone,
and an undefined value as ``assert_undefined``.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from tstconfig_core.render import printable
from tstconfig_core.snapshot.layout import Layout, Line, Scope
from tstconfig_core.snapshot.probe import NoValue, Reading, SectionKeys

CHANGED = "this value changed between two reads"
#: Selectors whose plain scopes ``--all-rows`` replaces by every row's value.
_ROW_SELECTORS = ("property", "section_size")


class Pin(NamedTuple):
    line: str       # the pinned assertion, or a comment saying why there is none
    pinned: bool


def comment(text: str) -> str:
    return f"# snapshot: {printable(text)}"


def quoted(token: str) -> str:
    """A token as a definition line reads it back (tokens.py): bare when it can be, else
    in double quotes with each quote doubled (an empty token, a space, a quote, a
    leading ``#``, which would also look like a comment)."""
    if token and token[0] != "#" and '"' not in token and not any(c.isspace() for c in token):
        return token
    return '"' + token.replace('"', '""') + '"'


def directive(keyword: str, args: Sequence[str], substituting: bool) -> str:
    """A line that gives ``keyword`` exactly ``args``. Where variables are replaced (the
    file has ``let``, or --var is given), a directive with ``${`` in an argument reads
    ``$$`` as ``$``: then every ``$`` is written doubled."""
    if substituting and any("${" in arg for arg in args):
        args = [arg.replace("$", "$$") for arg in args]
    return " ".join((keyword, *map(quoted, args)))


def unwritable(tokens: Sequence[str]) -> str | None:
    """What in these tokens no definition line can hold; None when nothing is."""
    for token in tokens:
        if "\n" in token or "\r" in token:
            return "a line break"
        try:
            token.encode("utf-8")
        except UnicodeEncodeError:
            return "a character that is not UTF-8"
    return None


def decide(first: Reading, second: Reading, substituting: bool,
           defined: bool = False) -> Pin:
    """The pin of a value read twice; none when it changed (or, ``defined``, when a key
    seen before has gone) or cannot be written."""
    for reading in (first, second):
        if isinstance(reading, NoValue):
            return Pin(comment(f"{reading.why}; not pinned"), False)
    if first != second or (defined and first is None):
        return Pin(comment(f"{CHANGED}; not pinned"), False)
    if first is None:
        return Pin("assert_undefined", True)
    problem = unwritable(first)  # type: ignore[arg-type]
    if problem is not None:
        return Pin(comment(f"this value holds {problem}, which a definition line cannot "
                           "hold; not pinned"), False)
    return Pin(directive("assert_eq", first, substituting), True)  # type: ignore[arg-type]


def rewrite(layout: Layout, pins: dict[int, Pin],
            include_sensitive: bool) -> tuple[list[str], list[Pin]]:
    """Every line as written but the assertions: each scope's give way to its pin (or,
    without one, stay under a comment that says why); sensitive blocks are left out.
    The lines, and the pins written."""
    def pinned(scope: Scope) -> bool:
        return pins[scope.opener].pinned

    out: list[str] = []
    written: list[Pin] = []
    skip_to = 0
    hidden = False  # in a sensitive block kept: values pinned by their digests
    for line in layout.lines:
        if line.number <= skip_to:
            continue
        block = layout.blocks.get(line.number)
        if block is not None and block.sensitive and not include_sensitive:
            out.append(comment(f"left out a sensitive block ({line.text.strip()}) and its "
                               "values; --include-sensitive writes them"))
            skip_to = block.last
            continue
        if block is not None:
            hidden = block.sensitive
        scope = layout.scope_of.get(line.number)
        if scope is None or line.keyword is None:
            out.append(line.text)
        elif line.number in scope.assertions:
            pin = _digested(pins[scope.opener]) if hidden else pins[scope.opener]
            if line.number == scope.assertions[0]:
                out.append(pin.line)
                written.append(pin)
            if not pin.pinned:
                out.append(line.text)
        elif line.number not in layout.names or not layout.dropped(
                layout.names[line.number], pinned):
            out.append(line.text)
            if line.number == scope.opener and scope.selector and not scope.assertions:
                pin = _digested(pins[scope.opener]) if hidden else pins[scope.opener]
                out.append(pin.line)
                written.append(pin)
    return out, written


def every_row(layout: Layout, first: dict[int, SectionKeys | NoValue],
              second: dict[int, SectionKeys | NoValue],
              substituting: bool) -> tuple[str, frozenset[int]]:
    """``--all-rows``: the definition without its plain ``property`` and ``section_size``
    scopes, and at the end of each block a ``section_size`` and a ``property`` of each
    key of each section; the text and the lines of those properties (their keys were
    seen twice, so an undefined value there has changed)."""
    ends = {block.last: number for number, block in layout.blocks.items()}
    unread = _unread_sections(layout)
    out: list[str] = []
    defined: set[int] = set()
    for line in layout.lines:
        if line.number not in unread and not _replaced(layout, line):
            out.append(line.text)
        source = ends.get(line.number)
        if source is not None:
            _rows(first.get(source), second.get(source), substituting, out, defined)
    return "".join(f"{line}\n" for line in out), frozenset(defined)


def _unread_sections(layout: Layout) -> set[int]:
    """The ``section`` lines that no kept scope reads: every selector between one and the
    next ``section`` (or the end of its block) is replaced."""
    unread: set[int] = set()
    read = False
    for line in reversed(layout.lines):
        scope = layout.scope_of.get(line.number)
        if scope is None or line.keyword is None:
            continue
        if line.keyword == "section":
            if not read:
                unread.add(line.number)
            read = False
        elif line.number == scope.opener:  # a selector; or a source: another block before
            read = scope.selector is not None and (read or not _dropped(scope))
    return unread


def _dropped(scope: Scope) -> bool:
    return scope.selector in _ROW_SELECTORS and scope.plain


def _replaced(layout: Layout, line: Line) -> bool:
    scope = layout.scope_of.get(line.number)
    if scope is None or line.keyword is None:
        return False
    target = layout.names.get(line.number)
    if target is not None:
        scope = layout.scope_of[target]
    elif line.number != scope.opener and line.number not in scope.assertions:
        return False
    return _dropped(scope)


def _rows(first: SectionKeys | NoValue | None, second: SectionKeys | NoValue | None,
          substituting: bool, out: list[str], defined: set[int]) -> None:
    for reading in (first, second):
        if not isinstance(reading, list):
            why = reading.why if isinstance(reading, NoValue) else "its rows were not read"
            out.append(comment(f"{why}; no row pinned"))
            return
    assert isinstance(first, list) and isinstance(second, list)
    again = dict(second)
    for section, keys in first:
        if section is not None and (section not in again or unwritable([section])):
            out.append(comment("a section changed between two reads or cannot be written; "
                               "not pinned"))
            continue
        out.append("section" if section is None else directive("section", [section],
                                                                 substituting))
        out.append("section_size")
        seen = set(again.get(section, ()))
        kept = [key for key in keys if key in seen and unwritable([key]) is None]
        if len(kept) != len(set(keys) | seen):
            out.append(comment(f"{len(set(keys) | seen) - len(kept)} key(s) of this section "
                               "changed between two reads or cannot be written; not pinned"))
        for key in kept:
            out.append(directive("property", [key], substituting))
            defined.add(len(out))


def _digested(pin: Pin) -> Pin:
    """A pin of a sensitive block's value, as its digest: a report shows an assertion's
    arguments, and must never show such a value."""
    if not pin.pinned or not pin.line.startswith("assert_eq"):
        return pin  # (assert_undefined, or a comment: nothing of the value)
    from tstconfig_core.tokens import tokenize
    from tstconfig_plugins.assertions.digest import sha256_of
    tokens = tokenize(pin.line, strict=True)[1:]
    if "${" in pin.line:  # (its every $ was doubled, for a baseline that uses variables)
        tokens = [token.replace("$$", "$") for token in tokens]
    return Pin(f"assert_sha256 {sha256_of(tokens)}", True)
