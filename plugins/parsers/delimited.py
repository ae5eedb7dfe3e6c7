"""``parse_mode csv``: comma-separated values, with the csv module's dialects."""
from __future__ import annotations

import csv
from collections.abc import Sequence

from tstconfig_core.api import (LineParser, OptionError, Parsed, ParseOptions, PluginError,
                                Prepared, Row, bool_option, rows_in_chunks, unescape_java)

_SNIFF = "sniff"


def _dialect_name(args: Sequence[str]) -> str:
    name = " ".join(args)
    known = sorted(csv.list_dialects())
    if name != _SNIFF and name not in known:
        raise OptionError(f"unknown dialect {name!r}; known: {', '.join(known)}, {_SNIFF}")
    return name


def _delimiter(args: Sequence[str]) -> str:
    text = unescape_java(" ".join(args)) if args != ("",) else ""
    if len(text) != 1:
        raise OptionError(f"a delimiter is one character, not {text!r}")
    return text


class CsvParser(LineParser):
    """Each line is one CSV record, read with Python's csv module.

    ``csv_dialect`` picks a dialect (``excel``, the default; ``excel-tab``;
    ``unix``; or ``sniff`` to detect it from the first lines),
    ``csv_delimiter`` overrides its delimiter, and ``csv_header true`` makes
    the first row the column names. A quoted field cannot span lines.
    """

    summary = "comma-separated values (csv_dialect, csv_delimiter, csv_header)"
    takes: frozenset[str] = frozenset()
    options = {"csv_dialect": _dialect_name, "csv_delimiter": _delimiter,
               "csv_header": bool_option}

    def parse(self, lines: Sequence[str], options: ParseOptions) -> Parsed:
        """Many lines at once when there are no sections: a chunk of lines is one
        csv.reader's, unless a record ran on past its line there (fewer rows than lines)
        or one is an error: then that chunk is read a line at a time, as ever."""
        if options.has_sections():
            return super().parse(lines, options)
        dialect, fmt = self._dialect(lines, options)
        prepared = self._prepared(lines, options, dialect, fmt)
        row_of = prepared.row_of
        assert row_of is not None

        def make(chunk: list[str]) -> list[Row]:
            try:
                rows = list(csv.reader(chunk, dialect, **fmt))  # type: ignore[arg-type]
                if len(rows) == len(chunk):  # (a record spanning lines makes fewer)
                    return rows
            except csv.Error:
                pass  # (the record at fault is found a line at a time, below)
            return [row_of(line) for line in chunk]

        return Parsed(rows_in_chunks(lines, make, start=prepared.header_lines,
                                     most=lambda line: self._most_tokens(line, options)),
                      column_names=prepared.column_names, options=prepared.options)

    def _dialect(self, lines: Sequence[str], options: ParseOptions
                 ) -> tuple[object, dict[str, object]]:
        """The dialect (a name, or a sniffed one) and the format options over it."""
        extra = options.extra
        name = extra.get("csv_dialect", "excel")
        fmt: dict[str, object] = {}
        if name == _SNIFF:
            try:
                dialect: object = csv.Sniffer().sniff("\n".join(lines[:20]))
            except csv.Error:
                raise PluginError("csv_dialect sniff: cannot tell the dialect from the "
                                  "first lines; name one, or set csv_delimiter") from None
        else:
            dialect = name
        if "csv_delimiter" in extra:
            fmt["delimiter"] = extra["csv_delimiter"]
        return dialect, fmt

    def prepare(self, lines: Sequence[str], options: ParseOptions) -> Prepared:
        return self._prepared(lines, options, *self._dialect(lines, options))

    def _prepared(self, lines: Sequence[str], options: ParseOptions, dialect: object,
                  fmt: dict[str, object]) -> Prepared:
        extra = options.extra

        def row_of(line: str) -> Row:
            return _record(line, dialect, fmt)

        if extra.get("csv_header") and lines:
            return Prepared(options=options, column_names=tuple(row_of(lines[0])),
                            header_lines=1, row_of=row_of)
        return Prepared(options=options, row_of=row_of)

    def parse_line(self, line: str, options: ParseOptions) -> Row:
        """One record in the ``excel`` dialect (a parse uses prepare's reader instead)."""
        return _record(line, "excel", {})

    def _most_tokens(self, line: str, options: ParseOptions) -> int:
        """At most how many fields ``line`` makes: one more than its delimiters (before a
        very long line's row is made); a sniffed dialect's is not known here, so one
        more than its characters."""
        extra = options.extra
        delimiter = extra.get("csv_delimiter")
        name = extra.get("csv_dialect", "excel")
        if delimiter is None and name != _SNIFF:
            delimiter = csv.get_dialect(name).delimiter
        return line.count(delimiter) + 1 if delimiter else len(line) + 1


def _record(line: str, dialect: object, fmt: dict[str, object]) -> Row:
    try:
        return next(csv.reader([line], dialect, **fmt), [])
    except csv.Error as exc:
        raise PluginError(f"bad CSV record {line[:60]!r}: {exc}") from None
