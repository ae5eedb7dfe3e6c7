"""Numbers as the numeric assertions compare them: exactly, as the decimals written.

The oracle is :class:`fractions.Fraction`, which reads the same decimal
notation exactly: for any two decimal strings the comparison must be the
Fraction comparison. Then the cases floats and ``int()`` get wrong, the
characters that look like digits and are not, and the cost bound.
"""
from __future__ import annotations

import re
import time
from fractions import Fraction

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tstconfig_core.api import PluginError
from tstconfig_core.loading.groups import ASSERTIONS
from tstconfig_core.loading.registry import PluginRegistry
from tstconfig_plugins.assertions.numeric import MAX_NUMBER, Number, NumberTooLong

REGISTRY = PluginRegistry()


def cmp(a: object, b: object) -> int:
    return (a > b) - (a < b)  # type: ignore[operator]


def digits(min_size: int = 0, max_size: int = 30) -> st.SearchStrategy[str]:
    return st.text("0123456789", min_size=min_size, max_size=max_size)


@st.composite
def decimals(draw: st.DrawFn) -> str:
    """Any decimal the grammar allows: sign, digits, point, exponent (zeros galore)."""
    sign = draw(st.sampled_from(["", "+", "-"]))
    whole = draw(st.one_of(digits(), st.sampled_from(["0", "00", "1", "10", "100"])))
    fraction = draw(st.one_of(st.none(), digits(), st.sampled_from(["0", "5", "50", "05"])))
    if not whole and not fraction:
        whole = draw(digits(min_size=1, max_size=5))
    text = sign + whole + ("" if fraction is None else "." + fraction)
    if draw(st.booleans()):
        exponent = draw(st.integers(min_value=-400, max_value=400))
        text += draw(st.sampled_from("eE")) + draw(st.sampled_from(["", "+"])) * (exponent >= 0) \
            + str(exponent)
    return text


@settings(max_examples=500, deadline=None)
@given(decimals(), decimals())
@example("12345678901234567890.5", "12345678901234567890")
@example("1e309", "1e400")
@example("9007199254740993", "9007199254740992")
@example("0.1", "0.10000000000000001")
@example("-0", "0")
@example("-0.0e5", "+.0")
@example("5.", ".5e1")
@example("-1e-400", "-1e-401")
@example("100", "1e2")
def test_comparison_is_the_fraction_comparison(a, b):
    na, nb = Number.parse(a), Number.parse(b)
    assert na is not None and nb is not None, (a, b)
    expected = cmp(Fraction(a), Fraction(b))
    assert cmp(na, nb) == expected, (a, b)
    assert (na == nb) == (expected == 0)
    if na == nb:
        assert hash(na) == hash(nb)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20))
def test_anything_not_ascii_is_not_a_number(text):
    number = Number.parse(text)
    if any(ord(c) > 127 for c in text.strip()):
        assert number is None
    elif number is not None:  # then it is what Fraction reads too
        assert "_" not in text
        assert cmp(number, Number.parse("0")) == cmp(Fraction(text), 0)


@pytest.mark.parametrize("bigger, smaller", [
    ("12345678901234567890.5", "12345678901234567890"),
    ("1e400", "1e309"),
    ("1e309", "1.7976931348623157e308"),  # float's largest
    ("-1e-400", "-1e-399"),
    ("1" + "0" * 5000, "9" * 5000),  # past int()'s 4,300 digits
    ("9" * 5000 + "1", "9" * 5000),
    ("0." + "0" * 5000 + "1", "0"),
    ("1e" + "9" * 5000, "1e" + "9" * 4999),  # exponents of any length too
    ("1e-" + "9" * 4999, "1e-" + "9" * 5000),
])
def test_cases_floats_and_int_get_wrong(bigger, smaller):
    assert Number.parse(bigger) > Number.parse(smaller)
    assert Number.parse(smaller) < Number.parse(bigger)
    assert Number.parse(bigger) != Number.parse(smaller)


@pytest.mark.parametrize("same", [("1" + "0" * 5000, "1e5000"), ("0.5", "5e-1", "50E-2"),
                                  ("0", "-0", "0e99999", ".0", "0."), ("1e400", "10e399")])
def test_one_number_written_differently(same):
    first = Number.parse(same[0])
    assert all(Number.parse(text) == first for text in same)


@pytest.mark.parametrize("text", [
    "\u0663",  # Arabic-Indic three
    "\u0661\u0662",  # Arabic-Indic twelve
    "\uff13",  # full-width three
    "\u0967",  # Devanagari one
    "1\u0663",  # an ASCII digit then another script's
    "\u00b2",  # superscript two
    "1_000", "nan", "NaN", "inf", "-inf", "Infinity", "0x10", "1e", "e5", ".", "-", "+",
    "1.2.3", "1e2.5", "--1", "1 000", "", " ",
])
def test_not_a_number(text):
    assert Number.parse(text) is None


def test_the_length_bound_is_cheap_and_said():
    started = time.monotonic()
    with pytest.raises(NumberTooLong, match="1,000,000 characters; a number has at most 10,000"):
        Number.parse("9" * 1_000_000)
    assert Number.parse("9" * MAX_NUMBER) is not None
    with pytest.raises(NumberTooLong):
        Number.parse("9" * (MAX_NUMBER + 1))
    # the longest numbers compare in no time
    a, b = Number.parse("1e" + "9" * (MAX_NUMBER - 2)), Number.parse("9" * MAX_NUMBER)
    assert a > b
    assert time.monotonic() - started < 1


@pytest.mark.parametrize("name, limit, value, passes", [
    ("assert_gt", "12345678901234567890", "12345678901234567890.5", True),
    ("assert_le", "12345678901234567890", "12345678901234567890.5", False),
    ("assert_lt", "1e400", "1e309", True),
    ("assert_ge", "9" * 5000, "1" + "0" * 5000, True),
    ("assert_lt", "1e-400", "0", True),
])
def test_the_assertions_compare_exactly(name, limit, value, passes):
    assertion = REGISTRY.instance(ASSERTIONS, name)
    assert assertion.check((value,), (limit,)) is passes


@pytest.mark.parametrize("limit, value, message", [
    ("1", "\u0663", "the value '\u0663' is not a number"),
    ("\uff13", "1", "needs one number (ASCII digits"),
    ("1", "9" * 20_000, "the value is too long to be a number: it has 20,000 characters"),
    ("9" * 20_000, "1", "the limit is too long to be a number: it has 20,000 characters"),
])
def test_what_is_not_a_number_is_an_error(limit, value, message):
    assertion = REGISTRY.instance(ASSERTIONS, "assert_gt")
    with pytest.raises(PluginError, match=re.escape(message)):
        assertion.check((value,), (limit,))
