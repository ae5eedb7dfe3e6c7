"""What a person at a terminal sees besides the report: colour, and a progress line.

Neither ever reaches a report file or a pipe: colour is decided per stream,
and the progress line is drawn on standard error only when it is a terminal,
only once a run has gone on for a while, and is wiped before the report
writes to the same screen.
"""
from __future__ import annotations

import os
import time
from typing import TextIO

from tstconfig_core.model import (FAILED, AssertionResult, ErrorEvent, Event, FileStarted,
                                  RunFinished)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or closed
        return False


def wants_color(choice: str, stream: TextIO) -> bool:
    """``--color always|never`` decide; with ``auto``, ``NO_COLOR`` (any value) says no,
    ``FORCE_COLOR`` (any value but 0 or false) says yes, else: a terminal that is not dumb."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR", "").lower() not in ("", "0", "false"):
        return True
    return _is_terminal(stream) and os.environ.get("TERM") != "dumb"


class Progress:
    """``[3/10] checks/sshd.tstconfig · 412 checks, 2 failed, 0 errors`` on standard error.

    An observer of the run's events: it draws nothing for the first second
    (short runs stay as they were), then at most ten times a second.
    """

    DELAY = 1.0
    INTERVAL = 0.1

    def __init__(self, stream: TextIO, files: int) -> None:
        self.stream = stream
        self.files = files
        self.file_number = 0
        self.file = ""
        self.checks = self.failed = self.errors = 0
        self.started = time.monotonic()
        self.drawn_at = 0.0
        self.drawn = False

    @classmethod
    def wanted(cls, stream: TextIO) -> bool:
        return _is_terminal(stream) and os.environ.get("TERM") != "dumb"

    def __call__(self, event: Event) -> None:
        if isinstance(event, AssertionResult):
            self.checks += 1
            self.failed += event.outcome == FAILED
        elif isinstance(event, ErrorEvent):
            self.errors += 1
        elif isinstance(event, FileStarted):
            self.file_number += 1
            self.file = event.path
        elif isinstance(event, RunFinished):
            self.clear()
            return
        now = time.monotonic()
        if now - self.started >= self.DELAY and now - self.drawn_at >= self.INTERVAL:
            self._draw(now)

    def _draw(self, now: float) -> None:
        from tstconfig_core.render import printable
        name = printable(self.file)
        if len(name) > 40:
            name = "…" + name[-39:]
        line = (f"[{self.file_number}/{self.files}] {name} · {self.checks} checks, "
                f"{self.failed} failed, {self.errors} errors")
        try:
            self.stream.write(f"\r\x1b[K{line}")
            self.stream.flush()
        except (OSError, ValueError):
            return
        self.drawn, self.drawn_at = True, now

    def clear(self) -> None:
        """Wipe the line, so that what is written next starts on a clean one."""
        if self.drawn:
            self.drawn = False
            try:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
            except (OSError, ValueError):
                pass


class ClearingStream:
    """A report stream on the same screen as the progress line: wipes it before writing."""

    def __init__(self, stream: TextIO, progress: Progress) -> None:
        self._stream = stream
        self._progress = progress

    def write(self, text: str) -> int:
        self._progress.clear()
        return self._stream.write(text)

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)
