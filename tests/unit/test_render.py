"""What reports print of data: nothing a terminal would act on, empty tokens visible."""
from __future__ import annotations

import sys
import unicodedata

from tstconfig_core.render import joined, printable, shown_value

INVISIBLE = ("Cc", "Cf", "Zl", "Zp")


def test_no_control_or_format_character_is_printed_as_it_is():
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if 0xD800 <= code < 0xE000 or unicodedata.category(char) not in INVISIBLE:
            continue
        shown = printable(f"a{char}b")
        assert shown.isprintable() and shown.startswith("a\\") and shown.endswith("b"), \
            hex(code)


def test_escapes_read_as_python_writes_them():
    assert printable("\t\n\r\x1b[31m\x7f\u202e\U000e0041") == \
        "\\t\\n\\r\\x1b[31m\\x7f\\u202e\\U000e0041"
    assert printable("José Müller 名前") == "José Müller 名前"  # letters are kept


def test_empty_and_blank_tokens_are_quoted_but_a_lone_empty_value_shows_as_in_03():
    assert joined(["10.0.0.0/8", ""]) == '10.0.0.0/8 ""'
    assert joined(["a", " ", "b"]) == 'a " " b'
    assert shown_value([""]) == ""
    assert shown_value(["", ""]) == '"" ""'
    assert shown_value(None) == "<undefined>"
