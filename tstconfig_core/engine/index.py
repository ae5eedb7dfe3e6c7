"""The property index: a block's rows grouped by their key columns, built once."""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import chain
from operator import itemgetter

from tstconfig_core.api import Row


class PropertyIndex:
    """Rows grouped by their first ``nkeys`` (mapped) columns, built in one pass.

    A key is a string when there is one key column, else a tuple; a key held by
    one row (the usual case) costs no list. Given ``keys`` (those the block's
    ``property`` lines name, from its plan), only those keys are indexed, which
    on 200,000 rows is twice as fast as indexing them all, and holds a pointer per
    row of a wanted key at most (memory: docs/security.md); a lookup of any other
    key (the engine announces every key it looks up) indexes everything first, so
    answers never depend on it.
    """

    def __init__(self, rows: Sequence[Row], columns: tuple[int, ...] | None, nkeys: int,
                 keys: frozenset[object] | None = None, fold: bool = False) -> None:
        self.columns = columns
        self.nkeys = nkeys
        self._rows = rows
        self.fold = fold  # ``ignore_case``: keys compared case-folded
        self._keys = keys if not fold or keys is None else frozenset(map(_folded, keys))
        self._first: dict[object, Row] = {}
        self._more: dict[object, list[Row]] = {}  # every row of a key that several rows have
        key_columns = tuple(range(nkeys)) if columns is None else columns[:nkeys]
        if len(key_columns) < nkeys:
            self._key_of = None  # more keys than mapped columns: nothing can match
            return
        key_of = itemgetter(*key_columns) if nkeys else (lambda row: ())
        self._key_of = (lambda row: _folded(key_of(row))) if fold and nkeys else key_of
        self._build()

    def _build(self) -> None:
        rows, key_of, keys = self._rows, self._key_of, self._keys
        try:  # in C, when every row has the key columns
            if keys is None:
                found = list(map(key_of, rows))
                self._first = dict(zip(found, rows))
                if len(self._first) == len(found):
                    return  # every key on one row: the usual case, done
                self._first = {}
                self._add(zip(found, rows))
            else:  # (a generator: a million rows of one key must not make a million pairs)
                self._add((k, r) for k, r in zip(map(key_of, rows), rows) if k in keys)
        except IndexError:  # some row is short of the key columns: it never matches
            self._first, self._more = {}, {}
            self._add(self._pairs_of_long_rows())

    def _add(self, pairs: Iterable[tuple[object, Row]]) -> None:
        first, more = self._first, self._more
        for key, row in pairs:
            held = first.setdefault(key, row)
            if held is not row:
                if key in more:
                    more[key].append(row)
                else:
                    more[key] = [held, row]

    def _pairs_of_long_rows(self) -> Iterator[tuple[object, Row]]:
        key_of, keys = self._key_of, self._keys
        for row in self._rows:
            try:
                key = key_of(row)
            except IndexError:
                continue
            if keys is None or key in keys:
                yield key, row

    def _value(self, row: Row) -> list[str]:
        if self.columns is None:
            return list(row[self.nkeys:])
        size = len(row)
        return [row[c] if c < size else "" for c in self.columns[self.nkeys:]]

    def rows_of(self, keys: Sequence[str], policy: str) -> list[Row]:
        """The rows whose keys are ``keys`` that the duplicates policy keeps (the last
        for replace, the first for ignore, else every one), in order."""
        key: object = keys[0] if self.nkeys == 1 else tuple(keys)
        if self.fold:
            key = _folded(key)
        if self._keys is not None and key not in self._keys:
            self._keys = None  # a key nobody announced: index every row after all
            self._first, self._more = {}, {}
            if self._key_of is not None:
                self._build()
        rows = self._more.get(key)
        if rows is None:
            row = self._first.get(key)
            return [] if row is None else [row]
        if policy == "replace":
            return [rows[-1]]
        if policy == "ignore":
            return [rows[0]]
        return rows

    def value_of(self, row: Row) -> tuple[str, ...]:
        """A row's value: its columns after the key ones (as ``columns`` maps them)."""
        return tuple(self._value(row))

    def lookup(self, keys: tuple[str, ...], policy: str) -> tuple[str, ...] | None:
        """The value of ``keys``: None when no row has them; else per the duplicates policy."""
        rows = self.rows_of(keys, policy)
        if not rows:
            return None
        if len(rows) == 1:
            return tuple(self._value(rows[0]))
        values: Iterable[Sequence[str]] = map(self._value, rows)
        if policy == "unique":  # leave out a row whose value an earlier row had
            values = dict.fromkeys(map(tuple, values))
        return tuple(chain.from_iterable(values))


def _folded(key: object) -> object:
    """A key compared without case: a string, or a tuple of them."""
    if isinstance(key, str):
        return key.casefold()
    return tuple(part.casefold() for part in key)  # type: ignore[attr-defined]
