"""Standard output belongs to the reports.

Plugin code (an import, a source, a check) may print: argparse does, a stray
debugging ``print`` does, a program started with ``os.system`` does. On a
report written to standard output (``-r json``) that would corrupt it. So while
plugin code may run, file descriptor 1 and ``sys.stdout`` lead to standard
error, and the reports get a stream of their own to what was standard output.
"""
from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import TextIO


@contextlib.contextmanager
def stdout_for_reports() -> Iterator[TextIO]:
    """Within: what anything prints goes to standard error; yields the stream that
    leads to the real standard output, for the reports."""
    real = sys.stdout
    try:
        fd = real.fileno()
        err = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # not a file (click's test runner)
        sys.stdout = sys.stderr
        try:
            yield real
        finally:
            sys.stdout = real
        return
    real.flush()
    saved = os.dup(fd)
    report = open(saved, "w", encoding=real.encoding, errors=real.errors,  # noqa: SIM115
                  buffering=1 if real.line_buffering else -1, closefd=True)
    os.dup2(err, fd)
    sys.stdout = sys.stderr
    try:
        yield report
    finally:
        with contextlib.suppress(OSError, ValueError):
            report.flush()
        sys.stdout = real
        os.dup2(saved, fd)
        with contextlib.suppress(OSError):
            report.close()


@contextlib.contextmanager
def prints_to_stderr() -> Iterator[None]:
    """Within: ``print`` and anything else writing to ``sys.stdout`` go to standard error.

    For running definitions: a report on standard output holds the stream that was
    ``sys.stdout`` before, so it is not touched. (A plugin that writes to file
    descriptor 1 itself is not redirected; programs run by the host get pipes.)
    """
    real = sys.stdout
    sys.stdout = sys.stderr
    try:
        yield
    finally:
        sys.stdout = real
