"""Column names: a ``columns`` or ``where`` that names its columns, resolved against the
names the parse gave them (a table's header, CSV's, a regex's named groups), else those
the source gave them (``SourceData.column_names``)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from tstconfig_core.definition import Directive
from tstconfig_core.engine.boundary import MASK, BlockBroken

if TYPE_CHECKING:
    from tstconfig_core.engine.block import Block


def resolve_columns(block: Block, current: Directive | None) -> None:
    """Map the pending ``columns`` names to numbers; a name not found breaks the block."""
    d, block.pending_columns = block.pending_columns, None
    assert d is not None and block.parsed is not None
    names = column_names(block)
    columns = []
    for arg in d.args:
        number = column_number(arg, names)
        if number is None:
            error = block.fail(unknown_column(arg, names, block.sensitive))
            if d is current:
                raise error
            block.report(d, str(error))  # found while running a later directive
            raise BlockBroken()
        columns.append(number)
    block.columns = tuple(columns)


def column_names(block: Block) -> tuple[str, ...]:
    """The names of the block's raw columns: the parse's own, else the source's (API 1.7;
    kept when the lines are let go, ``data._replace(lines=())``)."""
    if block.parsed is not None and block.parsed.column_names:
        return tuple(block.parsed.column_names)
    return tuple(block.data.column_names) if block.data is not None else ()


def column_number(arg: str, names: tuple[str, ...]) -> int | None:
    """A column by number (ASCII digits) or by name; None when neither."""
    if arg.isascii() and arg.isdigit():
        return int(arg)
    return names.index(arg) if arg in names else None


def unknown_column(name: str, names: tuple[str, ...], sensitive: bool,
                   keyword: str = "columns") -> str:
    if sensitive and names:  # the names are the data's (a header line)
        return (f"{keyword}: no column is named {name!r} (the names are {MASK}: the block "
                "is sensitive)")
    if not names:
        return (f"{keyword}: {name!r} is not a column number, and this block's columns "
                "have no names (parse_mode table, csv with csv_header, regex "
                "with named groups, or a source that names them give them names)")
    known = ", ".join(repr(n) for n in names)
    joined = next((n for n in names if f" {name} " in f" {n} " and n != name), None)
    if joined is None:
        return f"{keyword}: no column is named {name!r}; the columns are {known}"
    return (f"{keyword}: no column is named {name!r}; the columns are {known}. "
            f"{joined!r} is one heading here: two headings one blank apart over empty "
            "columns cannot be told from one heading with a space; if they are two "
            "columns, give positions to cut them")
