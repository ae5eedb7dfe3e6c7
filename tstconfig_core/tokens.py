"""Splitting a line into tokens, for definition files and for tokenized data.

Runs of separators split; a quote character groups (it may open mid-token),
and inside quotes a doubled quote is a literal one. Backslash is ordinary.
This is deliberately not POSIX shell quoting.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from operator import methodcaller

WHITESPACE = " \t\r\n\f"


class UnterminatedQuote(ValueError):
    """A quote opened and never closed (strict mode only)."""


@lru_cache(maxsize=64)
def _plain_splitter(separators: str, keep_empty: bool) -> re.Pattern[str]:
    cls = "[" + re.escape(separators) + "]"
    return re.compile(cls) if keep_empty else re.compile(f"[^{re.escape(separators)}]+")


@lru_cache(maxsize=64)
def splitter(separators: str, keep_empty: bool) -> Callable[[str], list[str]]:
    """A function splitting a line without quotes, chosen once for many lines.

    One separator with empty tokens kept is ``str.split`` (as fast as it gets);
    otherwise a compiled regular expression.
    """
    if not separators:
        return lambda line: [line] if (line or keep_empty) else []
    if keep_empty and len(separators) == 1:
        return methodcaller("split", separators)
    pattern = _plain_splitter(separators, keep_empty)
    return pattern.split if keep_empty else pattern.findall


def tokenize(line: str, separators: str = WHITESPACE, quote: str | None = '"',
             keep_empty: bool = False, strict: bool = False) -> list[str]:
    """Split ``line`` into tokens.

    ``keep_empty`` keeps the empty tokens between adjacent separators. A quoted
    empty string (``""``) is always a token. ``strict`` raises
    :class:`UnterminatedQuote` instead of taking the rest of the line.
    """
    if not quote or quote not in line:
        return splitter(separators, keep_empty)(line)
    return _tokenize_quoted(line, separators, quote, keep_empty, strict)


def _tokenize_quoted(line: str, separators: str, quote: str, keep_empty: bool,
                     strict: bool) -> list[str]:
    """The tokens of a line with quotes, a run between quotes at a time: the text is
    split at the quotes, so its odd parts are quoted and its even parts are not, and
    an empty even part between two quoted ones is a doubled quote inside a string."""
    parts = line.split(quote)
    last = len(parts) - 1
    if strict and last % 2:
        raise UnterminatedQuote(f"unterminated {quote} quote")
    split = _plain_splitter(separators, True).split if separators else None
    tokens: list[str] = []
    buf: list[str] = []
    started = False  # the current token has content or a quote
    for i, part in enumerate(parts):
        if i % 2:  # quoted
            buf.append(part)
            started = True
        elif 0 < i < last and not part:  # "" inside a string: a quote
            buf.append(quote)
        elif split is None or not part:
            buf.append(part)
            started = started or bool(part)
        else:
            first, *rest = split(part)
            buf.append(first)
            started = started or bool(first)
            for piece in rest:  # each after a separator
                if started or keep_empty:
                    tokens.append("".join(buf))
                buf, started = [piece], bool(piece)
    if started or keep_empty:
        tokens.append("".join(buf))
    return tokens


def scan_quoted(line: str, separators: str, quote: str, keep_empty: bool,
                strict: bool) -> list[str]:
    """The tokens of a line with quotes, a character at a time (the reference)."""
    tokens: list[str] = []
    buf: list[str] = []
    started = False  # the current token has content or a quote
    quoted = False
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if quoted:
            if c == quote:
                if i + 1 < n and line[i + 1] == quote:
                    buf.append(quote)
                    i += 2
                    continue
                quoted = False
            else:
                buf.append(c)
        elif c == quote:
            quoted = started = True
        elif c in separators:
            if started or keep_empty:
                tokens.append("".join(buf))
            buf.clear()
            started = False
        else:
            buf.append(c)
            started = True
        i += 1
    if quoted and strict:
        raise UnterminatedQuote(f"unterminated {quote} quote")
    if started or keep_empty:
        tokens.append("".join(buf))
    return tokens


_JAVA_ESCAPE = re.compile(r"\\(u+[0-9a-fA-F]{4}|[0-7]{1,3}|[btnfr\\'\"])")
_SIMPLE = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r",
           "\\": "\\", "'": "'", '"': '"'}


def unescape_java(text: str) -> str:
    r"""Undo Java string escapes (``\t``, ``\u0009``, ``\011``), as 0.3 did for ``separator``."""
    def repl(m: re.Match[str]) -> str:
        esc = m.group(1)
        if esc[0] == "u":
            return chr(int(esc.lstrip("u"), 16))
        if esc[0].isdigit():
            return chr(int(esc, 8))
        return _SIMPLE[esc]
    return _JAVA_ESCAPE.sub(repl, text)
