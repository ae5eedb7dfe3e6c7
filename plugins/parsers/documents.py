"""Reading a block's text as one JSON or YAML document: errors located by line and
column, within the block's memory budget, the values made plain (text keys, dates as
ISO text, no lone surrogates)."""
from __future__ import annotations

import base64
import datetime
import json
import math
import re
from collections.abc import Sequence
from types import ModuleType

from tstconfig_core.api import PluginError, charge_memory
from tstconfig_plugins.parsers.jmespath_query import optional, shown

#: How many characters of a line an error quotes, around the place it names.
_QUOTED = 60
#: What holding a parsed value takes at most, by kind, in bytes, each with its pointer
#: (the memory budget's estimates; measured on CPython 3.11 with tracemalloc, rounded
#: up): a JSON scalar (its characters aside; of wider characters), a list, an object
#: with its smallest table, an empty list or object, an object's key (its slot as the
#: table grows, its string); and a YAML node while PyYAML composes it (a node, its
#: marks, its event).
_JSON_SCALAR, _JSON_WIDE, _JSON_LIST, _JSON_OBJECT, _JSON_EMPTY, _JSON_KEY = (
    64, 96, 80, 200, 80, 96)
_YAML_NODE = 800
#: A lone surrogate, and the escapes that can make one in JSON or YAML text.
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\(u|U0000)[dD][89a-fA-F]")


def _text(lines: Sequence[str]) -> str:
    """The document: the lines joined with newlines, charged to the block's memory budget
    before it is made (the only copy of the text this parser makes)."""
    size = sum(map(len, lines)) + len(lines)
    charge_memory(80 + size * _widest(lines))
    return "\n".join(lines)


def _widest(lines: Sequence[str]) -> int:
    """Bytes per character of the joined text: a string is as wide as its widest one."""
    if all(map(str.isascii, lines)):
        return 1
    top = max(ord(max(line)) for line in lines if line and not line.isascii())
    return 1 if top < 0x100 else 2 if top < 0x10000 else 4


def _where(text: str, index: int) -> tuple[int, int, str]:
    """(line, column, the line's text), each line a line of the text the parser was given
    (so a newline ends a line, as the lines were cut, whatever else YAML takes for one)."""
    start = text.rfind("\n", 0, index) + 1
    end = text.find("\n", index)
    return text.count("\n", 0, index) + 1, index - start + 1, text[start:None if end < 0 else end]


def _located(kind: str, text: str, index: int, problem: str) -> PluginError:
    line, column, content = _where(text, index)
    first = max(0, column - 1 - _QUOTED // 2)
    quoted = ("..." if first else "") + content[first:first + _QUOTED]
    return PluginError(f"invalid {kind} at line {line}, column {column} (lines counted "
                       f"after skip_header_lines): {problem}: {quoted!r}")


class ExactFloat(float):
    """A JSON number a float would round (``0.99999999999999999`` is 1.0, ``-1e-400``
    -0.0, ``1e999`` infinity): a float for queries, its text as written for a cell, so
    that assertions compare it exactly, as they compare every number."""

    text: str


#: What an ExactFloat takes beyond a float's estimate (its dict and its text).
_EXACT_COST = 320


def exact_float(text: str) -> float:
    number = float(text)
    if repr(number) == text:
        return number  # (the usual case: the float says it exactly)
    exact = ExactFloat(text)
    exact.text = text
    charge_memory(_EXACT_COST + len(text))
    return exact


def read_json(lines: Sequence[str]) -> object:
    """The JSON document of the lines; a located PluginError when it is not JSON."""
    if not any(lines):
        raise PluginError("there is no JSON document: the text is empty")
    text = _text(lines)
    charge_memory(_json_cost(text))
    try:
        document = json.loads(text, parse_float=exact_float)
    except json.JSONDecodeError as exc:
        raise _located("JSON", text, exc.pos, exc.msg) from None
    except RecursionError:
        raise PluginError("the JSON nests too deeply to be read (arrays or objects inside "
                          "each other, about a thousand levels deep)") from None
    except ValueError:  # (json.loads raises no other)
        raise PluginError("invalid JSON: a number has more digits than Python reads (4300)"
                          ) from None
    return _settled(document, True) if _SURROGATE_ESCAPE.search(text) else document


def _json_cost(text: str) -> int:
    """At most what the objects ``json.loads`` makes of ``text`` take, charged before they
    are made. Every value is the top one, or the first in its container, or follows a
    comma; so there are at most 1 + commas - empty containers scalars. An object's keys
    each come before a colon. (Commas and colons inside strings are counted too: the
    estimate errs high.) The strings' characters are at most the text's."""
    empty_lists, empty_objects = text.count("[]"), text.count("{}")
    lists, objects = text.count("[") - empty_lists, text.count("{") - empty_objects
    scalars = max(0, 1 + text.count(",") - empty_lists - empty_objects)
    narrow = text.isascii()  # (a string of wider characters has a wider header too)
    return (scalars * (_JSON_SCALAR if narrow else _JSON_WIDE) + lists * _JSON_LIST
            + objects * _JSON_OBJECT + (empty_lists + empty_objects) * _JSON_EMPTY
            + text.count(":") * _JSON_KEY + len(text) * (1 if narrow else 4))


def read_yaml(lines: Sequence[str]) -> object:
    """The YAML document of the lines, read with ``yaml.safe_load_all``: several documents
    (``---``) are a list of them, the empty ones left out; one is itself. Its values are
    made JSON's (see :func:`_settled`)."""
    yaml = optional("yaml", "parse_mode yaml")
    text = _text(lines)
    charge_memory(_yaml_cost(lines, text))
    try:
        documents = list(yaml.load_all(text, Loader=_exact_loader(yaml)))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(str(exc.problem or exc.context or "cannot be read").split())
        if mark is None:
            raise PluginError(f"invalid YAML: {problem}") from None
        raise _located("YAML", text, mark.index, problem) from None
    except yaml.reader.ReaderError as exc:
        raise _located("YAML", text, exc.position, exc.reason) from None
    except yaml.YAMLError as exc:
        raise PluginError(f"invalid YAML: {' '.join(str(exc).split())}") from None
    except RecursionError:
        raise PluginError("the YAML nests too deeply to be read (collections inside each "
                          "other, hundreds of levels deep)") from None
    except (ValueError, KeyError, AttributeError, TypeError) as exc:
        # PyYAML's constructors raise these for a value its tag does not fit
        # (2001-02-30, !!bool maybe, !!timestamp noon, 5,000 digits)
        raise PluginError(f"invalid YAML: a value cannot be read as its type or tag says "
                          f"({type(exc).__name__}: {shown(str(exc))})") from None
    if len(documents) > 1:
        documents = [d for d in documents if d is not None]
    document = documents[0] if len(documents) == 1 else documents or None
    return _settled(document, _SURROGATE_ESCAPE.search(text) is not None)


_DECIMAL = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_LOADERS: dict[int, type] = {}


def _exact_loader(yaml: ModuleType) -> type:
    """PyYAML's safe loader, but a float a Python float would round is kept as written
    (an ExactFloat), as JSON's are: the cell is compared exactly."""
    loader = _LOADERS.get(id(yaml))
    if loader is None:
        class ExactLoader(yaml.SafeLoader):  # type: ignore[name-defined,misc]
            def exact_float(self, node: object) -> float:
                number = self.construct_yaml_float(node)
                text = str(self.construct_scalar(node))
                if _DECIMAL.fullmatch(text) and repr(number) != text:
                    return exact_float(text)
                return number
        ExactLoader.add_constructor("tag:yaml.org,2002:float", ExactLoader.exact_float)
        loader = _LOADERS[id(yaml)] = ExactLoader
    return loader


def _yaml_cost(lines: Sequence[str], text: str) -> int:
    """At most what PyYAML takes to read ``text``, charged before it starts: a node is a
    word of the text, or follows a flow indicator (a key and its empty value), a colon or
    a question mark (an empty value), and each takes what composing it takes; the text
    is copied some three times on the way."""
    words = sum(map(len, map(str.split, lines)))
    flow = text.count(",") + text.count("[") + text.count("{")
    nodes = 1 + words + 2 * flow + text.count(":") + text.count("?")
    return nodes * _YAML_NODE + 3 * len(text) * (1 if text.isascii() else 4)


# -- YAML's values made JSON's -----------------------------------------------------------

def _settled(document: object, surrogates: bool) -> object:
    """``document`` with YAML's own values made JSON's, in place: keys that are not
    strings are their text, dates and times their ``str`` (ISO 8601), binary data its
    base64, sets sorted lists, ordered pairs lists; with ``surrogates``, each lone
    surrogate (half a UTF-16 pair, which only an escape such as ``\\ud800`` makes, and
    no report can write) is U+FFFD, as the sources make bytes that are not UTF-8.
    Refused when an alias is inside its own anchor (the document would be infinite).
    What its aliases repeat is charged to the memory budget: a query or a cell may
    write each repeat out."""
    document = _plain(document, surrogates)
    if not isinstance(document, (dict, list)):
        return document
    state: dict[int, int] = {}  # id -> 1 (its children under way) or its expanded size
    distinct, stack = 0, [document]
    while stack:
        node = stack[-1]
        seen = state.get(id(node))
        if seen is None:
            state[id(node)] = 1
            children = _settle_children(node, surrogates)
            distinct += 64 + 8 * len(children) + sum(_size(c) for c in children
                                                     if not isinstance(c, (dict, list)))
            for child in children:
                if isinstance(child, (dict, list)):
                    if state.get(id(child)) == 1:
                        raise PluginError("the YAML refers to itself: an alias (*name) is "
                                          "inside its own anchor (&name), so it never ends")
                    stack.append(child)
            continue
        stack.pop()
        if seen == 1:
            children = node.values() if isinstance(node, dict) else node
            state[id(node)] = 64 + 8 * len(node) + sum(
                state[id(c)] if isinstance(c, (dict, list)) else _size(c) for c in children)
    charge_memory(max(0, state[id(document)] - distinct))
    return document


def _size(value: object) -> int:
    return 64 + len(value) if isinstance(value, str) else 32


def _settle_children(node: dict | list, surrogates: bool) -> list:
    """Make ``node``'s keys and scalar items JSON's, in place; its values, in order."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            plain = _plain(item, surrogates)
            if plain is not item:
                node[i] = plain
        return node
    if not all(type(k) is str for k in node) or any(map(_needs_plain, node.values())) \
            or surrogates:
        items = [(_key(k, surrogates), _plain(v, surrogates)) for k, v in node.items()]
        node.clear()
        node.update(items)
    return list(node.values())


def _needs_plain(value: object) -> bool:
    return not isinstance(value, (str, int, float, dict, list)) and value is not None


def _key(key: object, surrogates: bool) -> str:
    text = key if isinstance(key, str) else cell(_plain(key, surrogates))
    return _SURROGATE.sub("\ufffd", text) if surrogates else text


def _plain(value: object, surrogates: bool) -> object:
    """A YAML scalar as JSON has it (see :func:`_settled`); a container as it is."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value) if surrogates else value
    if isinstance(value, (datetime.date, datetime.time)):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, tuple):  # !!omap and !!pairs: (key, value) pairs
        return list(value)
    if isinstance(value, (set, frozenset)):  # !!set
        return sorted((_plain(v, surrogates) for v in value), key=cell)
    return value


def cell(value: object) -> str:
    """A value as the text of one cell: a string as it is; a number as written;
    true, false and null as JSON writes them; an object or a list as compact JSON."""
    if isinstance(value, str):
        return value
    if value is True or value is False or value is None:
        return "true" if value is True else "false" if value is False else "null"
    try:
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            if isinstance(value, ExactFloat):
                return value.text
            return repr(value) if math.isfinite(value) else json.dumps(value)
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=False,
                          default=str)
    except ValueError:  # (past 4300 digits: Python's limit for int <-> text)
        raise PluginError("a number in the data has too many digits to be written as "
                          "text (more than 4300)") from None
    except RecursionError:
        raise PluginError("a value in the data nests too deeply to be written as text"
                          ) from None
    # (the core's estimate of the rows counts a cell's header, not its text)
    charge_memory(len(text) if text.isascii() else 4 * len(text))
    return text
