"""The ``html`` reporter's page, a piece at a time (see html.py for what it shows).

Every text from data goes through :func:`_t`: control characters as escapes, then
``& < > " '`` as entities, so a value, a message, a file or a host name can neither add
markup nor leave its attribute. The matrix is the bulk of a fleet's page (100 hosts by
200 checks is 20,000 cells), so a cell is a few bytes: its class and mark, a link for a
failure, a title only for a check not run (why).
"""
from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tstconfig_core.api import (FAILED, NOT_RUN, PASSED, WAIVED, AssertionResult,
                                RunFinished, failure_block, iso_utc, printable)
from tstconfig_plugins.reporters.drifting import Comparison, value_texts
from tstconfig_plugins.reporters.fleet import WORSE
from tstconfig_plugins.reporters.htmlassets import CSS, JS, MARKS, POLICY

if TYPE_CHECKING:
    from tstconfig_plugins.reporters.html import HtmlReporter

_OUTCOME = {PASSED: "passed", FAILED: "failed", WAIVED: "waived", NOT_RUN: "not_run"}


def _t(text: object) -> str:
    """Text from data, made safe in an element or an attribute."""
    return html.escape(printable(str(text)), quote=True)


def _a(text: object) -> str:
    """An attribute's value from data, quoted."""
    return f'"{_t(text)}"'


def _mark(outcome: str) -> str:
    cls, mark, word = MARKS[outcome]
    return f'<span class={cls}>{mark} {word}</span>'


@dataclass
class _Row:
    """One check of the matrix: its first result, and each host's."""

    first: AssertionResult
    cells: dict[str | None, tuple[int, AssertionResult]] = field(default_factory=dict)


def page(report: HtmlReporter, end: RunFinished) -> Iterator[str]:
    run, s = report.started, end.summary
    status = "PASS" if s.ok and not end.interrupted else "FAIL"
    hosts: list[str | None] = [h.name for h in report.fleet] if report.fleet else [None]
    where = run.host if run is not None else ""
    said = ", ".join(f"{n} {word}" for n, word in ((s.failed, "failed"), (s.errors, "errors"))
                     if n)
    yield ("<!DOCTYPE html>\n<html lang=en>\n<head>\n<meta charset=utf-8>\n"
           f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">\n'
           '<meta name=viewport content="width=device-width, initial-scale=1">\n'
           f"<title>tstconfig {status}{f' ({said})' if said else ''} on {_t(where)}</title>\n"
           f"<style>{CSS}</style>\n</head>\n<body>\n")
    yield from _summary(report, end, status)
    found = _comparison(report)
    failed = [(n, r) for n, r in enumerate(report.results) if r.outcome in (FAILED, WAIVED)]
    yield from _contents(report, found, failed)
    yield from _filters(report, hosts)
    drifted = {} if found is None else {(check.file, check.line): number
                                         for number, (check, _) in enumerate(found.differ)}
    yield from _matrix(report, hosts, drifted)
    if report.fleet:
        yield from _hosts(report)
    if found is not None:
        yield from _drift(report, found)
    yield from _failures(failed)
    for title, events in (("Errors", report.errors), ("Warnings", report.warnings)):
        if events:
            yield f"<h2 id={title.lower()}>{title} ({len(events)})</h2>\n<ul class=events>\n"
            for e in events:
                line = "" if e.line is None else f":{e.line}"
                on = "" if e.host is None else f"{_t(e.host)}: "
                host = "" if e.host is None else f" data-host={_a(e.host)}"
                yield (f"<li data-outcome=e data-file={_a(e.file)}{host}>{on}"
                       f"<code>{_t(e.file)}{line}</code>: {_t(e.message)}</li>\n")
            yield "</ul>\n"
    yield f"<script>{JS}</script>\n</body>\n</html>\n"


def _summary(report: HtmlReporter, end: RunFinished, status: str) -> Iterator[str]:
    run, s = report.started, end.summary
    yield f"<header>\n<h1>tstconfig report <span class='status {status}'>{status}</span></h1>\n"
    if run is not None:
        yield (f"<p class=run>tstconfig {_t(run.version)} on {_t(run.host)}, started "
               f"{iso_utc(run.start_time)}, took {end.duration:.2f} s; "
               f"{len(report.files)} definition file{'s' * (len(report.files) != 1)}</p>\n")
    if end.interrupted or end.stopped:
        yield (f"<p class=banner><strong>{_t(end.stopped or 'interrupted').capitalize()}"
               "</strong>: these results are incomplete.</p>\n")
    yield "<dl class=counts id=summary>\n"
    for key, word, cls in (("tested", "tested", ""), ("passed", "passed", "p"),
                           ("failed", "failed", "f"), ("waived", "waived", "w"),
                           ("not_run", "not run", "n"), ("errors", "errors", "e"),
                           ("warnings", "warnings", "")):
        mark = f"{MARKS[key if key != 'errors' else 'error'][1]} " if cls else ""
        yield (f"<div data-count={key}><dt>{word}</dt>"
               f"<dd class='{cls}'>{mark}{getattr(s, key)}</dd></div>\n")
    if report.fleet:
        statuses = [h.status for h in report.fleet]
        yield (f"<div data-count=hosts><dt>hosts</dt><dd>{len(statuses)}</dd></div>\n"
               f"<div data-count=hosts_failed><dt>hosts not passed</dt>"
               f"<dd class='{'f' if statuses.count('PASS') < len(statuses) else ''}'>"
               f"{len(statuses) - statuses.count('PASS')}</dd></div>\n")
    yield "</dl>\n</header>\n"


def _contents(report: HtmlReporter, found: Comparison | None,
              failed: list[tuple[int, AssertionResult]]) -> Iterator[str]:
    """Links to the page's sections (a fleet's page is long)."""
    links = [("checks", "Checks")]
    if report.fleet:
        links.append(("hosts", f"Hosts ({len(report.fleet.hosts)})"))
    if found is not None:
        links.append(("drift", f"Drift ({len(found.differ)})"))
    if failed:
        links.append(("failures", f"Failures ({len(failed)})"))
    for key, title, items in (("errors", "Errors", report.errors),
                              ("warnings", "Warnings", report.warnings)):
        if items:
            links.append((key, f"{title} ({len(items)})"))
    yield "<nav>" + " · ".join(f"<a href=#{key}>{text}</a>" for key, text in links) + "</nav>\n"


def _filters(report: HtmlReporter, hosts: list[str | None]) -> Iterator[str]:
    """The filters, hidden until the script shows them (without it they would do nothing)."""
    yield "<form id=filters hidden>\n<strong>Show</strong>\n"
    for key in ("passed", "failed", "waived", "not_run", "error"):
        yield f"<label><input type=checkbox name=o value={MARKS[key][0]} checked> {_mark(key)}</label>\n"
    if report.fleet:
        yield "<label>host <select id=fhost><option value=''>all hosts</option>"
        yield "".join(f"<option>{_t(h)}</option>" for h in hosts)
        yield "</select></label>\n"
    yield "<label>file <select id=ffile><option value=''>all files</option>"
    yield "".join(f"<option>{_t(f)}</option>" for f in report.files)
    yield ("</select></label>\n<label>text <input id=fq type=search size=24></label>\n"
           "<output id=shown></output>\n</form>\n")


def _hosts(report: HtmlReporter) -> Iterator[str]:
    yield ("<h2 id=hosts>Hosts</h2>\n<div class=scroll><table id=hosttable>\n<thead><tr><th>host</th>"
           "<th>address</th><th>status</th><th class=num>tested</th><th class=num>passed</th>"
           "<th class=num>failed</th><th class=num>waived</th><th class=num>not run</th>"
           "<th class=num>errors</th><th class=num>time</th></tr></thead>\n<tbody>\n")
    for h in report.fleet:
        s = h.summary
        mark = {"PASS": _mark("passed"), "FAIL": _mark("failed")}.get(
            h.status, f"<span class=e>{MARKS['error'][1]} {h.status.lower()}</span>")
        why = f": {_t(h.error)}" if h.error else ""
        time = "" if h.duration is None else f"{h.duration:.2f} s"
        yield (f"<tr data-host={_a(h.name)}><th>{_t(h.name)}</th><td>{_t(h.address)}</td>"
               f"<td>{mark}{why}</td>" + "".join(
                   f"<td class=num>{n}</td>" for n in (s.tested, s.passed, s.failed,
                                                       s.waived, s.not_run, s.errors))
               + f"<td class=num>{time}</td></tr>\n")
    yield "</tbody></table></div>\n"


def _rows(report: HtmlReporter) -> dict[str, dict[str, dict[str, _Row]]]:
    """The checks by file, block and id, in run order; each host's result in its row."""
    files: dict[str, dict[str, dict[str, _Row]]] = {f: {} for f in report.files}
    for number, r in enumerate(report.results):
        row = files.setdefault(r.file, {}).setdefault(r.block, {}).setdefault(r.id, _Row(r))
        had = row.cells.get(r.host)
        if had is None or WORSE[r.outcome] > WORSE[had[1].outcome]:
            row.cells[r.host] = (number, r)
    return files


def _matrix(report: HtmlReporter, hosts: list[str | None],
            drifted: dict[tuple[str, int], int]) -> Iterator[str]:
    width = len(hosts) + 1
    legend = " ".join(_mark(key) for key in MARKS)
    yield (f"<h2 id=checks>Checks</h2>\n<p class=where>{legend} (errors: per host, "
           "listed below)</p>\n<div class=scroll><table id=matrix>\n<thead><tr><th>check</th>")
    for host in hosts:
        name = report.started.host if host is None and report.started else host or ""
        yield f"<th class=host data-host={_a(name)}>{_t(name)}</th>"
    yield "</tr></thead>\n<tbody class=errs><tr><th>errors</th>"
    errors = Counter(e.host for e in report.errors)
    for host in hosts:
        count = errors[host]
        yield f"<td class=e>{MARKS['error'][1]} {count}</td>" if count else "<td>0</td>"
    yield "</tr></tbody>\n"
    for file, blocks in _rows(report).items():
        yield f"<tbody data-file={_a(file)}>\n<tr class=file><th colspan={width}>{_t(file)}</th></tr>\n"
        for block, rows in blocks.items():
            yield f"<tr class=block><th colspan={width}>{_t(block)}</th></tr>\n"
            for row in rows.values():
                first = row.first
                drift = drifted.get((first.file, first.selected_at or first.line))
                link = "" if drift is None else f" <a class=drifted href=#d{drift}>≠ drift</a>"
                yield (f"<tr class=chk data-file={_a(file)}><th><span class=where>"
                       f"{first.line}</span> {_t(first.name)}{link}</th>")
                yield "".join(_cell(row.cells.get(host)) for host in hosts)
                yield "</tr>\n"
        yield "</tbody>\n"
    yield "</table></div>\n"


def _cell(found: tuple[int, AssertionResult] | None) -> str:
    if found is None:
        return "<td></td>"
    number, r = found
    cls, mark, _ = MARKS[_OUTCOME[r.outcome]]
    if r.outcome in (FAILED, WAIVED):
        return f"<td class={cls}><a href=#r{number}>{mark}</a></td>"
    if r.outcome == NOT_RUN:
        return f"<td class={cls} title={_a(r.message)}>{mark}</td>"
    return f"<td class={cls}>{mark}</td>"


def _failures(failed: list[tuple[int, AssertionResult]]) -> Iterator[str]:
    if not failed:
        return
    waived = sum(r.outcome == WAIVED for _, r in failed)
    also = f", and {waived} waived" if waived else ""
    yield f"<h2 id=failures>Failures ({len(failed) - waived}{also})</h2>\n"
    for number, r in failed:
        outcome = _OUTCOME[r.outcome]
        cls = MARKS[outcome][0]
        host = "" if r.host is None else f" data-host={_a(r.host)}"
        on = "" if r.host is None else f" on <strong>{_t(r.host)}</strong>"
        why = f"Waived: {_t(r.waiver)}" if r.waiver else f"Reason: {_t(r.message)}"
        yield (f"<article id=r{number} class={cls} data-outcome={cls} data-file={_a(r.file)}"
               f"{host}>\n<h3>{_mark(outcome)} <code>{_t(r.id)}</code></h3>\n"
               f"<p class=where>{_t(r.file)}:{r.line}{on}</p>\n"
               f"<pre>ASSERTION FAILED\n{html.escape(failure_block(r))}</pre>\n<p>{why}</p>\n"
               "</article>\n")


def _comparison(report: HtmlReporter) -> Comparison | None:
    """What the drift view compares: a fleet's hosts that could be checked, two or more."""
    checked = [h.name for h in report.fleet if h.error is None]
    return report.drift.compare(checked) if len(checked) >= 2 else None


def _drift(report: HtmlReporter, found: Comparison) -> Iterator[str]:
    checked = found.hosts
    yield (f"<h2 id=drift>Drift</h2>\n<p>{len(found.differ)} of {found.compared} checks "
           f"differ between the {len(checked)} hosts compared")
    left = [h.name for h in report.fleet if h.error is not None]
    yield f" (not compared: {_t(', '.join(left))})" if left else ""
    yield ".</p>\n"
    for number, (check, groups) in enumerate(found.differ):
        yield (f"<article class=drift id=d{number}>\n<h3>{_t(check.title)}</h3>\n<table>"
               "<thead><tr><th>value</th><th>hosts</th></tr></thead><tbody>\n")
        for text, (_, holders) in zip(value_texts([v for v, _ in groups]), groups):
            yield (f"<tr><td><code>{_t(text)}</code></td><td>{_t(', '.join(holders))} "
                   f"({len(holders)} of {len(checked)})</td></tr>\n")
        missing = check.missing(checked)
        if missing:
            yield f"<tr><td>(not run)</td><td>{_t(', '.join(missing))}</td></tr>\n"
        yield "</tbody></table>\n</article>\n"
    if found.sensitive:
        yield (f"<p>Not compared, sensitive (values masked): "
               f"{_t(', '.join(c.title for c in found.sensitive))}</p>\n")
