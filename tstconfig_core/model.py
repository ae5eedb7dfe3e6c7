"""The result model: the events every reporter reads, in the order they happen.

RunStarted, then per definition file FileStarted, any number of
AssertionResult / ErrorEvent / WarningEvent, FileFinished; last RunFinished.
A fleet run (API 1.6) puts each host's files between HostStarted and
HostFinished, and every event of a host carries its name in ``host`` (None
in a run of one host, as before); with ``-r drift``, a selector that no
assertion follows gives a ValueObserved.
Events are immutable records (NamedTuples: cheap to define, which start-up
time notices), compared by kind and value: ``ErrorEvent(f, 1, m) !=
WarningEvent(f, 1, m)``.
"""
from __future__ import annotations

from typing import NamedTuple


class SourceRef(NamedTuple):
    """Where a block's text came from."""

    kind: str    # the source directive: file, command, ...
    label: str   # the report label: File, Command, ...
    target: str  # its arguments, space-joined


class RunStarted(NamedTuple):
    version: str
    host: str
    start_time: float  # seconds since the epoch


class FileStarted(NamedTuple):
    path: str
    start_time: float = 0.0  # seconds since the epoch
    host: str | None = None  # (API 1.6) the fleet host the file runs on


class HostStarted(NamedTuple):
    """(API 1.6) A fleet host's files are about to run."""

    name: str        # as the target names it: web1, or the inventory's name
    address: str     # where it is reached: ssh://admin@10.0.0.5:2222, localhost
    start_time: float  # seconds since the epoch


#: The outcomes of an assertion. Only PASSED means the check held.
PASSED, FAILED, WAIVED, NOT_RUN = "passed", "failed", "waived", "not_run"
OUTCOMES = (PASSED, FAILED, WAIVED, NOT_RUN)


class AssertionResult(NamedTuple):
    file: str
    line: int
    source: SourceRef | None
    section: str | None          # None: no `section` directive in the block
    property: tuple[str, ...] | None  # None: after section_size / exit_status
    value: tuple[str, ...] | None     # None: undefined (or not run)
    keyword: str
    args: tuple[str, ...]
    #: PASSED; FAILED; WAIVED (failed, but a waiver accepts it for now); NOT_RUN
    #: (its block's source or value could not be had: ``message`` says why).
    outcome: str
    message: str                 # why it failed, or was not run
    #: Seconds since the file's previous result: the check, and the reading and
    #: parsing it needed (a source is charged to the first check that uses it).
    duration: float
    #: What chose the value: "property", "section_size", "exit_status", or "none".
    selector: str = "property"
    #: The block is ``sensitive``: ``value`` is ``("<masked>",)`` (or None when undefined).
    sensitive: bool = False
    #: Stable across edits that move lines: ``FILE::BLOCK::CHECK`` (see tstconfig_core.ids).
    id: str = ""
    #: The CHECK part of the id: the assertion's ``name``, or what it checks.
    name: str = ""
    #: The BLOCK part of the id: the block's ``name``, or its source directive
    #: (shortened). ``id == f"{file}::{block}::{name}"``.
    block: str = ""
    #: The waiver that accepts this failure (WAIVED only): its reason, owner, expiry.
    waiver: str | None = None
    #: (API 1.6) The fleet host it was checked on; None in a run of one host.
    host: str | None = None
    #: (API 1.6) The line of the selector that chose the value (the ``property``);
    #: None when none did. Several assertions on one value share it (drift does).
    selected_at: int | None = None

    @property
    def passed(self) -> bool:
        """The check held (a waived failure did not)."""
        return self.outcome == PASSED

    @property
    def subject(self) -> str:
        """What was checked, for a person: the property keys, or what gave the value."""
        if self.selector == "property":
            return " ".join(self.property or ()) or "(every row)"
        if self.selector == "section_size" and self.section:
            return f"section_size of {self.section}"
        return self.selector if self.selector != "none" else "(no value selected)"

    @property
    def title(self) -> str:
        """A readable name with its line: ``0.0.0.0:25 assert_undefined (line 31)``."""
        return f"{self.name or self.subject} (line {self.line})"


class ErrorEvent(NamedTuple):
    """An error: something a person must fix. Counted in the summary.
    ``location`` is ``FILE:LINE``, or ``FILE`` when it concerns the whole file."""

    file: str
    line: int | None
    message: str
    host: str | None = None  # (API 1.6) the fleet host; None in a run of one host


class WarningEvent(NamedTuple):
    """Worth seeing, not an error (a command's standard error). ``location`` as above."""

    file: str
    line: int | None
    message: str
    host: str | None = None  # (API 1.6) the fleet host; None in a run of one host


def _location(self: ErrorEvent | WarningEvent) -> str:
    return self.file if self.line is None else f"{self.file}:{self.line}"


ErrorEvent.location = WarningEvent.location = property(_location)  # type: ignore[attr-defined]


class FileFinished(NamedTuple):
    path: str
    duration: float = 0.0
    host: str | None = None  # (API 1.6)


class Summary:
    """Counts of the run so far; the only mutable record, kept by the run.

    ``tested`` counts the assertions that ran: passed, failed and waived.
    """

    __slots__ = ("tested", "passed", "failed", "waived", "not_run", "errors", "warnings")

    def __init__(self) -> None:
        self.tested = self.passed = self.failed = self.waived = self.not_run = 0
        self.errors = self.warnings = 0

    @property
    def ok(self) -> bool:
        return not (self.failed or self.errors)

    @property
    def exit_status(self) -> int:
        """0 all passed; 1 assertions failed; 2 any error."""
        return 2 if self.errors else (1 if self.failed else 0)

    def count(self, event: Event) -> None:
        if isinstance(event, AssertionResult):
            outcome = event.outcome
            if outcome == NOT_RUN:
                self.not_run += 1
                return
            self.tested += 1
            if outcome == PASSED:
                self.passed += 1
            elif outcome == WAIVED:
                self.waived += 1
            else:
                self.failed += 1
        elif isinstance(event, ErrorEvent):
            self.errors += 1
        elif isinstance(event, WarningEvent):
            self.warnings += 1


class HostFinished(NamedTuple):
    """(API 1.6) A fleet host is done: its own counts, and why it could not be checked."""

    name: str
    summary: Summary
    duration: float
    #: The host could not be checked (unreachable, a refused key, a timeout): why. Its
    #: assertions are then reported not run, and the run's exit status is at least 2.
    error: str | None = None


class ValueObserved(NamedTuple):
    """(API 1.6, with ``-r drift``) The value a selector took where no assertion follows
    it (``property PermitRootLogin`` alone), so drift between hosts shows it too."""

    file: str
    line: int
    block: str                   # the BLOCK part of ids
    section: str | None
    subject: str                 # what was selected, as AssertionResult.subject says
    value: tuple[str, ...] | None  # None: undefined, or no value could be had
    sensitive: bool = False      # value is then ("<masked>",)
    host: str | None = None


class RunFinished(NamedTuple):
    summary: Summary
    duration: float
    interrupted: bool = False  # Ctrl-C or SIGTERM: the results are incomplete
    #: Why the run stopped before its end, for people: "interrupted", or
    #: "stopped at the first failure (--exitfirst)"; None when it ran to the end.
    stopped: str | None = None


Event = (RunStarted | FileStarted | AssertionResult | ErrorEvent | WarningEvent
         | FileFinished | RunFinished | HostStarted | HostFinished | ValueObserved)


def _same(self: tuple, other: object) -> bool:
    return type(self) is type(other) and tuple.__eq__(self, other)  # type: ignore[arg-type]


def _different(self: tuple, other: object) -> bool:
    return not _same(self, other)


def _hash(self: tuple) -> int:
    return hash((type(self).__name__, *self))


# Events are compared by kind and value: an error is never equal to a warning that has
# the same fields (as two NamedTuples of equal fields would be).
for _kind in (SourceRef, RunStarted, FileStarted, AssertionResult, ErrorEvent, WarningEvent,
              FileFinished, RunFinished, HostStarted, HostFinished, ValueObserved):
    _kind.__eq__, _kind.__ne__, _kind.__hash__ = _same, _different, _hash  # type: ignore

