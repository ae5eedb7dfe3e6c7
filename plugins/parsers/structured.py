"""``parse_mode json`` and ``parse_mode yaml``: a whole document, cut into rows.

The block's text is one document, not a row per line. An optional JMESPath ``query``
picks the part to check; what it picks becomes rows by its shape (a list of objects,
an object, a list, a scalar: see :func:`rows_of`). PyYAML and jmespath are optional
(the extras ``yaml`` and ``jmespath``): they are imported when a block uses them, never
when tstconfig starts.
"""
from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence

from tstconfig_core.api import ParseOptions, Parsed, Parser, Row, charge_memory
from tstconfig_plugins.parsers.documents import cell, read_json, read_yaml
from tstconfig_plugins.parsers.jmespath_query import compile_query

_MISSING = object()


# -- rows --------------------------------------------------------------------------------

def rows_of(value: object) -> tuple[list[Row], tuple[str, ...]]:
    """The rows a selected value makes, and the names of their columns.

    - a list of objects: a row per object, a column per key (the union of their keys,
      in the order first seen); a key an object lacks is "" in its row;
    - an object: a row per key, ``[key, value]``;
    - any other list: a row per item, a list item's cells being its items, any other
      item one cell;
    - a scalar: one row of one cell; null (nothing selected) and an empty list: no rows.
    """
    if value is None or value == []:
        return [], ()
    if isinstance(value, dict):
        return [[key, cell(item)] for key, item in value.items()], ("key", "value")
    if not isinstance(value, list):
        return [[cell(value)]], ("value",)
    if all(isinstance(item, dict) for item in value):
        return _object_rows(value)
    rows = [[cell(i) for i in item] if isinstance(item, list) else [cell(item)]
            for item in value]
    return rows, (() if any(isinstance(item, list) for item in value) else ("value",))


def _object_rows(objects: list[dict]) -> tuple[list[Row], tuple[str, ...]]:
    """A row per object, a column per key any of them has. The cells no object fills are
    charged before they are made: objects with a thousand different keys each would make
    a thousand times more cells than they hold."""
    names: dict[str, None] = {}
    held = 0
    for obj in objects:
        names.update(dict.fromkeys(obj))
        held += len(obj)
    charge_memory(8 * (len(objects) * len(names) - held))
    rows = [[_cell_or_empty(obj.get(name, _MISSING)) for name in names] for obj in objects]
    return rows, tuple(names)


def _cell_or_empty(value: object) -> str:
    return "" if value is _MISSING else cell(value)


# -- reading the text --------------------------------------------------------------------


# -- the parse modes ---------------------------------------------------------------------

class _Document(Parser):
    """What the two modes share: read the document, apply the query, make the rows."""

    options = {"query": compile_query}
    takes: frozenset[str] = frozenset()
    whole_text = True  # blank lines belong to a YAML text block; errors count every line

    @abstractmethod
    def read(self, lines: Sequence[str]) -> object:
        """The document of the block's lines; PluginError when they are not one."""

    def parse(self, lines: Sequence[str], options: ParseOptions) -> Parsed:
        document = self.read(lines)
        query = options.extra.get("query")
        selected = document if query is None else query.search(document)
        rows, names = rows_of(selected)
        return Parsed(rows, {}, names, options)


class JsonParser(_Document):
    """The text is one JSON document (RFC 8259), read with Python's json module.

    ``query EXPR`` (a JMESPath expression, jmespath.org; needs the ``jmespath``
    extra) picks the part to check; without it, the whole document. A list of
    objects is a row per object and a column per key, so ``columns NAME`` works
    and ``property`` looks up the first key; an object is a row per key
    (``key``, ``value``); another list is a row per item; a scalar is one row.
    Strings are cells as they are, numbers, true, false and null as JSON writes
    them, nested objects and lists as compact JSON.
    """

    summary = "a JSON document: a row per object, key or item (query EXPR: JMESPath)"

    def read(self, lines: Sequence[str]) -> object:
        return read_json(lines)


class YamlParser(_Document):
    """The text is YAML, read with PyYAML's ``safe_load_all`` (the ``yaml`` extra).

    Several documents (``---``) are a list of them, the empty ones left out, so
    ``query [?kind=='Service']`` picks from a Kubernetes manifest; one document
    is itself. Keys that are not strings are their text, dates and times their
    ISO text. Then as ``parse_mode json``: ``query EXPR`` (JMESPath) and the same
    rows.
    """

    summary = "YAML documents, as parse_mode json makes rows of JSON (query EXPR: JMESPath)"

    def read(self, lines: Sequence[str]) -> object:
        return read_yaml(lines)
