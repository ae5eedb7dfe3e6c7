"""The plugin API: the only module a plugin imports, built-in or third-party.

One small contract per entry-point group, and the helpers the built-in
plugins use (so a third party can do what they do). A plugin reports a
problem a person caused (a bad argument, unusable data) by raising
:class:`PluginError`; the core turns it into ``FILE:LINE: message`` located at
the directive being run, and the run goes on.

==========================  ==========================  ===============================
entry-point group           name                        contract
==========================  ==========================  ===============================
``tstconfig.sources``       the directive (``file``)    :class:`Source`
``tstconfig.parsers``       the ``parse_mode`` value    :class:`Parser`
``tstconfig.syntaxes``      the ``syntax`` value        :class:`Syntax`
``tstconfig.assertions``    the directive (``assert_eq``) :class:`Assertion`
``tstconfig.reporters``     the ``--reporter`` name     :class:`Reporter`
``tstconfig.hosts``         the ``--host`` scheme       :class:`Host` (made per target)
==========================  ==========================  ===============================

An entry point may name a class (instantiated once, with no arguments) or a
ready instance; a reporter is a class (made once per report stream).
"""
from __future__ import annotations

from tstconfig_core.contract.assertions import Assertion
from tstconfig_core.contract.base import OptionConverter, PluginError, Row, Value
from tstconfig_core.contract.hosts import (Answer, Entry, Host, HostError, HostRequest,
                                           ListFolder, NoSuchPath, PathStat, ProgramResult,
                                           ReadFile, RunProgram, StatPath, TimeoutAnswer,
                                           TooLargeAnswer)
from tstconfig_core.contract.parsers import (UNIVERSAL_OPTIONS, LineParser, Parsed, Parser,
                                             Prepared, Syntax, Wanted, in_sections,
                                             rows_in_chunks)
from tstconfig_core.contract.reporters import ReportSettings, Reporter
from tstconfig_core.contract.sources import Source, SourceData, SourceRequest
from tstconfig_core.definition import decode, split_lines
from tstconfig_core.hosts.local import LocalHost
from tstconfig_core.limits import DEFAULT_MAX_SIZE, TooLarge, read_bounded, shown_size
from tstconfig_core.memory import MEMORY_FACTOR, OverBudget, charge_memory, lines_within
from tstconfig_core.streamed import FilePieces, Keep, kept_lines
from tstconfig_core.model import (FAILED, NOT_RUN, PASSED, WAIVED, AssertionResult,
                                  ErrorEvent, Event, FileFinished, FileStarted, HostFinished,
                                  HostStarted, RunFinished, RunStarted, SourceRef, Summary,
                                  ValueObserved, WarningEvent)
from tstconfig_core.options import (OptionError, ParseOptions, bool_option, compile_regex,
                                    to_int)
from tstconfig_core.render import (failure_block, iso_utc, joined, labelled, located,
                                   printable, shown_value)
from tstconfig_core.sizes import GROWN_ROWS, SPLIT_ROWS
from tstconfig_core.tokens import splitter, tokenize, unescape_java

__all__ = [
    "API_VERSION",
    # the contracts
    "Assertion", "LineParser", "OptionConverter", "ParseOptions", "Parsed", "Parser",
    "PluginError", "Prepared", "ReportSettings", "Reporter", "Row", "Source", "SourceData",
    "SourceRequest", "Syntax", "UNIVERSAL_OPTIONS", "Value", "Wanted",
    # the host sources read through, what they ask of it, and its answers
    "Answer", "Entry", "Host", "HostError", "HostRequest", "ListFolder", "NoSuchPath",
    "PathStat",
    "ProgramResult", "ReadFile", "RunProgram", "StatPath", "TimeoutAnswer", "TooLargeAnswer",
    "LocalHost",  # this machine, or a folder tree: for a plugin's tests
    "Target", "HostSettings",  # (API 1.6) what a fleet host kind is made with
    # the events a reporter receives, and the outcomes of an AssertionResult
    "AssertionResult", "ErrorEvent", "Event", "FileFinished", "FileStarted", "RunFinished",
    "RunStarted", "SourceRef", "Summary", "WarningEvent",
    "HostStarted", "HostFinished", "ValueObserved",  # (API 1.6) fleets
    "PASSED", "FAILED", "WAIVED", "NOT_RUN",
    # helpers: options and tokens
    "OptionError", "bool_option", "compile_regex", "to_int", "in_sections", "splitter",
    "tokenize", "unescape_java",
    # helpers: reading text
    "DEFAULT_MAX_SIZE", "TooLarge", "decode", "read_bounded", "shown_size", "split_lines",
    # helpers: what holding a block's data takes (docs/security.md, "Memory")
    "MEMORY_FACTOR", "OverBudget", "lines_within", "rows_in_chunks", "GROWN_ROWS",
    "SPLIT_ROWS", "charge_memory",
    # (API 1.8) a file read a piece at a time, and the lines a block keeps of it
    "FilePieces", "Keep", "kept_lines",
    # helpers: showing results as tstconfig does (the 0.3 failure block, escapes, times)
    "failure_block", "iso_utc", "joined", "labelled", "located", "printable", "shown_value",
]

#: MAJOR.MINOR: MINOR grows when something is added (an optional method, a
#: field with a default, an event field); MAJOR when a plugin written for the
#: previous version could break. See docs/plugins.md, "Stability".
API_VERSION = "1.9"


def __getattr__(name: str) -> object:
    """``Target`` and ``HostSettings``, imported when first asked for: only fleet host
    kinds need them, and every plugin imports this module."""
    if name in ("Target", "HostSettings"):
        from tstconfig_core.fleet import targets
        return getattr(targets, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
