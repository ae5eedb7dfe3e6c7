"""Waivers: known failures accepted for a while, with a reason (``--waivers FILE``).

The file is TOML (read with the standard library's ``tomllib``, or ``tomli``
before Python 3.11), an array of ``[[waiver]]`` tables::

    [[waiver]]
    id = "sshd.tstconfig::file /etc/ssh/sshd_config::PermitRootLogin assert_eq no"
    reason = "the jump host needs root logins until OPS-1234 is done"
    owner = "ops-team"          # optional
    expires = 2027-03-31        # optional; a TOML date, or "2027-03-31"

    [[waiver]]
    pattern = "legacy.tstconfig::*"   # a glob over ids, instead of one id
    reason = "legacy hosts are being retired"

``id`` is one check's stable id, compared exactly: ids hold ``[``, ``*`` and
``?`` of their own (``[Session]``, ``assert_eq https://*``), so an id copied
from ``--list-ids`` must never be read as a pattern that waives other checks.
``pattern`` is a glob (``*`` ``?`` ``[...]``; ``[[]`` for a literal ``[``).
An exact id wins over a pattern, else the first pattern in the file. A waiver
applies through its ``expires`` day (the local date), then no longer does, and
the run says so. It accepts failures only: a waived failure is reported as
waived (skipped) with its reason and does not fail the run; a check that
passes stays passed.
"""
from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from fnmatch import fnmatchcase
from typing import NamedTuple

from tstconfig_core.model import FAILED, WAIVED, AssertionResult, WarningEvent

_FIELDS = {"id", "pattern", "reason", "owner", "expires"}
_TABLE = re.compile(r"^[ \t]*\[\[[ \t]*waiver[ \t]*\]\]", re.MULTILINE)
#: Most bytes a waivers file may have (a FIFO or /dev/zero must not fill memory).
MAX_SIZE = 16 * 1024 * 1024


class WaiverError(Exception):
    """The waivers file cannot be used; the message is ``FILE[:LINE]: what is wrong``."""


class Waiver(NamedTuple):
    id: str           # an id, or a glob when ``glob``
    glob: bool
    reason: str
    owner: str | None
    expires: datetime.date | None
    line: int | None  # of its [[waiver]] header, for messages (None: not known)

    @property
    def shown(self) -> str:
        return f"{'pattern' if self.glob else 'id'} {self.id!r}"

    @property
    def text(self) -> str:
        """What reports show: ``reason (owner: x, until 2027-03-31)``."""
        extra = [f"owner: {self.owner}"] if self.owner else []
        if self.expires is not None:
            extra.append(f"until {self.expires.isoformat()}")
        return f"{self.reason} ({', '.join(extra)})" if extra else self.reason


def _date(value: object, where: str) -> datetime.date | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise WaiverError(f"{where}: expires must be a date like 2027-03-31, not {value!r}")


def _text(raw: dict, key: str, where: str) -> str:
    if not isinstance(raw.get(key), str) or not raw[key].strip():
        raise WaiverError(f"{where}: {key} must be a text, not {raw.get(key)!r}")
    return raw[key]


def _entry(raw: object, where: str, line: int | None) -> Waiver:
    if not isinstance(raw, dict):
        raise WaiverError(f"{where}: a waiver is a [[waiver]] table")
    unknown = sorted(set(raw) - _FIELDS)
    if unknown:
        raise WaiverError(f"{where}: unknown key(s) {', '.join(unknown)}; a waiver has "
                          f"{', '.join(sorted(_FIELDS))}")
    if ("id" in raw) == ("pattern" in raw):
        raise WaiverError(f"{where}: a waiver needs id = \"...\" (one check's id) or "
                          "pattern = \"...\" (a glob over ids), not both")
    glob = "pattern" in raw
    match = _text(raw, "pattern" if glob else "id", where)
    if "reason" not in raw:
        raise WaiverError(f"{where}: a waiver needs reason = \"...\": why the failure is "
                          "accepted")
    owner = raw.get("owner")
    if owner is not None:
        owner = _text(raw, "owner", where)
    return Waiver(match, glob, _text(raw, "reason", where).strip(), owner,
                  _date(raw.get("expires"), where), line)


def load(path: str) -> Waivers:
    """The waivers of a TOML file; raises WaiverError with the file and line."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    from tstconfig_core.limits import TooLarge, read_bounded, shown_size
    try:
        data = read_bounded(path, MAX_SIZE)
    except OSError as exc:
        raise WaiverError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    except TooLarge:
        raise WaiverError(f"{path}: larger than {shown_size(MAX_SIZE)}; is it a waivers "
                          "file?") from None
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise WaiverError(f"{path}: not valid TOML: {exc}") from None
    other = sorted(set(doc) - {"waiver"})
    if other:
        raise WaiverError(f"{path}: unknown key(s) {', '.join(other)}; the file holds "
                          "[[waiver]] tables only")
    entries = doc.get("waiver", [])
    if not isinstance(entries, list):
        raise WaiverError(f"{path}: 'waiver' must be an array of tables: write [[waiver]]")
    lines = _header_lines(text)
    if len(lines) != len(entries):  # (an inline array, or "[[waiver]]" inside a string)
        lines = [None] * len(entries)
    waivers = []
    for number, (raw, line) in enumerate(zip(entries, lines), start=1):
        where = f"{path}:{line}" if line is not None else f"{path}: waiver {number}"
        waivers.append(_entry(raw, where, line))
    return Waivers(path, waivers)


def _header_lines(text: str) -> list[int | None]:
    """The line of each ``[[waiver]]`` header, in one pass over the text."""
    found: list[int | None] = []
    line, counted = 1, 0
    for match in _TABLE.finditer(text):
        line += text.count("\n", counted, match.start())
        counted = match.start()
        found.append(line)
    return found


class Waivers:
    """The waivers in force for one run: which failure each accepts, and which went unused."""

    def __init__(self, path: str, waivers: Iterable[Waiver],
                 today: datetime.date | None = None) -> None:
        self.path = path
        self.today = today or datetime.date.today()
        self._all = list(waivers)
        self._exact: dict[str, int] = {}  # id -> index of its first waiver
        self._globs: list[int] = []
        for index, waiver in enumerate(self._all):
            if waiver.glob:
                self._globs.append(index)
            else:
                self._exact.setdefault(waiver.id, index)
        self._used: set[int] = set()  # the waivers that matched a check

    def _match(self, check_id: str) -> int | None:
        found = self._exact.get(check_id)
        if found is not None:
            return found
        return next((i for i in self._globs if fnmatchcase(check_id, self._all[i].id)), None)

    def expired(self, waiver: Waiver) -> bool:
        return waiver.expires is not None and waiver.expires < self.today

    def apply(self, result: AssertionResult) -> AssertionResult:
        """The result, waived when a waiver in force accepts its failure."""
        index = self._match(result.id)
        if index is None:
            return result
        self._used.add(index)
        waiver = self._all[index]
        if result.outcome != FAILED:
            return result
        if self.expired(waiver):
            assert waiver.expires is not None
            return result._replace(message=f"{result.message} (its waiver, {waiver.shown} in "
                                           f"{self.path}, expired on "
                                           f"{waiver.expires.isoformat()})")
        return result._replace(outcome=WAIVED, waiver=waiver.text)

    def warnings(self, unused: bool = True) -> list[WarningEvent]:
        """Waivers that expired, and (``unused``) waivers that matched no check of the run."""
        found = []
        for index, waiver in enumerate(self._all):
            if self.expired(waiver):
                assert waiver.expires is not None
                found.append(WarningEvent(self.path, waiver.line, (
                    f"the waiver of {waiver.shown} expired on {waiver.expires.isoformat()} "
                    "and no longer applies; renew or remove it")))
            elif unused and index not in self._used:
                found.append(WarningEvent(self.path, waiver.line, (
                    f"the waiver of {waiver.shown} matches no check of this run; is it "
                    "right? (tstconfig --list-ids FILE lists the ids)")))
        return found
