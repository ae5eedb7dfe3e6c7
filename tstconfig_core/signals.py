"""Signals that stop a run: SIGTERM and SIGHUP as Ctrl-C does, and none lost while
the reports of a finished run are written."""
from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator

#: Signals that stop a run as Ctrl-C does: commands killed, reports written, 128 + N.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class Stopped(BaseException):
    """SIGTERM or SIGHUP arrived: stop like Ctrl-C, exit 128 + the signal's number."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _stop(signum: int, _frame: object) -> None:
    raise Stopped(signum)


@contextlib.contextmanager
def stop_signals() -> Iterator[None]:
    """In this block SIGTERM and SIGHUP raise Stopped (Ctrl-C raises KeyboardInterrupt)."""
    previous = {s: signal.signal(s, _stop) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@contextlib.contextmanager
def signals_deferred() -> Iterator[list[int]]:
    """In this block a first SIGINT, SIGTERM or SIGHUP is noted, not acted on: reports
    being written are finished rather than lost half-way (the run is over by then). A
    second one stops as usual (a report blocked on a pipe nobody reads)."""
    caught: list[int] = []

    def note(signum: int, _frame: object) -> None:
        if caught:
            if signum == signal.SIGINT:
                raise KeyboardInterrupt
            raise Stopped(signum)
        caught.append(signum)

    previous = {s: signal.signal(s, note) for s in (signal.SIGINT, *STOP_SIGNALS)}
    try:
        yield caught
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
