"""The reporters on a fleet run: hand-built event streams of three hosts (one that could
not be reached), fed to each reporter through Run.emit as a run feeds them, read back
with the consumers users have (jsonschema, the Ant XSD, prove, tap.py)."""
from __future__ import annotations

import json
import textwrap
import xml.etree.ElementTree as ET

import pytest

from fleetevents import (BANNER, BLOCK, DOWN, FILE, HOSTS, UNREACHED, body, check, local_stream,
                         observed, reports, saved, stream)
from reporting import prove, tappy, validate_json, validate_junit
from tstconfig_core.api import NOT_RUN, PASSED, Event


@pytest.fixture(scope="module")
def fleet() -> dict[str, str]:
    return reports(stream())


def test_text_groups_by_host_then_tables_the_hosts(fleet):
    assert fleet["text"] == textwrap.dedent("""\
        tstconfig 1.0

        ERROR: missing.tstconfig: cannot read: No such file or directory

        == Host web1 (ssh://admin@web1)
        Reading definition file: sshd.tstconfig
        WAIVED sshd.tstconfig:8 X11Forwarding assert_eq no: legacy app until OPS-1 (owner ops, expires 2027-06-30)

        == Host web2 (ssh://web2:2222)
        Reading definition file: sshd.tstconfig
        WARN: sshd.tstconfig:2: sshd -T: deprecated option 'UsePrivilegeSeparation'
        ASSERTION FAILED
         File:      /etc/ssh/sshd_config
         Property:  PermitRootLogin
         Value:     yes
         Assertion: assert_eq no

        ASSERTION FAILED
         File:      /etc/ssh/sshd_config
         Property:  PermitRootLogin
         Value:     yes
         Assertion: assert_ne yes

        ASSERTION FAILED
         File:      /etc/ssh/sshd_config
         Property:  Banner
         Value:     <script>alert("x")</script>\\x1b[31m
         Assertion: assert_undefined

        == Host down (ssh://down)
        ERROR: ssh://down: cannot check down: ssh: connect to host down port 22: Connection refused

        Reading definition file: sshd.tstconfig

        SUMMARY REPORT: FAIL
        Assertions tested: 9
        Assertions passed: 5
        Assertions failed: 3
        Assertions waived: 1
        Assertions not run: 5
        Errors: 2

        Hosts: 3 (1 passed, 1 failed, 1 not checked)

        host      tested    passed    failed    errors    time  status
        ------  --------  --------  --------  --------  ------  ------------------------------------------------------------------
        web1           5         4         0         0   0.25s  PASS
        web2           4         1         3         0   1.25s  FAIL
        down           0         0         0         1   2.25s  NOT CHECKED: ssh: connect to host down port 22: Connection refused
        """)


def test_quiet_text_names_only_the_hosts_with_something_to_say():
    quiet = reports(stream(), verbosity=-1)["text"]
    assert quiet.startswith(textwrap.dedent("""\
        ERROR: missing.tstconfig: cannot read: No such file or directory

        == Host web2 (ssh://web2:2222)
        ASSERTION FAILED
        """))
    assert "web1 (" not in quiet and "WAIVED" not in quiet and "Reading" not in quiet
    assert quiet.endswith(textwrap.dedent("""\
        Assertion: assert_undefined

        == Host down (ssh://down)
        ERROR: ssh://down: cannot check down: ssh: connect to host down port 22: Connection refused


        SUMMARY REPORT: FAIL
        Assertions tested: 9
        Assertions passed: 5
        Assertions failed: 3
        Assertions waived: 1
        Assertions not run: 5
        Errors: 2

        Hosts: 3 (1 passed, 1 failed, 1 not checked)

        host      tested    passed    failed    errors    time  status
        ------  --------  --------  --------  --------  ------  ------------------------------------------------------------------
        web2           4         1         3         0   1.25s  FAIL
        down           0         0         0         1   2.25s  NOT CHECKED: ssh: connect to host down port 22: Connection refused
        """))
    passing = reports(stream({"web1": HOSTS["web1"], "web3": HOSTS["web1"]}, ()), -1)["text"]
    assert "== Host" not in passing and passing.endswith("Hosts: 2 (2 passed)\n")


def test_json_has_hosts_and_a_host_on_every_item(fleet, tmp_path):
    doc = validate_json(saved(tmp_path, "r.json", fleet["json"]))
    assert list(doc) == ["format", "run", "summary", "hosts", "files", "results", "errors",
                         "warnings"]
    assert doc["files"] == [FILE]  # once, though three hosts ran it
    assert doc["hosts"] == [
        {"name": "web1", "address": "ssh://admin@web1", "status": "PASS", "tested": 5,
         "passed": 4, "failed": 0, "waived": 1, "not_run": 0, "errors": 0, "warnings": 0,
         "duration": 0.25, "error": None},
        {"name": "web2", "address": "ssh://web2:2222", "status": "FAIL", "tested": 4,
         "passed": 1, "failed": 3, "waived": 0, "not_run": 1, "errors": 0, "warnings": 1,
         "duration": 1.25, "error": None},
        {"name": "down", "address": "ssh://down", "status": "FAIL", "tested": 0, "passed": 0,
         "failed": 0, "waived": 0, "not_run": 4, "errors": 1, "warnings": 0, "duration": 2.25,
         "error": DOWN}]
    assert [r["host"] for r in doc["results"]] == ["web1"] * 5 + ["web2"] * 5 + ["down"] * 4
    assert [(e["host"], e["file"]) for e in doc["errors"]] == [
        (None, "missing.tstconfig"), ("down", "ssh://down")]
    assert [w["host"] for w in doc["warnings"]] == ["web2"]
    # each item is what a run of that one host reports, with its host first
    alone = json.loads(reports(local_stream())["json"])
    assert [{k: v for k, v in r.items() if k != "host"} for r in doc["results"][5:10]] \
        == alone["results"]
    assert all(list(r)[0] == "host" for r in doc["results"])
    assert doc["results"][7]["value"] == [BANNER]


def test_json_schema_tells_fleet_reports_from_local_ones(fleet, tmp_path):
    import jsonschema
    doc = json.loads(fleet["json"])
    del doc["results"][0]["host"]  # a fleet report's item without its host
    with pytest.raises(jsonschema.ValidationError):
        validate_json(saved(tmp_path, "a.json", json.dumps(doc)))
    local = json.loads(reports(local_stream())["json"])
    local["results"][0] = {"host": "web2", **local["results"][0]}  # a host outside a fleet
    with pytest.raises(jsonschema.ValidationError):
        validate_json(saved(tmp_path, "b.json", json.dumps(local)))


def test_junit_has_a_suite_per_host_and_file(fleet, tmp_path):
    path = saved(tmp_path, "r.xml", fleet["junit"])
    assert validate_junit(path) == {"tests": 16, "failures": 3, "errors": 2, "skipped": 6}
    suites = ET.parse(path).getroot().findall("testsuite")
    assert [(s.get("name"), s.get("hostname"), s.get("timestamp"), s.get("tests"))
            for s in suites] == [
        ("missing.tstconfig", "controller", "2027-01-15T08:00:00", "1"),
        ("web1: sshd.tstconfig", "web1", "2027-01-15T08:00:00", "5"),
        ("web2: sshd.tstconfig", "web2", "2027-01-15T08:00:01", "5"),
        ("down: ssh://down", "down", "2027-01-15T08:00:02", "1"),  # (the host's start)
        ("down: sshd.tstconfig", "down", "2027-01-15T08:00:02", "4")]
    assert [[p.get("value") for p in s.iter("property")][2:] for s in suites] == [
        [], ["ssh://admin@web1"], ["ssh://web2:2222"], ["ssh://down"], ["ssh://down"]]
    cases = [(c.get("classname"), c.get("name")) for c in ET.parse(path).iter("testcase")]
    assert len(set(cases)) == len(cases)  # two hosts' checks never merge in a CI server
    assert cases[1:3] == [("web1: sshd.tstconfig [file /etc/ssh/sshd_config]",
                           "PermitRootLogin assert_eq no"),
                          ("web1: sshd.tstconfig [file /etc/ssh/sshd_config]",
                           "PermitRootLogin assert_ne yes")]
    assert cases[11] == ("down: ssh://down", f"error: cannot check down: {DOWN}")
    assert '<skipped message="waived: legacy app until OPS-1' in fleet["junit"]
    assert ('<failure message="expected undefined, got [\'&lt;script&gt;alert(&quot;x&quot;)'
            '&lt;/script&gt;\\x1b[31m\']" type="assert_undefined">') in fleet["junit"]
    assert "\x1b" not in fleet["junit"]


TAP_WEB1 = """\
# Subtest: web1
    # Reading definition file: sshd.tstconfig
    ok 1 - sshd.tstconfig::file /etc/ssh/sshd_config::PermitRootLogin assert_eq no
    ok 2 - sshd.tstconfig::file /etc/ssh/sshd_config::PermitRootLogin assert_ne yes
    ok 3 - sshd.tstconfig::file /etc/ssh/sshd_config::Banner assert_undefined
    ok 4 - sshd.tstconfig::file /etc/ssh/sshd_config::X11Forwarding assert_eq no # SKIP waived: legacy app until OPS-1 (owner ops, expires 2027-06-30)
    ok 5 - sshd.tstconfig::file /etc/ssh/sshd_config::root assert_defined
    # web1: tested 5, passed 4, failed 0, waived 1, not run 0, errors 0
    1..5
ok 2 - web1
"""
TAP_DOWN = f"""\
# Subtest: down
    not ok 1 - error at ssh://down: cannot check down: {DOWN}
      ---
      message: "cannot check down: {DOWN}"
      severity: "error"
      file: "ssh://down"
      line: null
      ...
    # Reading definition file: sshd.tstconfig
    ok 2 - sshd.tstconfig::file /etc/ssh/sshd_config::PermitRootLogin assert_eq no # SKIP not run: {UNREACHED}
    ok 3 - sshd.tstconfig::file /etc/ssh/sshd_config::PermitRootLogin assert_ne yes # SKIP not run: {UNREACHED}
    ok 4 - sshd.tstconfig::file /etc/ssh/sshd_config::Banner assert_undefined # SKIP not run: {UNREACHED}
    ok 5 - sshd.tstconfig::file /etc/ssh/sshd_config::X11Forwarding assert_eq no # SKIP not run: {UNREACHED}
    # down: tested 0, passed 0, failed 0, waived 0, not run 4, errors 1; not checked: {DOWN}
    1..5
not ok 4 - down
  ---
  message: "not checked: {DOWN}"
  severity: "error"
  host: "down"
  address: "ssh://down"
  failed: 0
  errors: 1
  ...
# tested 9, passed 5, failed 3, waived 1, not run 5, errors 2
1..4
"""


def test_tap_makes_each_host_a_subtest(fleet, tmp_path):
    tap = fleet["tap"]
    assert tap.startswith("TAP version 14\n# tstconfig 1.0\nnot ok 1 - error at missing."
                          "tstconfig: cannot read: No such file or directory\n")
    assert TAP_WEB1 in tap and tap.endswith(TAP_DOWN)
    web2 = tap[tap.index("# Subtest: web2"):tap.index("# Subtest: down")]
    assert web2.endswith('    1..5\nnot ok 3 - web2\n  ---\n  message: "3 failed, 0 errors"\n'
                         '  severity: "fail"\n  host: "web2"\n  address: "ssh://web2:2222"\n'
                         '  failed: 3\n  errors: 0\n  ...\n')
    assert '      value: ["<script>alert(\\"x\\")</script>\\u001b[31m"]\n' in web2
    path = saved(tmp_path, "r.tap", tap)
    tests, failed, errors, _ = prove(path)  # a point per host (and one per controller error)
    assert (tests, failed) == (4, 3)
    assert errors in ([], ["TAP specified version 14 but we don't know about versions "
                           "later than 13"])
    assert tappy(path) == (4, 3, 0)


def test_tap13_is_one_flat_list_named_by_host(fleet, tmp_path):
    tap = fleet["tap13"]
    points = [line for line in tap.splitlines() if line.startswith(("ok", "not ok"))]
    assert points[1:3] == [
        "ok 2 - web1: sshd.tstconfig::file /etc/ssh/sshd_config::PermitRootLogin assert_eq no",
        "ok 3 - web1: sshd.tstconfig::file /etc/ssh/sshd_config::PermitRootLogin assert_ne yes"]
    assert points[11] == f"not ok 12 - down: error at ssh://down: cannot check down: {DOWN}"
    assert "# == Host web2 (ssh://web2:2222)\n# Reading definition file" in tap
    assert "# web2: tested 4, passed 1, failed 3, waived 0, not run 1, errors 0\n" in tap
    assert tap.endswith("errors 2\n1..16\n") and "    " not in tap.replace("\n  ", "")
    path = saved(tmp_path, "r13.tap", tap)
    assert prove(path)[:3] == (16, 5, [])
    assert tappy(path) == (16, 5, 6)


def test_an_interrupted_fleet_run_still_gives_valid_reports(tmp_path):
    """Ctrl-C in the last host: no HostFinished; its counts are what it got to."""
    got = reports(stream(finished=False))
    assert got["text"].endswith("down           0         0         0         1       -  "
                                "INTERRUPTED\n")
    assert "Run interrupted: the results above are incomplete" in got["text"]
    doc = validate_json(saved(tmp_path, "r.json", got["json"]))
    assert doc["hosts"][2] | {"address": "?"} == {
        "name": "down", "address": "?", "status": "FAIL", "tested": 0, "passed": 0,
        "failed": 0, "waived": 0, "not_run": 4, "errors": 1, "warnings": 0,
        "duration": None, "error": None}
    xml = saved(tmp_path, "r.xml", got["junit"])
    assert validate_junit(xml)["errors"] == 3
    last = ET.parse(xml).getroot().findall("testsuite")[-1]
    assert last.get("name") == "down: sshd.tstconfig"
    assert last.findall("testcase")[-1].get("name").startswith("error: the run was interrupted")
    for name in ("tap", "tap13"):
        assert got[name].endswith("Bail out! interrupted; the results are incomplete\n")
        assert tappy(saved(tmp_path, f"{name}.tap", got[name]))[0] >= 2
    assert got["drift"].startswith("Run interrupted: what it did not reach is not compared.")


def test_a_run_of_one_host_reports_as_before(tmp_path):
    """No Host events, host None everywhere: nothing of fleets in any report (the golden
    reports of tests/integration/test_reporters.py check the bytes)."""
    got = reports(local_stream())
    assert got["text"] == textwrap.dedent("""\
        tstconfig 1.0

        Reading definition file: sshd.tstconfig
        WARN: sshd.tstconfig:2: sshd -T: deprecated option 'UsePrivilegeSeparation'
        ASSERTION FAILED
         File:      /etc/ssh/sshd_config
         Property:  PermitRootLogin
         Value:     yes
         Assertion: assert_eq no

        ASSERTION FAILED
         File:      /etc/ssh/sshd_config
         Property:  PermitRootLogin
         Value:     yes
         Assertion: assert_ne yes

        ASSERTION FAILED
         File:      /etc/ssh/sshd_config
         Property:  Banner
         Value:     <script>alert("x")</script>\\x1b[31m
         Assertion: assert_undefined


        SUMMARY REPORT: FAIL
        Assertions tested: 4
        Assertions passed: 1
        Assertions failed: 3
        Assertions not run: 1
        Errors: 0
        """)
    doc = validate_json(saved(tmp_path, "r.json", got["json"]))
    assert "hosts" not in doc and not any("host" in item for item in
                                          doc["results"] + doc["errors"] + doc["warnings"])
    xml = saved(tmp_path, "r.xml", got["junit"])
    validate_junit(xml)
    suites = ET.parse(xml).getroot().findall("testsuite")
    assert [(s.get("name"), s.get("hostname")) for s in suites] == [(FILE, "controller")]
    assert {c.get("classname") for c in suites[0]} - {None} == {f"{FILE} [{BLOCK}]"}
    assert "host.address" not in got["junit"]
    for name in ("tap", "tap13"):
        assert "Subtest" not in got[name] and "\n    " not in got[name]
        assert "ok 5 - sshd.tstconfig::file /etc/ssh/sshd_config::root assert_defined\n" \
            in got[name]
    assert got["drift"] == ("No drift report: drift compares the hosts of a fleet run (--host, "
                            "--hosts or --inventory), two or more; this run checked one host.\n")


def drift(hosts: dict[str, list[Event]], errors: dict[str, str] = {}) -> str:
    framed = {name: (f"ssh://{name}", body(*events), errors.get(name))
              for name, events in hosts.items()}
    return reports(stream(framed, ()), names=("drift",))["drift"]


def test_drift_shows_each_value_and_its_hosts_majority_first():
    odd = "e\x1b[2J"  # a host name is data too
    values = {"a": ("22", "no", ("aes128-ctr aes256-ctr",), ()),
              "b": ("2222", "yes", ("aes128-ctr", "aes256-ctr"), ("root",)),
              "c": ("22", "without-password", ("aes128-ctr", "aes256-ctr"), ("root",)),
              "d": ("2222", "no", ("aes128-ctr", "aes256-ctr"), ("root",)),
              odd: ("22", None, ("aes128-ctr", "aes256-ctr"), ("root",))}
    hosts = {}
    for name, (port, root, ciphers, users) in values.items():
        hosts[name] = [
            observed(2, "Port", (port,)),
            *(check(line, "PermitRootLogin", (root,) if root else None, "assert_ne", arg,
                    PASSED if root else NOT_RUN, selected_at=3)  # (one property, 2 checks)
              for line, arg in ((3, "yes"), (4, "prohibit"))),
            observed(5, "Ciphers", ciphers), observed(6, "AllowUsers", users),
            observed(7, "UsePAM", ("yes",)),
            observed(8, "HostKey", ("<masked>",), sensitive=True)]
    assert drift(hosts) == textwrap.dedent("""\
        sshd.tstconfig:2 [file /etc/ssh/sshd_config] Port
         Value:     22
         Hosts:     a, c, e\\x1b[2J (3 of 5)
         Value:     2222
         Hosts:     b, d (2 of 5)

        sshd.tstconfig:3 [file /etc/ssh/sshd_config] PermitRootLogin
         Value:     no
         Hosts:     a, d (2 of 5)
         Value:     yes
         Hosts:     b (1 of 5)
         Value:     without-password
         Hosts:     c (1 of 5)
         Not run:   e\\x1b[2J

        sshd.tstconfig:5 [file /etc/ssh/sshd_config] Ciphers
         Value:     ["aes128-ctr", "aes256-ctr"]
         Hosts:     b, c, d, e\\x1b[2J (4 of 5)
         Value:     ["aes128-ctr aes256-ctr"]
         Hosts:     a (1 of 5)

        sshd.tstconfig:6 [file /etc/ssh/sshd_config] AllowUsers
         Value:     root
         Hosts:     b, c, d, e\\x1b[2J (4 of 5)
         Value:     (empty)
         Hosts:     a (1 of 5)

        Not compared, sensitive (values masked): 1 check
         sshd.tstconfig:8 [file /etc/ssh/sshd_config] HostKey

        Drift: 4 of 5 checks differ between the 5 hosts compared.
        """)


def test_drift_when_nothing_differs_or_too_few_hosts():
    same = [observed(2, "Port", ("22",)), check(3, "PermitRootLogin", ("no",), "assert_eq",
                                                 "no", PASSED)]
    assert drift({"a": same, "b": same, "c": same}) == \
        "No drift: 2 checks had the same value on all 3 hosts.\n"
    assert drift({"a": same}) == ("No drift report: drift needs two hosts or more, and "
                                  "1 host could be checked.\n")
    assert drift({"a": same, "down": []}, {"down": DOWN}) == (
        f"Not compared: down could not be checked: {DOWN}\n"
        "No drift report: drift needs two hosts or more, and 1 host could be checked.\n")
