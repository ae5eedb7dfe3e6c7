"""Each assertion on a defined, an undefined and an empty value."""
from __future__ import annotations

import pytest

from tstconfig_core.api import Assertion
from tstconfig_core.loader import PluginRegistry

REGISTRY = PluginRegistry()
DEFINED = ("deny", "(incoming),")
EMPTY_FIELD = ("",)
NO_TOKENS = ()
UNDEFINED = None

# (assertion, args, value, passes)
CASES = [
    ("assert_eq", ("deny", "(incoming),"), DEFINED, True),
    ("assert_eq", ("deny (incoming),",), DEFINED, False),
    ("assert_eq", ("deny",), DEFINED, False),
    ("assert_eq", (), UNDEFINED, False),
    ("assert_eq", (), NO_TOKENS, True),
    ("assert_eq", (), EMPTY_FIELD, False),
    ("assert_eq", ("",), EMPTY_FIELD, True),
    ("assert_defined", (), DEFINED, True),
    ("assert_defined", (), NO_TOKENS, True),
    ("assert_defined", (), UNDEFINED, False),
    ("assert_undefined", (), UNDEFINED, True),
    ("assert_undefined", (), EMPTY_FIELD, False),
    ("assert_empty", (), UNDEFINED, True),
    ("assert_empty", (), NO_TOKENS, True),
    ("assert_empty", (), EMPTY_FIELD, True),
    ("assert_empty", (), DEFINED, False),
    ("assert_not_empty", (), DEFINED, True),
    ("assert_not_empty", (), EMPTY_FIELD, False),
    ("assert_not_empty", (), UNDEFINED, False),
    ("assert_contains", ("deny",), DEFINED, True),
    ("assert_contains", ("deny", "allow"), DEFINED, False),
    ("assert_contains", ("deny",), UNDEFINED, False),
    ("assert_contains", (), NO_TOKENS, True),
    ("assert_not_contains", ("allow",), DEFINED, True),
    ("assert_not_contains", ("allow", "deny"), DEFINED, False),
    ("assert_not_contains", ("deny",), UNDEFINED, True),
    ("assert_starts_with", ("deny (in",), DEFINED, True),
    ("assert_starts_with", ("deny", "(in"), DEFINED, True),
    ("assert_starts_with", ("allow",), DEFINED, False),
    ("assert_starts_with", ("",), UNDEFINED, False),
    ("assert_starts_with", ("",), EMPTY_FIELD, True),
    ("assert_ends_with", ("(incoming),",), DEFINED, True),
    ("assert_ends_with", ("deny",), DEFINED, False),
    ("assert_ends_with", ("x",), UNDEFINED, False),
]


@pytest.mark.parametrize("name, args, value, passes", CASES)
def test_assertion(name, args, value, passes):
    assertion = REGISTRY.instance("tstconfig.assertions", name, Assertion)
    assert assertion.check(value, args) is passes
    if not passes:
        assert assertion.explain(value, args)


def test_all_nine_registered_and_documented():
    names = REGISTRY.names("tstconfig.assertions")
    assert set(names) >= {"assert_eq", "assert_defined", "assert_undefined", "assert_empty",
                          "assert_not_empty", "assert_contains", "assert_not_contains",
                          "assert_starts_with", "assert_ends_with"}
    for name in names:
        assert REGISTRY.instance("tstconfig.assertions", name, Assertion).summary
