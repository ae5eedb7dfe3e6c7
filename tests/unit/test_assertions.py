"""Each assertion on a defined, an undefined and an empty value."""
from __future__ import annotations

import pytest

import shutil
import subprocess

from tstconfig_core.api import PluginError
from tstconfig_core.loading.groups import ASSERTIONS
from tstconfig_core.loading.registry import PluginRegistry

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
    # the assertions tstconfig adds
    ("assert_not_eq", ("deny",), DEFINED, True),
    ("assert_not_eq", ("deny", "(incoming),"), DEFINED, False),
    ("assert_not_eq", ("deny",), UNDEFINED, True),
    ("assert_in", ("allow", "deny (incoming),"), DEFINED, True),
    ("assert_in", ("deny", "(incoming),"), DEFINED, False),
    ("assert_in", ("",), EMPTY_FIELD, True),
    ("assert_in", ("x",), UNDEFINED, False),
    ("assert_matches", (r"deny \(\w+\),",), DEFINED, True),
    ("assert_matches", ("deny",), DEFINED, False),  # the whole value must match
    ("assert_matches", ("deny", r"\S+"), DEFINED, True),  # arguments joined with a space
    ("assert_matches", (".*",), UNDEFINED, False),
    ("assert_matches", ("",), NO_TOKENS, True),
    ("assert_count", ("2",), DEFINED, True),
    ("assert_count", ("1",), DEFINED, False),
    ("assert_count", ("0",), NO_TOKENS, True),
    ("assert_count", ("1",), EMPTY_FIELD, True),
    ("assert_count", ("0",), UNDEFINED, False),
    ("assert_gt", ("2",), ("10",), True),
    ("assert_gt", ("10",), ("10",), False),
    ("assert_ge", ("10",), ("10",), True),
    ("assert_ge", ("10.5",), ("10",), False),
    ("assert_lt", ("1",), ("0.42",), True),
    ("assert_lt", ("-1",), ("-2",), True),
    ("assert_lt", ("1e3",), ("1000",), False),
    ("assert_le", ("1e3",), ("1000",), True),
    ("assert_le", ("0",), UNDEFINED, False),
    ("assert_gt", ("0",), UNDEFINED, False),
    ("assert_gt", ("9007199254740992",), ("9007199254740993",), True),  # exact, not float
    ("assert_version_ge", ("1.2.9",), ("1.2.10",), True),
    ("assert_version_ge", ("1.2.10",), ("1.2.9",), False),
    ("assert_version_ge", ("1.0",), ("1.0~rc1",), False),
    ("assert_version_ge", ("2.36",), ("1:2.30-1",), True),  # the epoch wins
    ("assert_version_ge", ("9.2p1-2",), ("9.2p1-2+deb12u3",), True),
    ("assert_version_ge", ("1.0",), UNDEFINED, False),
    ("assert_version_lt", ("3.0",), ("2.99.1",), True),
    ("assert_version_lt", ("1.0",), ("1.0",), False),
    ("assert_version_lt", ("1.0",), UNDEFINED, False),
]

# (assertion, args, value): the check cannot be made, so it is an error, not a failure
ERRORS = [
    ("assert_gt", ("1",), ("sshd",), "is not a number"),
    ("assert_gt", ("1",), ("8040772", "kB"), "columns 0 1"),
    ("assert_gt", ("1",), ("nan",), "is not a number"),
    ("assert_le", ("five",), ("5",), "needs one number"),
    ("assert_ge", (), ("5",), "needs one number"),
    ("assert_version_ge", ("1.0",), ("sshd",), "is not a version"),
    ("assert_version_ge", ("1.0",), ("1.0", "2.0"), "is not a version"),
    ("assert_version_lt", ("x1",), ("1.0",), "is not a version"),
    ("assert_version_lt", ("1", "2"), ("1.0",), "needs one version"),
    ("assert_matches", ("(",), ("x",), "cannot be compiled"),
    ("assert_matches", (), ("x",), "needs a regular expression"),
    ("assert_count", ("-1",), ("x",), "whole number"),
    ("assert_in", (), ("x",), "allowed values"),
]


@pytest.mark.parametrize("name, args, value, passes", CASES)
def test_assertion(name, args, value, passes):
    assertion = REGISTRY.instance(ASSERTIONS, name)
    assert assertion.check(value, args) is passes
    if not passes:
        assert assertion.explain(value, args)


def test_all_nine_registered_and_documented():
    names = REGISTRY.names(ASSERTIONS)
    assert set(names) >= {"assert_eq", "assert_defined", "assert_undefined", "assert_empty",
                          "assert_not_empty", "assert_contains", "assert_not_contains",
                          "assert_starts_with", "assert_ends_with"}
    for name in names:
        assert REGISTRY.instance(ASSERTIONS, name).summary


@pytest.mark.parametrize("name, args, value, message", ERRORS)
def test_assertion_error(name, args, value, message):
    assertion = REGISTRY.instance(ASSERTIONS, name)
    with pytest.raises(PluginError, match=message):
        assertion.check(value, args)


def test_new_assertions_registered_and_documented():
    added = {"assert_not_eq", "assert_matches", "assert_in", "assert_gt", "assert_ge",
             "assert_lt", "assert_le", "assert_version_ge", "assert_version_lt", "assert_count"}
    assert added <= set(REGISTRY.names(ASSERTIONS))
    from pathlib import Path
    language = (Path(__file__).parents[2] / "docs" / "language.md").read_text(encoding="utf-8")
    for name in added:
        assert f"`{name}" in language, f"{name} is not in docs/language.md"


VERSION_PAIRS = [("1.0~rc1", "1.0"), ("1.0", "1.0a"), ("1.0a", "1.0.1"), ("1.9", "1.10"),
                 ("1.0-1", "1.0-1ubuntu1"), ("2:0.1", "3:0.0"), ("1.0~~", "1.0~"),
                 ("9.2p1-2", "9.2p1-2+deb12u3"), ("0.9.8zh", "1.0.0"), ("1.2.3", "1.2.3.0")]


@pytest.mark.parametrize("older, newer", VERSION_PAIRS)
def test_version_order(older, newer):
    from tstconfig_plugins.assertions.version import compare_versions
    assert compare_versions(older, newer) == -1
    assert compare_versions(newer, older) == 1
    assert compare_versions(newer, newer) == 0


def test_version_order_agrees_with_dpkg():
    """Random Debian-style versions, each pair compared by dpkg itself."""
    if shutil.which("dpkg") is None:
        pytest.skip("dpkg is not installed")
    import random
    from tstconfig_plugins.assertions.version import compare_versions
    rng = random.Random(7)

    def version() -> str:
        text = str(rng.randint(0, 12)) + "".join(
            rng.choice("0123456789.~+ab") for _ in range(rng.randint(0, 5)))
        if rng.random() < 0.3:
            text = f"{rng.randint(0, 2)}:{text}"
        if rng.random() < 0.4:
            text += f"-{rng.randint(0, 3)}" + "".join(rng.choice("0123456789.~+ab")
                                                     for _ in range(rng.randint(0, 3)))
        return text

    compared = 0
    while compared < 150:
        a, b = version(), version()
        lt = subprocess.run(["dpkg", "--compare-versions", a, "lt", b], capture_output=True)
        eq = subprocess.run(["dpkg", "--compare-versions", a, "eq", b], capture_output=True)
        if lt.stderr or eq.stderr:
            continue  # dpkg warns about versions it finds odd; keep to the clean ones
        expected = -1 if lt.returncode == 0 else (0 if eq.returncode == 0 else 1)
        assert compare_versions(a, b) == expected, (a, b)
        compared += 1


def test_assert_sha256_checks_a_value_without_writing_it():
    from tstconfig_plugins.assertions.digest import AssertSha256, sha256_of
    check = AssertSha256()
    digest = sha256_of(["a b"])
    assert check.check(("a b",), [digest])
    assert not check.check(("a", "b"), [digest])  # the tokens, not their joined text
    assert not check.check(None, [digest])
    import hashlib
    assert digest == hashlib.sha256(b"a b\0").hexdigest()  # as docs/language.md says
    with pytest.raises(PluginError):
        check.validate(["ABC"])
