"""Signals that stop a run: SIGTERM and SIGHUP as Ctrl-C does, and none lost while
the reports of a finished run are written.

One handler serves SIGINT, SIGTERM and SIGHUP from before the reports are opened to
the exit status (:func:`run_signals`), so there is no moment when a signal kills the
process with the default action (its reports lost, temporary files left behind) or
is noted and then forgotten. While the checks run, a signal stops them where they are
(KeyboardInterrupt for SIGINT, :class:`Stopped` for the others), except while a
reporter takes an event: there it waits until the reporter is done, so no report is
left half-updated (JUnit's counts ahead of its cases). Once the checks are over, or
stopped, a first signal is noted and the reports are finished; a second stops them
(a report blocked on a pipe nobody reads). A noted signal still makes the exit status
128 + N.
"""
from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

#: Signals that stop a run as Ctrl-C does: commands killed, reports written, 128 + N.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class RunStop(BaseException):
    """Stops a run on purpose (a signal, --exitfirst): passes through every guard that
    turns what plugin code raises into an error, as KeyboardInterrupt does."""


#: What no guard around plugin code may catch.
PASS_THROUGH = (KeyboardInterrupt, RunStop)


class Stopped(RunStop):
    """SIGTERM or SIGHUP arrived: stop like Ctrl-C, exit 128 + the signal's number."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


#: The signals a run handles: Ctrl-C and the STOP_SIGNALS.
HANDLED = (signal.SIGINT, *STOP_SIGNALS)


class Signals:
    """How one run takes SIGINT, SIGTERM and SIGHUP (see the module's docstring).

    ``sheltered`` is set while reporters take an event (by the run, at no cost per
    event beyond two assignments); ``finishing`` once the checks are over or stopped.
    """

    __slots__ = ("sheltered", "finishing", "pending", "noted")

    def __init__(self) -> None:
        self.sheltered = False
        self.finishing = False
        self.pending: int | None = None  # came while sheltered: raised when it ends
        self.noted: list[int] = []       # came while finishing: the exit status says so

    def handle(self, signum: int, _frame: object) -> None:
        if self.finishing:
            if not self.noted:
                self.noted.append(signum)
                return
        elif self.sheltered and self.pending is None:
            self.pending = signum
            return
        raise self.stop(signum)

    def stop(self, signum: int) -> BaseException:
        """What stops the run where it is (KeyboardInterrupt for SIGINT, as Python's own
        handler raises); from here on the reports are being finished."""
        self.finishing = True
        return KeyboardInterrupt() if signum == signal.SIGINT else Stopped(signum)

    def raise_pending(self) -> None:
        """Act on a signal that came while a reporter was busy (call when it is done)."""
        signum, self.pending = self.pending, None
        if signum is not None:
            raise self.stop(signum)

    def exit_status(self, status: int) -> int:
        """``status``, or 128 + N when a signal came once the checks were over (the
        reports are complete; the caller must still learn that it was asked to stop)."""
        if self.noted and status < 128:
            return 128 + self.noted[0]
        return status


_current: Signals | None = None


@contextlib.contextmanager
def run_signals() -> Iterator[Signals]:
    """The run's Signals, its handler installed for this block; an inner block (the
    run inside the command line's) shares the outer one, so that nothing is restored
    between the two. Outside the main thread nothing is installed."""
    global _current
    if _current is not None:
        yield _current
        return
    signals = Signals()
    if threading.current_thread() is not threading.main_thread():
        yield signals
        return
    previous = {s: signal.signal(s, signals.handle) for s in HANDLED}
    _current = signals
    try:
        yield signals
    finally:
        _current = None
        for number, handler in previous.items():
            signal.signal(number, handler)
