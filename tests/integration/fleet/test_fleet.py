"""Fleets over real OpenSSH: sshd test hosts on 127.0.0.1 (tests/sshhosts.py), the real
``ssh`` client, tstconfig run as a person runs it."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import third_party_plugins, tstconfig
from reporting import validate_json, validate_junit

NOT_COMPARED = {"duration", "host", "start_time", "time"}


def run(hosts, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return tstconfig("--ssh-config", str(hosts.client_config), *args, timeout=timeout)


def results(report: dict) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in NOT_COMPARED} for r in report["results"]]


def _hostile_tree(top: Path) -> Path:
    """Files whose names and contents look like the script's framing and like shell."""
    top.mkdir()
    (top / "framing.txt").write_bytes(b"Q\nZ 1\nE 1 nosuch\n 41 42 43\nD 2\n\x00\xff\r\nend")
    (top / "it's $(touch PWNED) `id`.conf").write_text("key = 'x\"y'\n")
    (top / "new\nline.conf").write_text("key = newline\n")
    (top / "-rf").write_text("key = dash\n")
    os.symlink("framing.txt", top / "link")
    return top


def _definition(top: Path) -> str:
    q = lambda p: '"' + str(p).replace('"', '""') + '"'  # noqa: E731
    return f"""
file {q(top / 'framing.txt')}
parse_mode regex
pattern (.*)
property Q
assert_defined
property "E 1 nosuch"
assert_defined

file {q(top / '*.conf')}
parse_mode keyvalue
key_separator =
property key
assert_count 2

stat {q(top / '*')}
columns path type
property {q(top / 'link')}
assert_eq symlink

command printf "%s|%s" "it's" "$(touch {top}/PWNED2) `id`"
parse_mode regex
pattern (.*)
property "it's|$(touch {top}/PWNED2) `id`"
assert_defined

command sh -c "echo out; echo err >&2; exit 3"
exit_status
assert_eq 3

command no-such-program-here
property x
assert_defined

file {q(top / 'missing')}
property x
assert_undefined
"""


def test_a_remote_host_answers_as_this_machine_does(ssh_hosts, tmp_path):
    """h1 is this machine over ssh: every answer, hostile names and contents included,
    must give the very results a local run gives, and nothing runs that was data."""
    top = _hostile_tree(tmp_path / "tree")
    definition = tmp_path / "d.tstconfig"
    definition.write_text(_definition(top))
    local = tstconfig("-r", f"json:{tmp_path / 'local.json'}", str(definition))
    remote = run(ssh_hosts, "--host", "h1", "-r", f"json:{tmp_path / 'remote.json'}",
                 str(definition))
    assert local.returncode == remote.returncode == 2, (local.stdout, remote.stdout)
    here, there = validate_json(tmp_path / "local.json"), validate_json(tmp_path / "remote.json")
    assert results(here) == results(there)
    assert [e["message"] for e in here["errors"]] == \
        [e["message"] for e in there["errors"]]
    assert {r["host"] for r in there["results"]} == {"h1"}
    assert not list(top.glob("PWNED*")), "a value reached a shell unquoted"
    outcomes = [r["outcome"] for r in there["results"]]
    assert outcomes == ["passed"] * 6 + ["not_run"] * 2, there["results"]


def test_each_host_gives_its_own_values_and_one_connection(ssh_hosts, tmp_path):
    definition = tmp_path / "color.tstconfig"
    definition.write_text('command sh -c "echo color=$TST_COLOR"\nparse_mode keyvalue\n'
                          'key_separator =\nproperty color\nassert_eq blue\n'
                          'file /etc/hostname\nproperty x\nassert_undefined\n'
                          'proc sys/kernel/ostype\nproperty Linux\nassert_defined\n')
    before = {h: ssh_hosts.accepted_connections(h) for h in ("h1", "h2", "h3")}
    done = run(ssh_hosts, "--hosts", "h1,h2,h3", "-r", f"json:{tmp_path / 'r.json'}",
               "-r", f"junit:{tmp_path / 'r.xml'}", str(definition))
    assert done.returncode == 1, done.stdout + done.stderr
    report = validate_json(tmp_path / "r.json")
    failed = [(r["host"], r["value"]) for r in report["results"] if r["outcome"] == "failed"]
    assert failed == [("h3", ["red"])]
    after = {h: ssh_hosts.accepted_connections(h) for h in ("h1", "h2", "h3")}
    assert {h: after[h] - before[h] for h in after} == {"h1": 1, "h2": 1, "h3": 1}
    validate_junit(tmp_path / "r.xml")


def test_an_unreachable_or_untrusted_host_fails_alone(ssh_hosts, tmp_path):
    definition = tmp_path / "d.tstconfig"
    definition.write_text("file /etc/os-release\nparse_mode keyvalue\nkey_separator =\n"
                          "property ID\nassert_defined\n")
    done = run(ssh_hosts, "--hosts", "h1,down,badkey,h2", "-r",
               f"json:{tmp_path / 'r.json'}", str(definition))
    assert done.returncode == 2
    report = validate_json(tmp_path / "r.json")
    by_host = {r["host"]: r["outcome"] for r in report["results"]}
    assert by_host == {"h1": "passed", "down": "not_run", "badkey": "not_run", "h2": "passed"}
    errors = {e["host"]: e["message"] for e in report["errors"]}
    assert "Connection refused" in errors["down"]
    assert "Host key verification failed" in errors["badkey"]
    assert set(errors) == {"down", "badkey"}


def test_one_job_or_many_give_the_same_reports(ssh_hosts, tmp_path):
    definition = tmp_path / "d.tstconfig"
    definition.write_text('command sh -c "echo color=$TST_COLOR; sleep 0.$$((RANDOM%3))"\n'
                          "parse_mode keyvalue\nkey_separator =\nproperty color\n"
                          "assert_eq blue\n")
    texts = []
    for jobs in ("1", "8"):
        done = run(ssh_hosts, "-j", jobs, "--hosts", "h3,h1,down,h2", "-r",
                   f"json:{tmp_path / jobs}.json", "-r", f"tap:{tmp_path / jobs}.tap",
                   str(definition))
        assert done.returncode == 2
        texts.append((results(validate_json(tmp_path / f"{jobs}.json")),
                      _timeless((tmp_path / f"{jobs}.tap").read_text())))
    assert texts[0] == texts[1]


def _timeless(text: str) -> str:
    import re
    return re.sub(r"duration_ms: [0-9.]+|[0-9.]+ ?s\b", "", text)


def test_a_program_past_its_timeout_is_killed_on_the_host(ssh_hosts, tmp_path):
    definition = tmp_path / "d.tstconfig"
    definition.write_text("command sleep 30\ntimeout 1\nexit_status\nassert_eq 0\n"
                          "command echo fine\nproperty fine\nassert_defined\n")
    started = time.monotonic()
    done = run(ssh_hosts, "--host", "h2", str(definition))
    assert time.monotonic() - started < 15
    assert "command timed out after 1 s" in done.stdout
    assert "Assertions passed: 1" in done.stdout


def test_ctrl_c_stops_every_host_and_still_writes_the_reports(ssh_hosts, tmp_path):
    definition = tmp_path / "d.tstconfig"
    definition.write_text("command sleep 60\nexit_status\nassert_eq 0\n")
    env = dict(os.environ, TSTCONFIG_DISABLE_PLUGINS=third_party_plugins())
    proc = subprocess.Popen([sys.executable, "-m", "tstconfig_core", "--ssh-config",
                             str(ssh_hosts.client_config), "--hosts", "h1,h2,h3",
                             "-r", f"json:{tmp_path / 'r.json'}", str(definition)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    time.sleep(2)
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=20)
    assert proc.returncode == 130
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["run"]["interrupted"] is True
    # every ssh of the run was killed (on the hosts, a program that prints nothing runs
    # on until its block's timeout: docs/fleet.md, "Limits")
    left = subprocess.run(["pgrep", "-f", f"ssh -F {ssh_hosts.client_config}"],
                          capture_output=True, text=True)
    assert not left.stdout.strip(), "an ssh outlived the run"


def test_become_reads_what_only_root_may(ssh_become, tmp_path):
    definition = tmp_path / "d.tstconfig"
    definition.write_text("file /etc/shadow\nsyntax etc_shadow\nproperty root\n"
                          "assert_defined\ncommand id -un\nproperty root\nassert_defined\n")
    plain = run(ssh_become, "--host", "h1-become", str(definition))
    assert plain.returncode == 2 and "Permission denied" in plain.stdout
    become = run(ssh_become, "--become", "--host", "h1-become", str(definition))
    assert become.returncode == 0, become.stdout + become.stderr
    assert "Assertions passed: 2" in become.stdout


def test_become_without_a_sudo_rule_fails_the_host_and_says_why(ssh_hosts, tmp_path):
    """root's own sudo needs no rule; a user without one is refused without a prompt."""
    definition = tmp_path / "d.tstconfig"
    definition.write_text("command id -un\nproperty root\nassert_defined\n")
    done = run(ssh_hosts, "--become-user", "nobody-such-user", "--host", "h2",
               str(definition))
    assert done.returncode == 2
    assert "cannot check h2" in done.stdout and "sudo" in done.stdout


@pytest.mark.parametrize("bad", ["-oProxyCommand=touch /tmp/x", "ssh://-p1", "a b",
                                 "ssh://h1:99999"])
def test_targets_that_are_not_hosts_are_usage_errors(bad, tmp_path):
    definition = tmp_path / "d.tstconfig"
    definition.write_text("file /etc/hostname\nproperty x\nassert_undefined\n")
    done = tstconfig("--host", bad, str(definition))
    assert done.returncode == 2
    assert "Error: Invalid value for --host" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_inventory_gives_hosts_groups_and_their_variables(ssh_hosts, tmp_path):
    """One definition, per-host expectations: the inventory's group and host variables
    are ${NAME}s; a host without one gets an error that names it."""
    pytest.importorskip("ansible", reason="--inventory needs tstconfig[ansible]")
    inventory = tmp_path / "hosts.ini"
    inventory.write_text("[blue]\nh1\nh2 colour_note=second\n\n[red]\nh3 expected=red\n\n"
                         "[blue:vars]\nexpected=blue\n\n[all:vars]\nowner=ops\n")
    definition = tmp_path / "d.tstconfig"
    definition.write_text('command sh -c "echo color=$TST_COLOR; echo host=$TST_HOST"\n'
                          "parse_mode keyvalue\nkey_separator =\nproperty color\n"
                          "assert_eq ${expected}\nproperty host\n"
                          "assert_eq ${inventory_hostname}\n")
    done = run(ssh_hosts, "-i", str(inventory), "-r", f"json:{tmp_path / 'r.json'}",
               str(definition))
    assert done.returncode == 0, done.stdout + done.stderr
    report = validate_json(tmp_path / "r.json")
    assert [r["host"] for r in report["results"]] == ["h1", "h1", "h2", "h2", "h3", "h3"]
    limited = run(ssh_hosts, "-i", str(inventory), "--limit", "blue:!h2", "-r",
                  f"json:{tmp_path / 'l.json'}", str(definition))
    assert limited.returncode == 0
    assert {r["host"] for r in validate_json(tmp_path / "l.json")["results"]} == {"h1"}
    definition.write_text(definition.read_text() + "property color\nassert_eq ${colour_note}\n")
    partial = run(ssh_hosts, "-i", str(inventory), "--limit", "blue", str(definition))
    assert partial.returncode == 2
    assert "variable 'colour_note' is not set on host h1" in partial.stdout
    assert "on host h2" not in partial.stdout


def test_a_host_without_a_program_fails_that_block_alone(ssh_become, tmp_path):
    """sysctl is in root's PATH (/usr/sbin) and not in a plain user's: on h1-become the
    program is missing, which is that block's error on that host, and nothing else."""
    definition = tmp_path / "d.tstconfig"
    definition.write_text("command sysctl -n kernel.ostype\nproperty Linux\nassert_defined\n"
                          "file /etc/os-release\nparse_mode keyvalue\nkey_separator =\n"
                          "property ID\nassert_defined\n")
    done = run(ssh_become, "--hosts", "h1,h1-become", "-r", f"json:{tmp_path / 'r.json'}",
               str(definition))
    assert done.returncode == 2
    report = validate_json(tmp_path / "r.json")
    outcomes = [(r["host"], r["line"], r["outcome"]) for r in report["results"]]
    assert outcomes == [("h1", 3, "passed"), ("h1", 8, "passed"),
                        ("h1-become", 3, "not_run"), ("h1-become", 8, "passed")]
    assert [(e["host"], e["message"].split(";")[0]) for e in report["errors"]] == \
        [("h1-become", "command not found: 'sysctl'")]


def test_hosts_read_their_own_files_through_their_variables(ssh_hosts, tmp_path):
    pytest.importorskip("ansible", reason="--inventory needs tstconfig[ansible]")
    for name, port in (("h1", "22"), ("h2", "2222")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "sshd_config").write_text(f"Port {port}\nPermitRootLogin no\n")
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(f"all:\n  vars:\n    conf: {tmp_path}\n  hosts:\n    h1:\n    h2:\n")
    definition = tmp_path / "d.tstconfig"
    definition.write_text("file ${conf}/${inventory_hostname}/sshd_config\nsyntax sshd\n"
                          "property Port\nproperty PermitRootLogin\nassert_eq no\n")
    done = run(ssh_hosts, "-i", str(inventory), "-r", "drift", str(definition))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Port" in done.stdout and "h1 (1 of 2)" in done.stdout
    assert "PermitRootLogin" not in done.stdout.split("Value:")[0]


def _connections(hosts, name: str) -> int:
    return hosts.accepted_connections(name)


def test_what_a_hostile_review_found_stays_fixed(ssh_hosts, tmp_path):
    """A background child holding the output, a program that ignores SIGTERM past its
    timeout, a symbolic link loop under allow_missing, and 300 blocks (past the error cap
    of the collect step): each as here, and still one connection."""
    (tmp_path / "loop1").symlink_to("loop2")
    (tmp_path / "loop2").symlink_to("loop1")
    blocks = ['command sh -c "sleep 77 & echo started"\ntimeout 2\nproperty started\n'
              'assert_defined\n',
              "command sh -c \"trap '' TERM; sleep 3; echo survived\"\ntimeout 1\n"
              "property survived\nassert_defined\n",
              f"file {tmp_path}/loop1\nallow_missing\nproperty x\nassert_undefined\n"]
    for i in range(300):
        (tmp_path / f"f{i}").write_text(f"k v{i}\n")
        blocks.append(f"file {tmp_path}/f{i}\nproperty k\nassert_eq v{i}\n")
    definition = tmp_path / "d.tstconfig"
    definition.write_text("\n".join(blocks))
    local = tstconfig("-r", f"json:{tmp_path / 'l.json'}", str(definition))
    before = _connections(ssh_hosts, "h2")
    started = time.monotonic()
    remote = run(ssh_hosts, "--host", "h2", "-r", f"json:{tmp_path / 'r.json'}",
                 str(definition))
    assert time.monotonic() - started < 20
    assert _connections(ssh_hosts, "h2") - before == 1
    assert local.returncode == remote.returncode == 2
    assert results(validate_json(tmp_path / "l.json")) == \
        results(validate_json(tmp_path / "r.json"))
    subprocess.run(["pkill", "-f", "sleep 77"])


def test_waived_failures_are_waived_in_each_host_summary(ssh_hosts, tmp_path):
    definition = tmp_path / "c.tstconfig"
    definition.write_text('command sh -c "echo color=$TST_COLOR"\nparse_mode keyvalue\n'
                          "key_separator =\nproperty color\nassert_eq blue\n")
    waivers = tmp_path / "w.toml"
    waivers.write_text('[[waiver]]\npattern = "*"\nreason = "repainting h3"\n'
                       'owner = "ops"\nexpires = "2099-01-01"\n')
    done = run(ssh_hosts, "--hosts", "h1,h3", "--waivers", str(waivers), "-r",
               f"json:{tmp_path / 'r.json'}", str(definition))
    assert done.returncode == 0, done.stdout + done.stderr
    hosts = {h["name"]: h for h in validate_json(tmp_path / "r.json")["hosts"]}
    assert (hosts["h3"]["failed"], hosts["h3"]["waived"]) == (0, 1)
    assert hosts["h3"]["status"] == "PASS"


def test_drift_tells_the_same_property_under_other_columns_apart(ssh_hosts, tmp_path):
    definition = tmp_path / "d.tstconfig"
    definition.write_text('command sh -c "echo /etc/x 0644 root $TST_COLOR"\ncolumns 0 1\n'
                          "property /etc/x\ncolumns 0 2 3\nproperty /etc/x\n")
    done = run(ssh_hosts, "--hosts", "h1,h2,h3", "-r", "drift", str(definition))
    assert "root red" in done.stdout and "h3 (1 of 3)" in done.stdout, done.stdout
