"""One run: definition files in, events out to every reporter, an exit status back."""
from __future__ import annotations

import errno
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from tstconfig_core import __version__
from tstconfig_core.api import Reporter
from tstconfig_core.definition import STDIN_NAME, decode
from tstconfig_core.engine.context import Context, RunSettings
from tstconfig_core.engine.interpreter import Interpreter
from tstconfig_core.limits import TooLarge, read_bounded
from tstconfig_core.model import (FAILED, AssertionResult, ErrorEvent, Event, RunFinished,
                                  RunStarted, Summary, WarningEvent)
from tstconfig_core.render import MAX_SHOWN, cut, cut_value
from tstconfig_core.reporting import GuardedReporter
from tstconfig_core.signals import RunStop, Signals, Stopped, run_signals

if TYPE_CHECKING:
    from tstconfig_core.engine.block import Block
    from tstconfig_core.loading.registry import PluginRegistry
    from tstconfig_core.waivers import Waivers

DEFINITION_SUFFIX = ".tstconfig"
#: Most bytes a definition file may have (/dev/zero must not fill memory).
MAX_DEFINITION = 64 * 1024 * 1024


class _FirstFailure(RunStop):
    """--exitfirst: a failure or an error was reported; nothing more runs."""


def shown_path(path: str) -> str:
    """A path as reports show it: bytes that are not UTF-8 as ``\\xff``, never an
    unencodable character that would lose the report."""
    try:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return path.encode("utf-8", "backslashreplace").decode("utf-8")


class Found(str):
    """A definition file that a folder scan found, not one the person named: it is read
    only if it is a regular file (a FIFO there would block the run, a device flood it).
    A pipe named on the command line (``<(...)``, ``-``) is read as given."""

    __slots__ = ()


def expand(paths: Iterable[str]) -> Iterator[str | ErrorEvent]:
    """Definition files in order: a folder gives its *.tstconfig, recursively, sorted.

    Symbolic links are followed, each folder walked once (by device and inode, so a
    link loop ends) and each file found once; a folder that cannot be read is an error
    where its files would be, and the others still run.
    """
    for path in paths:
        if path == "-" or not os.path.isdir(path):
            yield path
            continue
        found = _scan(path)
        if not found:
            yield ErrorEvent(path, None, f"no *{DEFINITION_SUFFIX} files in directory")
        yield from (item for _, item in sorted(found, key=lambda pair: pair[0]))


def _scan(top: str) -> list[tuple[str, Found | ErrorEvent]]:
    """(path, what is there) for each definition file and unreadable folder under top."""
    found: list[tuple[str, Found | ErrorEvent]] = []
    folders: set[tuple[int, int]] = set()
    files: set[tuple[int, int]] = set()
    pending = [top]  # depth first, in sorted order: the same names are kept every run
    while pending:
        folder = pending.pop()
        try:
            status = os.stat(folder)
            if (status.st_dev, status.st_ino) in folders:
                continue  # reached again through a link
            folders.add((status.st_dev, status.st_ino))
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as exc:
            found.append((folder, _unreadable(folder, exc)))
            continue
        below = []
        for entry in entries:
            try:
                is_folder = entry.is_dir()  # (through a link too)
            except OSError as exc:  # a link that loops, or a target we may not look at
                if exc.errno not in (errno.ELOOP, errno.ENOENT) and \
                        not entry.name.endswith(DEFINITION_SUFFIX):  # (maybe a folder)
                    found.append((entry.path, _unreadable(entry.path, exc, known=False)))
                    continue
                is_folder = False
            if is_folder:
                below.append(entry.path)
            elif entry.name.endswith(DEFINITION_SUFFIX) and _first(entry.path, files):
                found.append((entry.path, Found(entry.path)))
        pending.extend(reversed(below))
    return found


def _first(path: str, seen: set[tuple[int, int]]) -> bool:
    """Whether this file was not found before (under another name, through a link)."""
    try:
        status = os.stat(path)
    except OSError:
        return True  # (reading it says why it cannot be read)
    key = (status.st_dev, status.st_ino)
    if key in seen:
        return False
    seen.add(key)
    return True


def _unreadable(path: str, exc: OSError, known: bool = True) -> ErrorEvent:
    """A folder (or a link that may lead to one) whose definitions cannot be found: an
    error, so that the run cannot pass without them."""
    what = "cannot read folder" if known else "cannot tell what this link leads to"
    whose = "in it" if known else "in it, if it is a folder,"
    return ErrorEvent(path, None, f"{what}: {exc.strerror or exc}; the "
                                  f"*{DEFINITION_SUFFIX} files {whose} are not run")


def read_definition(path: str) -> tuple[str, str]:
    """(name, text) of a definition file; '-' is standard input. Raises OSError.

    Never more than MAX_DEFINITION bytes. A file a folder scan found (:class:`Found`)
    is read without waiting and only if it is a regular file; a path the person gave
    is read as it is, so ``tstconfig <(...)`` and a named pipe work.
    """
    if path == "-":
        return STDIN_NAME, decode(_bounded(sys.stdin.buffer))
    if isinstance(path, Found):
        try:
            return shown_path(path), decode(read_bounded(path, MAX_DEFINITION,
                                                         regular_only=True))
        except TooLarge:
            raise OSError(_TOO_LARGE) from None
    with open(path, "rb") as fh:
        return shown_path(path), decode(_bounded(fh))


_TOO_LARGE = f"larger than {MAX_DEFINITION // (1024 * 1024)} MiB: not a definition file?"


def _bounded(fh: object) -> bytes:
    data = fh.read(MAX_DEFINITION + 1)  # type: ignore[attr-defined]
    if len(data) > MAX_DEFINITION:
        raise OSError(_TOO_LARGE)
    return data


def _guarded(reporter: Reporter, debug: bool) -> GuardedReporter:
    """A reporter the run was given ready-made (--inspect's, --check's), guarded."""
    kind = type(reporter)
    return GuardedReporter(kind.__name__, f"{kind.__module__}.{kind.__qualname__}", reporter,
                           debug=debug)


def _bounded_result(result: AssertionResult) -> AssertionResult:
    """The result with its value and message cut to what a report carries."""
    value = cut_value(result.value)
    if value is result.value and len(result.message) <= MAX_SHOWN:
        return result  # (the usual case, first)
    return result._replace(value=value, message=cut(result.message))


class Run:
    """Feeds every event to the summary and to each reporter, in order.

    Between the engine and the reporters it applies the waivers (a failure a
    waiver accepts becomes WAIVED) and ``--exitfirst``, and bounds what an event
    carries (a value, a message: see render.MAX_SHOWN); ``observers`` see each
    event after the reporters (the progress line), and ``block_observers`` each
    block as it ends (``--inspect``). Each reporter is guarded on its own (see
    :mod:`tstconfig_core.reporting`): one that fails is dropped, and the exit
    status is then at least 2.
    """

    def __init__(self, reporters: Sequence[Reporter | GuardedReporter],
                 registry: PluginRegistry, settings: RunSettings = RunSettings(), *,
                 debug: bool = False, waivers: Waivers | None = None,
                 exitfirst: bool = False, check_only: bool = False, narrow: bool = True,
                 run_assertions: bool = True,
                 observers: Sequence[Callable[[Event], None]] = (),
                 block_observers: Sequence[Callable[[Block], None]] = ()) -> None:
        self.reporters = [r if isinstance(r, GuardedReporter) else _guarded(r, debug)
                          for r in reporters]
        self.summary = Summary()
        self.waivers = waivers
        self.exitfirst = exitfirst
        self.observers = observers
        self.signals = Signals()  # (execute's, once it runs)
        self.ctx = Context(registry, self.emit, settings, debug=debug, narrow=narrow,
                           check_only=check_only, run_assertions=run_assertions,
                           observers=[self._guarded_observer(o) for o in block_observers])

    def _guarded_observer(self, observe: Callable[[Block], None]) -> Callable[[Block], None]:
        """A reporter's own block observer (--inspect's) behind that reporter's guard: what
        it raises is never an error of the block's directives."""
        owner = next((r for r in self.reporters
                      if r.reporter is not None
                      and r.reporter is getattr(observe, "__self__", None)), None)
        if owner is None:
            return observe
        return lambda block: owner.call("on a block", lambda: observe(block))

    def emit(self, event: Event) -> None:
        if isinstance(event, AssertionResult):
            event = _bounded_result(event)
            if self.waivers is not None:
                event = self.waivers.apply(event)
                if event.waiver is not None and len(event.waiver) > MAX_SHOWN:
                    event = event._replace(waiver=cut(event.waiver))
        elif isinstance(event, (ErrorEvent, WarningEvent)) and len(event.message) > MAX_SHOWN:
            event = event._replace(message=cut(event.message))
        self.summary.count(event)
        signals = self.signals
        signals.sheltered = True  # a signal now waits until every reporter has the event
        try:
            for reporter in self.reporters:
                reporter.handle(event)
            for observer in self.observers:
                observer(event)
        finally:
            signals.sheltered = False
        if signals.pending is not None:
            signals.raise_pending()
        if self.exitfirst and (isinstance(event, ErrorEvent) or (
                isinstance(event, AssertionResult) and event.outcome == FAILED)):
            raise _FirstFailure()

    @property
    def broken_reporters(self) -> list[GuardedReporter]:
        return [r for r in self.reporters if r.broken]

    def execute(self, paths: Sequence[str]) -> int:
        """Run the definitions; the exit status: 0, 1 or 2 (at least 2 when a reporter
        failed), or 128 + N for a signal, also one that came while the end was
        reported (the reports are then complete, and not marked interrupted)."""
        with run_signals() as signals:
            self.signals = signals
            status = self._execute(paths, signals)
        return signals.exit_status(status)

    def _execute(self, paths: Sequence[str], signals: Signals) -> int:
        start = time.time()
        interrupted = 0
        stopped = None
        try:
            try:
                self.emit(RunStarted(__version__, os.uname().nodename, start))
                self._files(paths)
                if self.waivers is not None:
                    for warning in self.waivers.warnings():
                        self.emit(warning)
            finally:
                signals.finishing = True  # from here a first signal waits for the reports
        except _FirstFailure:
            stopped = "stopped at the first failure (--exitfirst)"
        except KeyboardInterrupt:
            interrupted = 128 + signal.SIGINT
        except Stopped as exc:
            interrupted = 128 + exc.signum
        if interrupted:
            stopped = "interrupted"
        self.exitfirst = False  # (the end is reported whatever happened)
        self.emit(RunFinished(self.summary, time.time() - start,
                              interrupted=bool(interrupted), stopped=stopped))
        status = interrupted or self.summary.exit_status
        return max(status, 2) if self.broken_reporters else status

    def _files(self, paths: Sequence[str]) -> None:
        for name, text in self._definitions(paths):
            Interpreter(self.ctx).run(text, name)

    def _definitions(self, paths: Sequence[str]) -> Iterator[tuple[str, str]]:
        """(name, text) of each definition file, in order; what cannot be read is an
        error event where it would have run, and a file named twice runs once."""
        seen: set[tuple[int, int]] = set()
        for item in expand(paths):
            if isinstance(item, ErrorEvent):
                self.emit(item._replace(file=shown_path(item.file)))
                continue
            try:
                if item != "-":
                    st = os.stat(item)
                    if (st.st_dev, st.st_ino) in seen:
                        self.emit(WarningEvent(shown_path(item), None, "given more than once: "
                                                                       "run once"))
                        continue
                    seen.add((st.st_dev, st.st_ino))
                name, text = read_definition(item)
            except OSError as exc:
                self.emit(ErrorEvent(shown_path(item), None, f"cannot read definition file: "
                                                             f"{exc.strerror or exc}"))
                continue
            yield name, text
