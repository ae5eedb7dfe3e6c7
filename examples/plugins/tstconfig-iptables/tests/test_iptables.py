"""The iptables parser: on its own, and through tstconfig in-process (its testing kit,
with this distribution's plugins from pyproject.toml: nothing to install)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tstconfig_core.api import ParseOptions, PluginError
from tstconfig_core.testing import parse_options, parse_text
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


def test_the_example_definition_passes(tstconfig_run):
    definition = (HERE.parent / "examples" / "web-firewall.tstconfig").read_text()
    result = tstconfig_run(definition, name="web-firewall.tstconfig", cwd=HERE.parent)
    assert result.ok, result.report()
    assert result.outcomes() == ["passed"] * 6


def test_the_example_definition_catches_a_drifted_firewall(tstconfig_run):
    definition = (HERE.parent / "examples" / "web-firewall.tstconfig").read_text()
    result = tstconfig_run(definition.replace("web-host.rules", "drifted-host.rules"),
                           cwd=HERE.parent)
    assert result.exit_status == 1, result.report()
    assert result.summary.failed == 5  # policy, 8080, udp, a port list, accept-all
    assert ("22", "80", "443", "8080", "") in [r.value for r in result.results
                                                if r.outcome == "failed"]


def test_the_syntax_on_rules_given_as_text(tstconfig_run):
    rules = (FIXTURES / "web-host.rules").read_text()
    result = tstconfig_run("file /etc/iptables/rules.v4\nsyntax iptables\n"
                           "section filter INPUT\nproperty policy\nassert_eq ACCEPT\n",
                           files={"/etc/iptables/rules.v4": rules})
    assert result.outcomes() == ["failed"]
    assert result.results[0].value == ("DROP",)
    assert "ASSERTION FAILED" in result.report()


def test_a_parse_as_the_core_makes_it():
    """The kit's parse_text: skip_header_lines and comment lines applied first."""
    parser = IptablesParser()
    text = "# saved\n" + (FIXTURES / "web-host.rules").read_text()
    parsed = parse_text(parser, text, parse_options("hash_comment_allowed true", parser=parser))
    assert parsed.sections["filter INPUT"][0] == ["policy", "DROP"]
