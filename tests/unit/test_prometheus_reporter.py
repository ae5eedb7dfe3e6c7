"""The ``prometheus`` reporter on hand-built event streams (a fleet of three hosts, one
unreachable; a run of one host), fed through Run.emit as a run feeds them, and read back
with prometheus_client's own parser of the text format."""
from __future__ import annotations

import time
from collections import Counter

import pytest
from prometheus_client.parser import text_string_to_metric_families

from fleetevents import BLOCK, FILE, T0, body, check, local_stream, reports, stream
from tstconfig_core.api import (FAILED, NOT_RUN, PASSED, WAIVED, AssertionResult, ErrorEvent,
                                Event, FileFinished, FileStarted, RunFinished, RunStarted,
                                Summary, WarningEvent)
from tstconfig_plugins.reporters.prometheus import MAX_CHECKS

OUTCOMES = (PASSED, FAILED, WAIVED, NOT_RUN)
Labels = frozenset  # a sample's labels, as a set of (name, value) pairs


def report(events: list[Event]) -> str:
    return reports(events, names=("prometheus",))["prometheus"]


def parsed(text: str) -> dict[str, dict[Labels, float]]:
    """Each family's samples by their labels; every family once (its samples together),
    with HELP, TYPE gauge, and no timestamps (the textfile collector refuses them)."""
    families = list(text_string_to_metric_families(text))
    names = [family.name for family in families]
    assert len(names) == len(set(names)), names
    found = {}
    for family in families:
        assert family.type == "gauge" and family.documentation, family
        assert text.count(f"# TYPE {family.name} ") == text.count(f"# HELP {family.name} ") == 1
        assert f"# TYPE {family.name} gauge\n" in text
        samples = {}
        for sample in family.samples:
            assert sample.name == family.name and sample.timestamp is None
            key = Labels(sample.labels.items())
            assert key not in samples, sample  # no series twice
            samples[key] = sample.value
        found[family.name] = samples
    return found


def by(samples: dict[Labels, float], *names: str) -> dict[tuple[str, ...], float]:
    """The samples keyed by the values of the labels ``names``."""
    return {tuple(dict(key)[name] for name in names): value for key, value in samples.items()}


def run_of(*results: AssertionResult, host: str = "vm") -> list[Event]:
    """A run of one host with ``results`` in one definition file."""
    summary = Summary()
    for result in results:
        summary.count(result)
    return [RunStarted("1.0", host, T0), *body(*results), RunFinished(summary, 2.0)]


def checks(count: int, outcome: str = PASSED) -> list[AssertionResult]:
    return [check(line, f"key{line}", ("1",), "assert_eq", "1", outcome)
            for line in range(1, count + 1)]


@pytest.fixture(scope="module")
def fleet() -> tuple[list[Event], str]:
    events = stream()
    return events, report(events)


def test_counts_per_host_file_and_outcome_are_the_runs(fleet):
    events, text = fleet
    metrics = parsed(text)
    expected = Counter((e.host or "controller", e.file, e.outcome)
                       for e in events if isinstance(e, AssertionResult))
    got = by(metrics["tstconfig_checks"], "host", "file", "outcome")
    assert {key: value for key, value in got.items() if value} == expected
    # every outcome of every definition file on every host, 0 included: no series vanishes
    assert set(got) == {(host, FILE, outcome) for host in ("web1", "web2", "down")
                        for outcome in OUTCOMES}
    assert got[("web2", FILE, FAILED)] == 3 and got[("web1", FILE, WAIVED)] == 1


def test_errors_not_in_a_definition_file_are_counted_where_they_are_located(fleet):
    metrics = parsed(fleet[1])
    # the unreachable host's error, at its address; the unreadable file, on the controller
    assert by(metrics["tstconfig_errors"], "host", "file") == {
        ("controller", "missing.tstconfig"): 1, ("web1", FILE): 0, ("web2", FILE): 0,
        ("down", "ssh://down"): 1, ("down", FILE): 0}
    assert by(metrics["tstconfig_warnings"], "host", "file")[("web2", FILE)] == 1
    summary = fleet[0][-1].summary
    assert sum(metrics["tstconfig_errors"].values()) == summary.errors == 2
    assert sum(metrics["tstconfig_warnings"].values()) == summary.warnings == 1
    # a place that is no definition file has no checks
    assert ("down", "ssh://down") not in by(metrics["tstconfig_checks"], "host", "file")


def test_the_run_its_status_duration_and_time(fleet):
    metrics = parsed(fleet[1])
    assert metrics["tstconfig_run_passed"] == {Labels(): 0}
    assert metrics["tstconfig_run_interrupted"] == {Labels(): 0}
    assert metrics["tstconfig_run_duration_seconds"] == {Labels(): 1.5}
    assert metrics["tstconfig_last_run_timestamp_seconds"] == {Labels(): T0 + 1.5}
    assert metrics["tstconfig_build_info"] == {Labels({("version", "1.0")}): 1}


def test_a_passing_run_says_it_passed():
    metrics = parsed(report(run_of(*checks(3))))
    assert metrics["tstconfig_run_passed"] == {Labels(): 1}
    assert set(by(metrics["tstconfig_checks"], "outcome").values()) == {3, 0}


def test_each_fleet_host_whether_it_could_be_checked_and_its_time(fleet):
    metrics = parsed(fleet[1])
    assert by(metrics["tstconfig_host_checked"], "host") == {
        ("web1",): 1, ("web2",): 1, ("down",): 0}
    assert by(metrics["tstconfig_host_duration_seconds"], "host") == {
        ("web1",): 0.25, ("web2",): 1.25, ("down",): 2.25}


def test_a_run_of_one_host_is_labelled_with_its_host_and_has_no_fleet_metrics():
    metrics = parsed(report(local_stream()))
    assert {dict(key)["host"] for key in metrics["tstconfig_checks"]} == {"controller"}
    assert "tstconfig_host_checked" not in metrics
    assert "tstconfig_host_duration_seconds" not in metrics
    outcome = by(metrics["tstconfig_check_outcome"], "id", "outcome")
    assert outcome[(f"{FILE}::{BLOCK}::Banner assert_undefined", FAILED)] == 1


def test_each_check_is_a_state_set_and_a_failing_one_is_failed(fleet):
    events, text = fleet
    series = by(parsed(text)["tstconfig_check_outcome"], "host", "file", "id", "outcome")
    results = [e for e in events if isinstance(e, AssertionResult)]
    assert len(series) == 4 * len(results)  # host and id together are unique
    for r in results:
        values = {outcome: series[(r.host, r.file, r.id, outcome)] for outcome in OUTCOMES}
        assert values == {outcome: float(outcome == r.outcome) for outcome in OUTCOMES}
    failing = f"{FILE}::{BLOCK}::PermitRootLogin assert_eq no"
    assert series[("web2", FILE, failing, FAILED)] == 1
    assert series[("web1", FILE, failing, FAILED)] == 0
    assert series[("web1", FILE, failing, PASSED)] == 1
    assert parsed(text)["tstconfig_check_outcome_omitted"] == {Labels(): 0}


def test_per_check_series_up_to_the_bound():
    metrics = parsed(report(run_of(*checks(MAX_CHECKS, FAILED))))
    assert len(metrics["tstconfig_check_outcome"]) == 4 * MAX_CHECKS
    assert sum(metrics["tstconfig_check_outcome"].values()) == MAX_CHECKS
    assert metrics["tstconfig_check_outcome_omitted"] == {Labels(): 0}


@pytest.mark.parametrize("hosts", [1, 3])
def test_past_the_bound_no_per_check_series_at_all(hosts):
    """Ids repeat across hosts: a check on three hosts counts three."""
    per_host = MAX_CHECKS // hosts + 1
    fleet = {f"h{n}": (f"ssh://h{n}", body(*checks(per_host, FAILED)), None)
             for n in range(hosts)}
    text = report(stream(fleet, before=()) if hosts > 1 else run_of(*checks(per_host)))
    metrics = parsed(text)
    assert "tstconfig_check_outcome" not in metrics and "tstconfig_check_outcome{" not in text
    assert metrics["tstconfig_check_outcome_omitted"] == {Labels(): 1}
    assert (f"# tstconfig_check_outcome left out: the run had {per_host * hosts} checks, "
            f"more than {MAX_CHECKS}\n") in text
    assert sum(metrics["tstconfig_checks"].values()) == per_host * hosts  # still counted


HOSTILE = ['we"ird\\ho st\n{a="b",c=d}', "caf\u00e9 \u6f22\u5b57 \U0001f525", "a\\n not a newline",
           'end\\', '\\"', "=,{}", "\r\x1b[31m\t"]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_label_values_round_trip_exactly(text):
    file = f"{text}.tstconfig"
    r = check(3, "k", ("v",), "assert_eq", "w", FAILED)._replace(
        file=file, id=f"{file}::{text}::{text}", host=text)
    events = [RunStarted("1.0", "controller", T0), FileStarted(file, T0, text), r,
              ErrorEvent(file, 1, "boom", text), WarningEvent(file, 2, "hm", text),
              FileFinished(file, 0.1, text), RunFinished(Summary(), 1.0)]
    metrics = parsed(report(events))
    assert by(metrics["tstconfig_check_outcome"], "host", "file", "id", "outcome")[
        (text, file, r.id, FAILED)] == 1
    assert by(metrics["tstconfig_checks"], "host", "file", "outcome")[(text, file, FAILED)] == 1
    assert by(metrics["tstconfig_errors"], "host", "file") == {(text, file): 1}
    assert by(metrics["tstconfig_warnings"], "host", "file") == {(text, file): 1}


def test_a_file_name_that_is_not_utf8_is_written_escaped():
    file = "bad\udcff.tstconfig"  # (os.fsdecode of the byte 0xff)
    r = check(3, "k", ("v",), "assert_eq", "v", PASSED)._replace(file=file, id=f"{file}::b::k")
    text = report(run_of(r))
    text.encode("utf-8")  # the format is UTF-8: no lone surrogate in it
    series = by(parsed(text)["tstconfig_checks"], "file", "outcome")
    assert series[("bad\\udcff.tstconfig", PASSED)] == 1


def test_a_sensitive_value_never_reaches_the_report():
    secret = "hunter2-s3cret"
    r = check(3, "password", (secret,), "assert_eq", "x", FAILED,
              f"expected ['x'], got [{secret!r}]", sensitive=True)
    waived = check(4, "token", (secret,), "assert_eq", "y", WAIVED, secret, sensitive=True,
                   waiver="accepted")
    text = report(run_of(r, waived))
    assert secret not in text
    assert by(parsed(text)["tstconfig_check_outcome"], "id", "outcome")[(r.id, FAILED)] == 1


def test_an_interrupted_run_says_so():
    events = stream(finished=False)
    text = report(events)
    metrics = parsed(text)
    assert metrics["tstconfig_run_interrupted"] == {Labels(): 1}
    assert metrics["tstconfig_run_passed"] == {Labels(): 0}
    assert "# the run was interrupted (Ctrl-C, SIGTERM or SIGHUP)" in text
    # the host it stopped in never finished: neither its state nor its time is known
    assert by(metrics["tstconfig_host_checked"], "host") == {("web1",): 1, ("web2",): 1}
    assert ("down",) not in by(metrics["tstconfig_host_duration_seconds"], "host")
    # what it reached is still counted
    assert by(metrics["tstconfig_checks"], "host", "outcome")[("down", NOT_RUN)] == 4


def test_a_run_that_passed_but_was_interrupted_did_not_pass():
    events = run_of(*checks(2))
    events[-1] = events[-1]._replace(interrupted=True)
    metrics = parsed(report(events))
    assert metrics["tstconfig_run_passed"] == {Labels(): 0}


def test_a_run_stopped_at_the_first_failure_says_why_in_a_comment():
    events = run_of(*checks(1, FAILED))
    events[-1] = events[-1]._replace(stopped="stopped at the first failure (--exitfirst)")
    text = report(events)
    assert "\n# the run stopped before its end: stopped at the first failure" in text
    parsed(text)


def test_the_same_run_gives_the_same_report_in_run_order(fleet):
    events, text = fleet
    assert report(events) == text
    written = [line.split("{", 1)[1] for line in text.splitlines()
               if line.startswith("tstconfig_check_outcome{") and line.endswith(" 1")]
    ran = [f'host="{e.host}",file="{e.file}",id="{e.id}",outcome="{e.outcome}"}} 1'
           for e in events if isinstance(e, AssertionResult)]
    assert written == ran


def test_a_run_with_nothing_in_it_is_still_valid():
    text = report([RunStarted("1.0", "vm", T0), RunFinished(Summary(), 0.0)])
    metrics = parsed(text)
    assert metrics["tstconfig_run_passed"] == {Labels(): 1}
    assert "tstconfig_checks" not in metrics and text.endswith("\n")


def test_twenty_thousand_results_take_well_under_a_second_or_two():
    events = stream({f"h{n}": (f"ssh://h{n}", body(*checks(1000, (PASSED, FAILED)[n % 2])),
                               None) for n in range(20)}, before=())
    started = time.perf_counter()
    text = report(events)
    took = time.perf_counter() - started
    assert sum(parsed(text)["tstconfig_checks"].values()) == 20_000
    assert took < 2.0, took  # about 0.1 s here, most of it Run.emit's
