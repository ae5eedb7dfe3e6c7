"""Parse options: the settings that turn a block's lines into rows.

The option directives of the language are a table here (keyword -> field and
converter), so adding one is adding a row, not a branch.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields

from tstconfig_core.tokens import WHITESPACE, unescape_java


class OptionError(ValueError):
    """An option directive's arguments are wrong; the message says how."""


@dataclass
class ParseOptions:
    """The parse options of one block. Reset by every source directive."""

    parse_mode: str | None = None  # None: tokenized
    skip_header_lines: int = 0
    read_lines: int | None = None
    hash_comment_allowed: bool = False
    slash_comment_allowed: bool = False
    semicolon_comment_allowed: bool = False
    separator: str = WHITESPACE
    ignore_empty_tokens: bool = True
    quote_char: str | None = '"'
    key_separator: str | None = None
    key_separator_optional: bool = False
    positions: tuple[int, ...] = ()
    section_header_pattern: re.Pattern[str] | None = None
    section_footer_pattern: re.Pattern[str] | None = None
    #: Options declared by a third-party parser (``Parser.options``).
    extra: dict[str, object] = field(default_factory=dict)

    def has_sections(self) -> bool:
        """Whether section patterns are set: then a line's row depends on the lines before it."""
        return bool(self.section_header_pattern or self.section_footer_pattern)

    def comment_prefixes(self) -> tuple[str, ...]:
        prefixes = (("#", self.hash_comment_allowed), ("//", self.slash_comment_allowed),
                    (";", self.semicolon_comment_allowed))
        return tuple(p for p, on in prefixes if on)


FIELD_NAMES = frozenset(f.name for f in fields(ParseOptions)) - {"extra"}
#: What ``duplicates_policy`` takes: how the values of rows with one key combine.
DUPLICATES_POLICIES = ("append", "replace", "ignore", "unique")


def _joined(args: Sequence[str]) -> str:
    return " ".join(args)


#: The most digits a whole number of an option may have. Any count or offset fits in
#: far fewer; the bound says so plainly where ``int()`` would refuse past 4,300 digits.
MAX_WHOLE_DIGITS = 100
_WHOLE = re.compile(r"[+-]?[0-9]+")


def to_int(args: Sequence[str], minimum: int = 0, maximum: int | None = None) -> int:
    """A whole number of ASCII digits, from minimum (to maximum, if given). ``int()``
    alone would take ``1_000`` and Arabic-Indic or full-width digits."""
    text = _joined(args)
    if not _WHOLE.fullmatch(text.strip()):
        raise OptionError(f"not a whole number: {text!r}")
    digits = len(text.strip().lstrip("+-").lstrip("0"))
    if digits > MAX_WHOLE_DIGITS:
        raise OptionError(f"a whole number of {digits:,} digits; at most "
                          f"{MAX_WHOLE_DIGITS} are taken")
    number = int(text)
    if number < minimum:
        raise OptionError(f"must be {minimum} or more, not {number}")
    if maximum is not None and number > maximum:
        raise OptionError(f"must be at most {maximum}, not {number}")
    return number


def _optional_int(args: Sequence[str]) -> int | None:
    return to_int(args) if args else None


def bool_option(args: Sequence[str]) -> bool:
    text = _joined(args).lower()
    if text not in ("true", "false"):
        raise OptionError(f"expected true or false, not {_joined(args)!r}")
    return text == "true"


def _separator(args: Sequence[str]) -> str:
    chars = unescape_java(_joined(args))
    if not chars:
        raise OptionError("needs at least one separator character")
    return chars


def _quote_char(args: Sequence[str]) -> str:
    text = _joined(args)
    if len(text) != 1:
        raise OptionError(f"a quote character is one character, not {text!r}")
    return text


def _non_empty(args: Sequence[str]) -> str:
    text = _joined(args)
    if not text:
        raise OptionError("needs an argument")
    return text


def _positions(args: Sequence[str]) -> tuple[int, ...]:
    if not args:
        raise OptionError("needs one or more column start offsets")
    positions = tuple(to_int([a]) for a in args)
    if list(positions) != sorted(set(positions)):
        raise OptionError("offsets must be increasing")
    return positions


def compile_regex(args: Sequence[str], min_groups: int = 0) -> re.Pattern[str]:
    """The arguments, joined with spaces, as a regular expression; an OptionError that
    says what is wrong for every way ``re.compile`` fails: a syntax error (re.error), a
    repetition count past 4294967294 (OverflowError), groups nested too deeply
    (RecursionError)."""
    text = _joined(args)
    try:
        pattern = re.compile(text)
    except re.error as exc:
        reason = str(exc)
    except OverflowError as exc:  # a{99999999999}
        reason = str(exc).replace("the repetition number is", "a repetition count is")
    except RecursionError:  # ((((...)))) ten thousand deep
        reason = "its groups are nested too deeply"
    else:
        if pattern.groups < min_groups:
            raise OptionError(f"regular expression {_shown_regex(text)!r} needs a group "
                              "(...) for the name")
        return pattern
    raise OptionError(f"the regular expression {_shown_regex(text)!r} cannot be compiled: "
                      f"{reason}")


def _shown_regex(text: str) -> str:
    """As much of a regular expression as an error quotes (its reason must follow)."""
    return text if len(text) <= 80 else text[:77] + "..."


#: keyword -> converter of its arguments; the keyword is the ParseOptions field.
OPTION_DIRECTIVES: dict[str, Callable[[Sequence[str]], object]] = {
    "parse_mode": _non_empty,
    "skip_header_lines": to_int,
    "read_lines": _optional_int,
    "hash_comment_allowed": bool_option,
    "slash_comment_allowed": bool_option,
    "semicolon_comment_allowed": bool_option,
    "separator": _separator,
    "ignore_empty_tokens": bool_option,
    "quote_char": _quote_char,
    "key_separator": _non_empty,
    "key_separator_optional": bool_option,
    "positions": _positions,
    "section_header_pattern": lambda args: compile_regex(args, min_groups=1),
    "section_footer_pattern": compile_regex,
}
