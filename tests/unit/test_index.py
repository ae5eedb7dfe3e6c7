from __future__ import annotations

from tstconfig_core.engine.index import PropertyIndex

ROWS = [["a", "1", "x"], ["b", "2"], ["a", "3", "y"], ["c"]]


def test_policies():
    index = PropertyIndex(ROWS, None, 1)
    assert index.lookup(("a",), "append") == ("1", "x", "3", "y")
    assert index.lookup(("a",), "replace") == ("3", "y")
    assert index.lookup(("a",), "ignore") == ("1", "x")
    assert index.lookup(("a",), "unique") == ("1", "x", "3", "y")
    assert index.lookup(("c",), "append") == ()
    assert index.lookup(("z",), "append") is None


def test_unique_leaves_out_repeated_values():
    rows = [["22", "sshd"], ["22", "sshd"], ["80", "apache2"], ["80", "nginx"], ["80", "apache2"]]
    index = PropertyIndex(rows, None, 1)
    assert index.lookup(("22",), "unique") == ("sshd",)
    assert index.lookup(("80",), "unique") == ("apache2", "nginx")
    assert index.lookup(("22",), "append") == ("sshd", "sshd")


def test_columns_map_and_missing_columns():
    index = PropertyIndex(ROWS, (0, 2), 1)
    assert index.lookup(("b",), "append") == ("",)  # missing value column reads empty
    index = PropertyIndex(ROWS, (2, 0), 1)
    assert index.lookup(("x",), "append") == ("a",)
    assert index.lookup(("",), "append") is None  # a missing key column never matches


def test_several_keys_and_no_keys():
    assert PropertyIndex(ROWS, None, 2).lookup(("a", "3"), "append") == ("y",)
    assert PropertyIndex(ROWS, None, 0).lookup((), "append") == (
        "a", "1", "x", "b", "2", "a", "3", "y", "c")
    assert PropertyIndex(ROWS, (0,), 2).lookup(("a", "1"), "append") is None


def test_one_pass_for_many_properties():
    """The index reads each row once, however many properties are looked up."""
    reads = 0

    class CountingRow(list):
        def __getitem__(self, item):
            nonlocal reads
            reads += 1
            return super().__getitem__(item)

    rows = [CountingRow([f"user{i}", str(i)]) for i in range(2000)]
    for columns in (None, (0, 1)):
        reads = 0
        index = PropertyIndex(rows, columns, 1)
        assert reads <= 2 * 2000  # building: the key cells of each row
        built = reads
        for i in range(2000):
            assert index.lookup((f"user{i}",), "append") == (str(i),)
        assert reads - built <= 2 * 2000  # a lookup reads its own row only (a scan: 4,000,000)


def test_an_index_of_the_wanted_keys_answers_like_a_full_one():
    rows = [["a", "1"], ["b", "2"], ["a", "3"], ["c"], ["d", "4"]]
    for policy in ("append", "replace", "ignore", "unique"):
        for columns in (None, (0, 1), (1, 0)):
            full = PropertyIndex(rows, columns, 1)
            wanted = PropertyIndex(rows, columns, 1, frozenset({"a", "2"}))
            for key in ("a", "2", "b", "zzz", "4", "c"):  # announced keys, then others
                assert wanted.lookup((key,), policy) == full.lookup((key,), policy), (key, columns)


def test_only_wanted_keys_are_indexed_until_another_is_asked_for():
    rows = [[f"user{i}", str(i)] for i in range(1000)]
    index = PropertyIndex(rows, None, 1, frozenset({"user7"}))
    assert list(index._first) == ["user7"]
    assert index.lookup(("user7",), "append") == ("7",)
    assert index.lookup(("user8",), "append") == ("8",)  # not announced: everything indexed
    assert len(index._first) == 1000
