"""Reading a definition file into directives, each with its file and line."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import NamedTuple

from tstconfig_core.tokens import UnterminatedQuote, tokenize

STDIN_NAME = "<stdin>"
_BOM = b"\xef\xbb\xbf"  # UTF-8's byte order mark


class Directive(NamedTuple):
    file: str
    line: int
    keyword: str
    args: tuple[str, ...]
    #: The arguments as written, when ``${NAME}`` variables were replaced in ``args``:
    #: reports and ids show these, so they do not change with the variables' values.
    written: tuple[str, ...] | None = None

    @property
    def shown_args(self) -> tuple[str, ...]:
        return self.args if self.written is None else self.written

    @property
    def text(self) -> str:
        """The directive as the report shows it: keyword and arguments, space-joined."""
        return " ".join((self.keyword, *self.args))


class SyntaxProblem(NamedTuple):
    """A line that is not a directive; reported as an error at that line. With
    ``warning``, a line that is one but may not mean what it says (a warning)."""

    file: str
    line: int
    message: str
    warning: bool = False


def decode(data: bytes) -> str:
    """Text from bytes: UTF-8, invalid bytes replaced (never fatal), without a byte order
    mark at the start (Windows editors write one: it must not become part of the first
    keyword, key or CSV column name). Definitions and the file and command sources
    all decode here (``api.decode``)."""
    if data.startswith(_BOM):  # (decoded from a view: a 64 MiB source is not copied)
        return str(memoryview(data)[len(_BOM):], "utf-8", "replace")
    return data.decode("utf-8", errors="replace")


def split_lines(text: str) -> list[str]:
    """Lines without their ends; LF and CRLF read the same."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if "\r" not in text:
        return lines
    return [ln[:-1] if ln.endswith("\r") else ln for ln in lines]


_LINE_END = re.compile(r"\r\n|\r|\n")
_BARE_WORD = re.compile(r"[^ \t\r\n\f\"]+")
#: Whitespace str.split() splits on and tokenize() does not (ASCII).
_OTHER_SPACE = re.compile("[\x0b\x1c-\x1f]")


def definition_lines(text: str) -> list[str]:
    """The lines of a definition: LF, CRLF or a lone CR ends a line (old Mac files too)."""
    lines = _LINE_END.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def parse_line(line: str, number: int, name: str) -> Directive | SyntaxProblem | None:
    """One line as a directive; None for a blank or comment line."""
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return None
    try:
        tokens = tokenize(line, strict=True)
    except UnterminatedQuote as exc:
        return SyntaxProblem(name, number, f"{exc}; close it with another \"")
    if not tokens or not tokens[0]:
        return SyntaxProblem(name, number, "a directive must start with a keyword")
    return Directive(name, number, tokens[0], tuple(tokens[1:]))


def trailing_comment(line: str, number: int, name: str) -> SyntaxProblem | None:
    """A warning for a line whose arguments end in what looks like a comment
    (``duplicates_policy ignore # first wins``): a ``#`` after the first argument,
    outside quotes, starts more arguments, not a comment (as in 0.3)."""
    quoted, words, previous = False, 0, " "
    for at, char in enumerate(line):
        starts = not quoted and previous in " \t\f" and char not in " \t\f"
        words += starts
        if char == '"':
            quoted = not quoted
        elif starts and char == "#" and words >= 3:
            text = line[at:].strip()
            shown = text if len(text) <= 40 else text[:37] + "..."
            return SyntaxProblem(name, number, (
                f"{shown!r} is read as arguments, not as a comment: a comment takes a "
                "line of its own, starting with #; quote the text if it is meant as "
                "an argument"), warning=True)
        previous = char
    return None


def keyword_of(line: str) -> str | None:
    """The keyword of a line, without reading the rest of it (None: blank or comment)."""
    stripped = line.lstrip(" \t\r\n\f")
    if not stripped or stripped.startswith("#"):
        return None
    match = _BARE_WORD.match(stripped)
    if match and not stripped[match.end():match.end() + 1] == '"':
        return match.group()
    tokens = tokenize(stripped)  # a quote in the keyword: rare, read it properly
    return tokens[0] if tokens else None


def parse_definition(text: str, name: str) -> Iterator[Directive | SyntaxProblem]:
    """Directives of a definition text, lazily; comment and blank lines are skipped."""
    for number, line in enumerate(definition_lines(text), start=1):
        item = parse_line(line, number, name)
        if item is not None:
            yield item


class BlockText(NamedTuple):
    """A source directive and what follows it up to the next source: one block's text.

    The items before a file's first source come as a BlockText without a source.
    """

    source: Directive | None
    items: list[Directive | SyntaxProblem]
    #: The source's own line could not be read (an unterminated quote): the block
    #: still starts there, so the lines after it are never the previous block's.
    problem: str | None = None


def blocks(text: str, name: str, is_source: Callable[[str], bool],
           keep: Callable[[str], bool] = lambda keyword: True) -> Iterator[BlockText]:
    """The blocks of a definition, each read once into its directives.

    ``keep`` is asked, once a block has been handed over, whether a line with that
    keyword is worth reading at all (past the error cap only what ids are made of is).
    """
    current = BlockText(None, [])
    # Text that splits on whitespace as tokenize() does (ASCII, without the separators
    # str.split has beyond tokenize's): a line without quotes is str.split() at once.
    plain = text.isascii() and _OTHER_SPACE.search(text) is None
    for number, line in enumerate(definition_lines(text), start=1):
        item: Directive | SyntaxProblem | None
        if plain and '"' not in line:
            tokens = line.split()
            if not tokens or tokens[0][0] == "#" or not keep(tokens[0]):
                continue
            keyword, item = tokens[0], Directive(name, number, tokens[0], tuple(tokens[1:]))
        else:
            keyword = keyword_of(line)
            if keyword is None or not keep(keyword):
                continue
            item = parse_line(line, number, name)
            if item is None:
                continue
        if "#" in line and isinstance(item, Directive):
            note = trailing_comment(line, number, name)
            if note is not None:
                current.items.append(note)  # (before the block it may start: harmless)
        if is_source(keyword):
            yield current
            if isinstance(item, SyntaxProblem):
                current = BlockText(Directive(name, number, keyword, ()), [], item.message)
            else:
                current = BlockText(item, [])
        else:
            current.items.append(item)
    yield current
