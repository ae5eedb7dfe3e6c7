"""Reading a definition file into directives, each with its file and line."""
from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from tstconfig_core.tokens import UnterminatedQuote, tokenize

STDIN_NAME = "<stdin>"


class Directive(NamedTuple):
    file: str
    line: int
    keyword: str
    args: tuple[str, ...]

    @property
    def text(self) -> str:
        """The directive as the report shows it: keyword and arguments, space-joined."""
        return " ".join((self.keyword, *self.args))


class SyntaxProblem(NamedTuple):
    """A line that is not a directive; reported as an error at that line."""

    file: str
    line: int
    message: str


def decode(data: bytes) -> str:
    """Text from bytes: UTF-8, invalid bytes replaced (never fatal)."""
    return data.decode("utf-8", errors="replace")


def split_lines(text: str) -> list[str]:
    """Lines without their ends; LF and CRLF read the same."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [ln[:-1] if ln.endswith("\r") else ln for ln in lines]


def parse_definition(text: str, name: str) -> Iterator[Directive | SyntaxProblem]:
    """Directives of a definition text; comment and blank lines are skipped."""
    for number, line in enumerate(split_lines(text), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            tokens = tokenize(line, strict=True)
        except UnterminatedQuote as exc:
            yield SyntaxProblem(name, number, f"{exc}; close it with another \"")
            continue
        if not tokens or not tokens[0]:
            yield SyntaxProblem(name, number, "a directive must start with a keyword")
            continue
        yield Directive(name, number, tokens[0], tuple(tokens[1:]))
