"""The iptables parser: on its own, and through tstconfig as an installed plugin."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tstconfig_core.api import ParseOptions, PluginError
from tstconfig_iptables import COMMON, IptablesParser, parse_rule

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"


def parse(name: str):
    lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
    return IptablesParser().parse(lines, ParseOptions())


def row(parsed, section: str, number: str) -> dict[str, str]:
    found = next(r for r in parsed.sections[section] if r[0] == number)
    return {name: value for name, value in zip(parsed.column_names, found) if value}


def test_sections_per_table_and_chain_with_policies():
    parsed = parse("web-host.rules")
    assert list(parsed.sections) == ["filter INPUT", "filter FORWARD", "filter OUTPUT",
                                     "filter ssh-limit", "nat PREROUTING", "nat INPUT",
                                     "nat OUTPUT", "nat POSTROUTING"]
    assert parsed.sections["filter INPUT"][0] == ["policy", "DROP"]
    assert parsed.sections["filter ssh-limit"][0] == ["policy", "-"]
    assert ["filter", "FORWARD", "DROP"] in parsed.rows


def test_rules_are_rows_with_option_columns():
    parsed = parse("web-host.rules")
    assert parsed.column_names[:len(COMMON) + 1] == ("rule", *COMMON)
    assert len(parsed.sections["filter INPUT"]) == 1 + 9
    assert row(parsed, "filter INPUT", "6") == {"rule": "6", "-p": "tcp", "-m": "tcp",
                                               "--dport": "22", "-j": "ACCEPT"}
    assert row(parsed, "filter INPUT", "9") == {
        "rule": "9", "-m": "comment,limit", "--comment": "log what the policy drops",
        "--limit": "3/min", "-j": "LOG", "--log-prefix": "input-drop: "}
    assert row(parsed, "filter ssh-limit", "1")["--rsource"] == "yes"  # a flag


def test_negation_aliases_and_repeats():
    assert parse_rule(["!", "-s", "10.0.0.0/8", "--protocol", "tcp", "-m", "tcp",
                       "-m", "multiport", "--dports", "9100,9256", "--syn"]) == {
        "-s": "!10.0.0.0/8", "-p": "tcp", "-m": "tcp,multiport", "--dports": "9100,9256",
        "--syn": "yes"}
    assert parse_rule(["-p", "icmp", "--icmp-type", "-1"]) == {"-p": "icmp", "--icmp-type": "-1"}


@pytest.mark.parametrize("text, message", [
    ("-A INPUT -j ACCEPT", "outside a table"),
    ("*filter\nChain INPUT (policy DROP)", "not iptables-save output"),
    ('*filter\n-A INPUT -m comment --comment "open', "line 2: No closing quotation"),
    ("*filter\n-A INPUT tcp", "unexpected 'tcp'"),
])
def test_what_is_not_iptables_save_is_an_error(text, message):
    with pytest.raises(PluginError, match=message):
        IptablesParser().parse(text.splitlines(), ParseOptions())


def tstconfig(*args: str) -> subprocess.CompletedProcess:
    """The installed tstconfig, run from this distribution's folder."""
    return subprocess.run([sys.executable, "-m", "tstconfig_core", *args], cwd=HERE.parent,
                          capture_output=True, text=True, timeout=60)


def test_the_example_definition_passes():
    result = tstconfig("examples/web-firewall.tstconfig")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Assertions passed: 6" in result.stdout


def test_the_example_definition_catches_a_drifted_firewall(tmp_path):
    definition = (HERE.parent / "examples" / "web-firewall.tstconfig").read_text()
    drifted = tmp_path / "drifted.tstconfig"
    drifted.write_text(definition.replace("web-host.rules", "drifted-host.rules"))
    shutil.copytree(FIXTURES, tmp_path / "tests" / "fixtures")
    result = subprocess.run([sys.executable, "-m", "tstconfig_core", str(drifted)],
                            cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Assertions failed: 5" in result.stdout  # policy, 8080, udp, a port list, accept-all
    assert " Value:     22 80 443 8080" in result.stdout


def test_listed_with_its_version():
    result = tstconfig("--list-plugins")
    assert result.returncode == 0
    lines = [ln.split() for ln in result.stdout.splitlines()]
    assert ["tstconfig.parsers", "iptables", "tstconfig-iptables", "1.0.0", "ok"] in [
        ln[:5] for ln in lines]
    assert ["tstconfig.syntaxes", "iptables", "tstconfig-iptables", "1.0.0", "ok"] in [
        ln[:5] for ln in lines]
