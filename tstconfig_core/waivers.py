"""Waivers: known failures accepted for a while, with a reason (``--waivers FILE``).

The file is TOML (read with the standard library's ``tomllib``, or ``tomli``
before Python 3.11), an array of ``[[waiver]]`` tables::

    [[waiver]]
    id = "sshd.tstconfig::file /etc/ssh/sshd_config::PermitRootLogin assert_eq no"
    reason = "the jump host needs root logins until OPS-1234 is done"
    owner = "ops-team"          # optional
    expires = 2027-03-31        # optional; a TOML date, or "2027-03-31"

``id`` is a check's stable id, or a glob over ids (``*`` ``?`` ``[...]``); an
exact id wins over a glob, else the first glob in the file. A waiver applies
through its ``expires`` day (the local date), then no longer does, and the run
says so. It accepts failures only: a waived failure is reported as waived
(skipped) with its reason and does not fail the run; a check that passes
stays passed.
"""
from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from fnmatch import fnmatchcase
from typing import NamedTuple

from tstconfig_core.model import FAILED, WAIVED, AssertionResult, WarningEvent

_FIELDS = {"id", "reason", "owner", "expires"}
_TABLE = re.compile(r"^[ \t]*\[\[[ \t]*waiver[ \t]*\]\]", re.MULTILINE)
_GLOB = re.compile(r"[*?\[]")


class WaiverError(Exception):
    """The waivers file cannot be used; the message is ``FILE[:LINE]: what is wrong``."""


class Waiver(NamedTuple):
    id: str
    reason: str
    owner: str | None
    expires: datetime.date | None
    line: int  # of its [[waiver]] header, for messages

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


def _entry(raw: object, where: str, line: int) -> Waiver:
    if not isinstance(raw, dict):
        raise WaiverError(f"{where}: a waiver is a [[waiver]] table")
    unknown = sorted(set(raw) - _FIELDS)
    if unknown:
        raise WaiverError(f"{where}: unknown key(s) {', '.join(unknown)}; a waiver has "
                          f"{', '.join(sorted(_FIELDS))}")
    for key in ("id", "reason"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise WaiverError(f"{where}: a waiver needs {key} = \"...\" (a text)")
    owner = raw.get("owner")
    if owner is not None and not isinstance(owner, str):
        raise WaiverError(f"{where}: owner must be a text")
    return Waiver(raw["id"], raw["reason"].strip(), owner, _date(raw.get("expires"), where),
                  line)


def load(path: str) -> Waivers:
    """The waivers of a TOML file; raises WaiverError with the file and line."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise WaiverError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    text = data.decode("utf-8", errors="replace")
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
    lines = [text.count("\n", 0, m.start()) + 1 for m in _TABLE.finditer(text)]
    waivers = []
    for number, raw in enumerate(entries):
        line = lines[number] if number < len(lines) else 1
        waivers.append(_entry(raw, f"{path}:{line}", line))
    return Waivers(path, waivers)


class Waivers:
    """The waivers in force for one run: which failure each accepts, and which went unused."""

    def __init__(self, path: str, waivers: Iterable[Waiver],
                 today: datetime.date | None = None) -> None:
        self.path = path
        self.today = today or datetime.date.today()
        self._all = list(waivers)
        self._exact: dict[str, Waiver] = {}
        self._globs: list[Waiver] = []
        for waiver in self._all:
            if _GLOB.search(waiver.id):
                self._globs.append(waiver)
            else:
                self._exact.setdefault(waiver.id, waiver)
        self._used: set[int] = set()  # lines of the waivers that matched a check

    def _match(self, check_id: str) -> Waiver | None:
        found = self._exact.get(check_id)
        if found is not None:
            return found
        return next((w for w in self._globs if fnmatchcase(check_id, w.id)), None)

    def expired(self, waiver: Waiver) -> bool:
        return waiver.expires is not None and waiver.expires < self.today

    def apply(self, result: AssertionResult) -> AssertionResult:
        """The result, waived when a waiver in force accepts its failure."""
        waiver = self._match(result.id)
        if waiver is None:
            return result
        self._used.add(waiver.line)
        if result.outcome != FAILED:
            return result
        if self.expired(waiver):
            assert waiver.expires is not None
            return result._replace(message=f"{result.message} (the waiver at {self.path}:"
                                           f"{waiver.line} expired on "
                                           f"{waiver.expires.isoformat()})")
        return result._replace(outcome=WAIVED, waiver=waiver.text)

    def warnings(self) -> list[WarningEvent]:
        """Waivers that expired, and waivers that matched no check of the run."""
        found = []
        for waiver in self._all:
            if self.expired(waiver):
                assert waiver.expires is not None
                found.append(WarningEvent(self.path, waiver.line, (
                    f"the waiver of {waiver.id!r} expired on {waiver.expires.isoformat()} and "
                    "no longer applies; renew or remove it")))
            elif waiver.line not in self._used:
                found.append(WarningEvent(self.path, waiver.line, (
                    f"the waiver of {waiver.id!r} matches no check of this run; is the id "
                    "right? (tstconfig --list-ids FILE lists them)")))
        return found
