"""The result model: the events every reporter reads, in the order they happen.

RunStarted, then per definition file FileStarted, any number of
AssertionResult / ErrorEvent / WarningEvent, FileFinished; last RunFinished.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SourceRef:
    """Where a block's text came from."""

    kind: str    # the source directive: file, command, ...
    label: str   # the report label: File, Command, ...
    target: str  # its arguments, space-joined


@dataclass(frozen=True)
class RunStarted:
    version: str
    host: str
    start_time: float  # seconds since the epoch


@dataclass(frozen=True)
class FileStarted:
    path: str
    start_time: float = 0.0  # seconds since the epoch


@dataclass(frozen=True)
class AssertionResult:
    file: str
    line: int
    source: SourceRef | None
    section: str | None          # None: no `section` directive in the block
    property: tuple[str, ...] | None  # None: after section_size / exit_status
    value: tuple[str, ...] | None     # None: undefined
    keyword: str
    args: tuple[str, ...]
    passed: bool
    message: str
    duration: float
    #: What chose the value: "property", "section_size", "exit_status", or "none".
    selector: str = "property"
    #: The block is ``sensitive``: ``value`` is ``("<masked>",)`` (or None when undefined).
    sensitive: bool = False

    @property
    def outcome(self) -> str:
        return "passed" if self.passed else "failed"

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
        """A readable name: ``0.0.0.0:25 assert_undefined (line 31)``."""
        return f"{self.subject} {' '.join((self.keyword, *self.args))} (line {self.line})"


@dataclass(frozen=True)
class ErrorEvent:
    """An error: something a person must fix. Counted in the summary."""

    file: str
    line: int | None
    message: str

    @property
    def location(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"


@dataclass(frozen=True)
class WarningEvent:
    """Worth seeing, not an error (a command's standard error)."""

    file: str
    line: int | None
    message: str

    @property
    def location(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"


@dataclass(frozen=True)
class FileFinished:
    path: str
    duration: float = 0.0


@dataclass
class Summary:
    tested: int = 0
    passed: int = 0
    failed: int = 0
    errors: int = 0
    warnings: int = 0

    @property
    def ok(self) -> bool:
        return not (self.failed or self.errors)

    @property
    def exit_status(self) -> int:
        """0 all passed; 1 assertions failed; 2 any error."""
        return 2 if self.errors else (1 if self.failed else 0)

    def count(self, event: Event) -> None:
        if isinstance(event, AssertionResult):
            self.tested += 1
            if event.passed:
                self.passed += 1
            else:
                self.failed += 1
        elif isinstance(event, ErrorEvent):
            self.errors += 1
        elif isinstance(event, WarningEvent):
            self.warnings += 1


@dataclass(frozen=True)
class RunFinished:
    summary: Summary
    duration: float
    interrupted: bool = False
    extra: dict[str, object] = field(default_factory=dict)


Event = (RunStarted | FileStarted | AssertionResult | ErrorEvent | WarningEvent
         | FileFinished | RunFinished)
