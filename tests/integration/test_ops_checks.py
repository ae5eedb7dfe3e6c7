"""The checks ops teams write (issue 14): quantifiers over rows, row filters, set
assertions, defaults and case, variables, required options, trailing comments,
skipping, and assert_empty's documented meaning. Fixtures are files in
tests/fixtures/ops; each test fails on the code before issue 14."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, tstconfig
from reporting import validate_json

OPS = FIXTURES / "ops"
#: `iptables -S` lines as rows with named columns.
RULES = r"""file {rules}
parse_mode regex
pattern ^-A (?P<chain>\S+)(?: -s (?P<src>\S+))?(?: -i \S+)?(?: -p (?P<proto>\S+))?(?: -m \S+)*(?: --ctstate \S+)?(?: --dport (?P<dport>\d+))? -j (?P<target>\S+)
"""


def run(tmp_path: Path, text: str, *args: str) -> dict:
    (tmp_path / "d.tstconfig").write_text(text, encoding="utf-8")
    result = tstconfig("-r", f"json:{tmp_path / 'r.json'}", *args, "d.tstconfig",
                       cwd=tmp_path)
    assert "Traceback" not in result.stderr, result.stderr
    report = validate_json(tmp_path / "r.json")
    report["stdout"] = result.stdout
    return report


def outcomes(report: dict) -> list[tuple[int, str]]:
    return [(r["line"], r["outcome"]) for r in report["results"]]


def messages(report: dict, kind: str = "errors") -> list[str]:
    return [f"{e['line']}: {e['message']}" for e in report[kind]]


def firewall(rules: str, check: str) -> str:
    return RULES.format(rules=OPS / rules) + "columns dport src\nproperty 22\n" + check + "\n"


# -- quantifiers -------------------------------------------------------------------------

def test_port_22_only_from_10_8_fails_on_the_drifted_host(tmp_path):
    check = r"assert_all assert_matches 10\.[0-9.]+/[0-9]+"
    good = run(tmp_path, firewall("web-host.rules", check))
    drifted = run(tmp_path, firewall("drifted-host.rules", check))
    assert [r["outcome"] for r in good["results"]] == ["passed"]
    [result] = drifted["results"]
    assert result["outcome"] == "failed"
    assert result["message"].startswith("1 of 2 row(s) fail assert_matches")
    assert result["message"].endswith(": ''")  # the rule without -s: any source


def test_the_joined_value_is_the_trap_the_quantifier_closes(tmp_path):
    """The check the issue found passing on the drifted host: a pattern on the joined
    value matches the first rule's source and ignores the second."""
    trap = run(tmp_path, firewall("drifted-host.rules", r"assert_matches 10\.0\.0\.0/8 .*"))
    assert outcomes(trap) == [(6, "passed")]


def test_any_and_none_name_the_rows_that_decide(tmp_path):
    text = RULES.format(rules=OPS / "web-host.rules") + (
        "columns target dport\nproperty ACCEPT\n"
        "assert_any assert_eq 443\nassert_none assert_eq 23\nassert_any assert_eq 8080\n"
        "assert_none assert_gt 100\n")
    report = run(tmp_path, text)
    # The loopback and conntrack rules have no port: they cannot be shown not to be
    # above 100, so assert_none fails, naming them and why.
    assert outcomes(report) == [(6, "passed"), (7, "passed"), (8, "failed"), (9, "failed")]
    assert report["results"][2]["message"] == "none of 6 row(s) satisfies assert_eq 8080"
    assert report["results"][3]["message"].startswith(
        "1 of 6 row(s) satisfy assert_gt 100, and 2 cannot be checked: '' (cannot be checked: "
        "assert_gt: the value '' is not")
    assert report["errors"] == []
    report = run(tmp_path, text.replace("property ACCEPT", "where dport ~ [0-9]+\nproperty ACCEPT"))
    assert report["results"][3]["message"] == "1 of 4 row(s) satisfy assert_gt 100: '443'"


def test_assert_all_over_no_rows_fails(tmp_path):
    report = run(tmp_path, firewall("web-host.rules", "").replace(
        "property 22", "property 2222") + "assert_all assert_eq x\nassert_none assert_eq x\n")
    assert outcomes(report) == [(7, "failed"), (8, "passed")]
    assert "no row selected" in report["results"][0]["message"]


def test_quantifier_mistakes_are_located_and_not_run(tmp_path):
    text = firewall("web-host.rules", "assert_all\nassert_all assert_nope 1\n"
                    "assert_all assert_all assert_eq 1\nassert_all assert_gt x") + (
        "section_size\nassert_all assert_eq 1\n")
    report = run(tmp_path, text)
    assert [o for _, o in outcomes(report)] == ["not_run"] * 5
    assert messages(report) == [
        "6: assert_all needs an assertion: assert_all ASSERTION ARGS... (assert_all "
        "assert_ip_in 10.0.0.0/8)",
        "7: assert_all: 'assert_nope' is not an assertion",
        "8: assert_all: assert_all checks rows, not one row's value",
        "9: assert_gt needs one number (ASCII digits, like 42, -1, 0.5 or 1e6), not 'x'",
        "11: assert_all checks rows: it goes after a property (not after section_size)"]


def test_a_sensitive_block_names_no_row(tmp_path):
    report = run(tmp_path, firewall("drifted-host.rules", "assert_all assert_eq 10.0.0.0/8")
                 + "sensitive\n")
    [result] = report["results"]
    assert result["outcome"] == "failed" and result["message"].endswith(": <masked>")
    assert "0/8" not in report["stdout"]


# -- where -------------------------------------------------------------------------------

def test_where_filters_with_operators_and_assertions(tmp_path):
    text = RULES.format(rules=OPS / "web-host.rules") + (
        "columns target dport\n"
        "where proto = tcp\nwhere dport < 100\nproperty ACCEPT\nassert_set_eq 22 80\n"
        "section_size\nassert_eq 3\n"
        "where_clear\nwhere src assert_matches 10\\..*\nsection_size\nassert_eq 2\n"
        "where_clear\nwhere dport ~ 4.*\nproperty ACCEPT\nassert_eq 443\n"
        "where_clear\nsection_size\nassert_eq 6\n")
    assert [o for _, o in outcomes(run(tmp_path, text))] == ["passed"] * 5


def test_where_mistakes_leave_nothing_to_select(tmp_path):
    text = RULES.format(rules=OPS / "web-host.rules") + (
        "where nosuch = 1\nproperty ACCEPT\nassert_undefined\n"
        "where_clear\nwhere dport > 10\nsection_size\nassert_eq 6\n"
        "where_clear\nwhere proto\nwhere_clear\nwhere proto frobs tcp\nwhere 0 assert_eq\n"
        "section_size\nassert_ge 0\n")
    report = run(tmp_path, text)
    # A failed filter must not let the selector see every row: assert_undefined would pass.
    assert outcomes(report) == [(6, "not_run"), (10, "not_run"), (17, "not_run")]
    errors = messages(report)
    assert errors[0].startswith("4: where: no column is named 'nosuch'; the columns are")
    assert errors[1] == "5: property has no rows to select from: the where at line 4 failed " \
                        "(where_clear or section starts over)"
    assert errors[2].startswith("8: where: cannot test column 'dport' of '")  # empty dport
    assert "where needs a column and a test" in errors[4]
    assert "'frobs' is neither an operator" in errors[5]
    # A later filter that could be made does not undo a failed one.
    assert errors[6].startswith("15: where: the where at line 14 failed")


def test_a_section_ends_the_filters(tmp_path):
    conf = tmp_path / "a.ini"
    conf.write_text("[one]\na = 1\nb = 2\n[two]\na = 3\n")
    text = (f"file {conf}\nsyntax ini\nsection one\nwhere 1 = 1\nsection_size\nassert_eq 1\n"
            "section two\nsection_size\nassert_eq 1\nsection one\nsection_size\nassert_eq 2\n")
    assert [o for _, o in outcomes(run(tmp_path, text))] == ["passed"] * 3


# -- sets, empty, default, ignore_case ----------------------------------------------------

def test_set_assertions(tmp_path):
    (tmp_path / "users").write_text("AllowUsers syslog alice\nDenyUsers bob bob\n")
    group = OPS / "group"
    text = ("file users\nproperty AllowUsers\n"
            "assert_only syslog alice bob\nassert_set_eq alice syslog\nassert_unique\n"
            "assert_only syslog\nassert_set_eq alice\nproperty DenyUsers\nassert_set_eq bob\n"
            f"assert_unique\nfile {group}\nsyntax etc_group\ncolumns 2\nproperty\n"
            "assert_unique\nassert_only 0 4\n")
    report = run(tmp_path, text)
    assert [o for _, o in outcomes(report)] == [
        "passed", "passed", "passed", "failed", "failed", "passed", "failed", "passed",
        "failed"]
    assert report["results"][3]["message"] == "['alice'] not among the allowed ['syslog']"
    assert report["results"][4]["message"] == "unexpected ['syslog']"
    assert report["results"][8]["message"] == "['27', '999'] not among the allowed ['0', '4']"


@pytest.mark.parametrize("line, empty", [("sudo:x:27:", True), ("sudo:x:27:a", False)])
def test_assert_empty_counts_only_empty_tokens_as_empty(tmp_path, line, empty):
    """`columns 3 4` past a short row gives ["", ""]: empty, as docs/language.md says."""
    (tmp_path / "group").write_text(line + "\n")
    text = ("file group\nsyntax etc_group\ncolumns 0 3 4\nproperty sudo\n"
            "assert_empty\nassert_not_empty\n")
    report = run(tmp_path, text)
    assert [r["value"] for r in report["results"]][0] == (["", ""] if empty else ["a", ""])
    assert [o for _, o in outcomes(report)] == (
        ["passed", "failed"] if empty else ["failed", "passed"])


def test_sshd_drop_ins_first_value_wins_case_and_defaults(tmp_path):
    text = (f"files {OPS}/sshd_config.d/*.conf {OPS}/sshd_config\nsyntax sshd\n"
            "property PermitRootLogin\nassert_eq no\n"
            "property PasswordAuthentication\nassert_eq no\n"
            "property x11forwarding\nassert_eq yes\n"
            "property PermitEmptyPasswords\ndefault no\nassert_eq no\n"
            "property PermitRootLogin\ndefault yes\nassert_eq no\n"
            "section User backup\nproperty passwordauthentication\nassert_eq yes\n")
    report = run(tmp_path, text)
    assert [o for _, o in outcomes(report)] == ["passed"] * 6


def test_a_failure_names_the_file_a_row_came_from(tmp_path):
    text = (f"files {OPS}/sshd_config.d/*.conf {OPS}/sshd_config\nsyntax sshd\n"
            "property PasswordAuthentication\nassert_eq yes\n")
    [result] = run(tmp_path, text)["results"]
    assert result["message"].endswith(f"(from {OPS}/sshd_config.d/50-hardening.conf)")


def test_ignore_case_and_default_mistakes(tmp_path):
    conf = OPS / "sshd_config"
    text = (f"file {conf}\nproperty x\nignore_case\nassert_undefined\n"
            f"file {conf}\ndefault no\nassert_eq no\n")
    report = run(tmp_path, text)
    # A setting that cannot be made breaks its block; an assertion without a selector
    # checks the undefined value, as in 0.3.
    assert outcomes(report) == [(4, "not_run"), (7, "failed")]
    assert messages(report)[0].startswith("3: ignore_case comes after this block's data")
    assert messages(report)[1] == ("6: default goes right after a property: it is the "
                                   "value of that property when the data does not set it")


# -- variables ----------------------------------------------------------------------------

def test_two_live_values_compared(tmp_path):
    root = tmp_path / "proc"
    (root / "sys" / "vm").mkdir(parents=True)
    (root / "sys/vm/dirty_ratio").write_text("20\n")
    (root / "sys/vm/dirty_background_ratio").write_text("10\n")
    text = ("proc sys/vm/dirty_ratio\nproperty\nlet ratio\n"
            "proc sys/vm/dirty_background_ratio\nproperty\nassert_lt ${ratio}\n"
            "assert_gt ${ratio}\nassert_eq $${ratio}\nassert_eq ${limit}\n")
    report = run(tmp_path, text, "--proc-root", str(root), "--var", "limit=10")
    assert [o for _, o in outcomes(report)] == ["passed", "failed", "failed", "passed"]
    # Reports and ids show the arguments as written, not the values of the day.
    assert report["results"][0]["arguments"] == ["${ratio}"]
    assert report["results"][0]["id"].endswith("(every row) assert_lt ${ratio}")
    assert report["results"][2]["message"] == "expected ['${ratio}'], got ['10']"


def test_variable_mistakes_are_located(tmp_path):
    text = ("proc sys/kernel/ostype\nproperty nosuch\nlet gone\nassert_eq ${gone}\n"
            "let 9x\nassert_eq ${missing}\nassert_eq ${9x}\nproperty\nlet os\n"
            "file /${os}/nosuch\nproperty x\nassert_defined\n")
    report = run(tmp_path, text)
    assert [o for _, o in outcomes(report)] == ["not_run"] * 4
    errors = messages(report)
    assert errors[0].startswith("4: variable 'gone' has no value: the property it was set "
                                "from at line 3 was undefined")
    assert errors[1].startswith("5: let takes one name")
    assert errors[2].startswith("6: variable 'missing' is not set")
    assert errors[3].startswith("7: '${9x}' is not a variable")
    assert errors[4].startswith("10: cannot read file '/Linux/nosuch'")


def test_a_file_without_variables_keeps_dollar_braces(tmp_path):
    """0.3 files quote APT's own ${distro_id}: without `let` or --var it is text."""
    conf = tmp_path / "apt.conf"
    conf.write_text('Origins {\n"${distro_id}:${distro_codename}-security";\n};\n')
    text = f"file {conf}\nsyntax apt\nsection Origins\nproperty ${{distro_id}}:${{distro_codename}}-security\nassert_defined\n"
    assert outcomes(run(tmp_path, text)) == [(5, "passed")]


def test_a_sensitive_variable_is_never_shown(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("token s3cr3t\n")
    text = (f"file {secret}\nsensitive\nproperty token\nlet token\n"
            f"file {secret}\nproperty token\nassert_eq ${{token}}x\n")
    report = run(tmp_path, text)
    [result] = report["results"]
    assert result["outcome"] == "failed" and "s3cr3t" not in str(report)


# -- required options, trailing comments, skipping, allow_missing --------------------------

def test_a_parse_mode_without_its_required_option_is_an_error_before_reading(tmp_path):
    text = ("command sh -c 'echo ran > marker'\nparse_mode keyvalue\nproperty a\n"
            "assert_undefined\nfile /etc/os-release\nparse_mode regex\nproperty a\n"
            "assert_undefined\n").replace("'echo ran > marker'", '"echo ran > marker"')
    report = run(tmp_path, text)
    assert outcomes(report) == [(4, "not_run"), (8, "not_run")]
    assert messages(report) == [
        "2: parse_mode keyvalue needs key_separator: add 'key_separator ...' to the block "
        "(it has no default); the 1 assertion(s) of this block were not run",
        "6: parse_mode regex needs pattern: add 'pattern ...' to the block (it has no "
        "default); the 1 assertion(s) of this block were not run"]
    assert not (tmp_path / "marker").exists()  # the command was never run
    checked = tstconfig("--check", "d.tstconfig", cwd=tmp_path)
    assert "d.tstconfig:2: parse_mode keyvalue needs key_separator" in checked.stdout


def test_a_trailing_comment_is_warned_about(tmp_path):
    text = ("file /etc/os-release\nkey_separator =\nparse_mode keyvalue\n"
            "duplicates_policy ignore # first wins\nproperty ID\nassert_defined  # x\n"
            'assert_not_eq "#x"\n')
    report = run(tmp_path, text)
    warned = messages(report, "warnings")
    assert [w.split(":")[0] for w in warned] == ["4"]
    assert warned[0].startswith("4: '# first wins' is read as arguments, not as a comment")
    assert messages(report)[0].startswith("4: unknown duplicates policy")


def test_only_if_exists_skips_with_the_reason(tmp_path):
    text = (f"file {tmp_path}/nosuch.conf\nonly_if_exists {tmp_path}/nosuch.conf\n"
            "property a\nassert_eq 1\n"
            f"file {OPS}/group\nonly_if_exists {OPS}/group {OPS}/sshd_config.d/*.conf\n"
            "syntax etc_group\nproperty root\nassert_defined\n")
    report = run(tmp_path, text)
    assert outcomes(report) == [(4, "not_run"), (9, "passed")]
    assert report["results"][0]["message"] == (
        f"skipped: '{tmp_path}/nosuch.conf' does not exist on localhost "
        "(only_if_exists at line 2)")
    assert report["errors"] == [] and report["summary"]["failed"] == 0


def test_allow_missing_makes_a_missing_file_undefined(tmp_path):
    text = (f"file {tmp_path}/conf.d/*.conf\nallow_missing\nproperty a\nassert_undefined\n"
            f"file {tmp_path}/conf.d/*.conf\nproperty a\nassert_undefined\n"
            f"file {tmp_path}/nosuch\nallow_missing\nproperty a\nassert_undefined\n")
    report = run(tmp_path, text)
    assert outcomes(report) == [(4, "passed"), (7, "not_run"), (11, "passed")]
    assert "no file matches" in messages(report)[0]



def test_check_knows_a_let_variable_but_not_its_value(tmp_path):
    """--check reads nothing: an assertion on a `let` variable is not validated, a
    variable never set is still an error, and nothing else is checked less."""
    (tmp_path / "d.tstconfig").write_text(
        "proc sys/vm/dirty_ratio\nproperty\nlet ratio\nassert_lt ${ratio}\n"
        "assert_lt ${nope}\nassert_gt x\n")
    result = tstconfig("--check", "d.tstconfig", cwd=tmp_path)
    errors = [line for line in result.stdout.splitlines() if line.startswith("ERROR")]
    assert errors == [
        "ERROR: d.tstconfig:5: variable 'nope' is not set (set it with 'let nope' after a "
        "property, or --var nope=VALUE; set: ratio)",
        "ERROR: d.tstconfig:6: assert_gt needs one number (ASCII digits, like 42, -1, 0.5 or "
        "1e6), not 'x'"]


# -- found by trying it as an adversary (issue 14 review) ---------------------------------

def test_a_sensitive_variable_is_only_for_assertions(tmp_path):
    """Anywhere but an assertion's arguments its value could reach a report: a source
    line, a section, a name (an id), an error."""
    (tmp_path / "secret").write_text("token s3cr3t\n")
    text = ("file secret\nsensitive\nproperty token\nlet pw\n"
            "command echo k ${pw}\nproperty k\nassert_eq nope\n"
            "file secret\nname check ${pw}\nproperty token\nassert_eq ${pw}\n"
            "file secret\nproperty token\nassert_eq ${pw}\nassert_eq x${pw}\n")
    report = run(tmp_path, text)
    assert "s3cr3t" not in str(report) and "s3cr3t" not in report["stdout"]
    errors = messages(report)
    assert errors[0].startswith("5: variable 'pw' holds a value of a sensitive block: use it "
                                "only in an assertion's arguments")
    assert errors[1].startswith("9: variable 'pw' holds a value of a sensitive block")
    # (the first two blocks broke; in an assertion the value is used, and never shown)
    assert outcomes(report) == [(7, "not_run"), (11, "not_run"), (14, "passed"),
                                (15, "failed")]
    assert report["results"][3]["message"].endswith("(the block is sensitive)")


@pytest.mark.parametrize("bad_line", ['where target = "ACCEPT', "wehre target = ACCEPT",
                                      "sensitiv"])
def test_a_line_that_cannot_be_read_breaks_its_block(tmp_path, bad_line):
    """It may have been a filter, a selector or a setting: the assertions after it must not
    check what it was meant to change (here: port 53 is a DROP rule)."""
    (tmp_path / "rules").write_text("-A INPUT -p tcp --dport 22 -j ACCEPT\n"
                                    "-A INPUT -p udp --dport 53 -j DROP\n")
    text = (r"file rules" "\nparse_mode regex\n"
            r"pattern --dport (?P<dport>\d+) -j (?P<target>\S+)" "\n"
            "property 22\nassert_eq ACCEPT\n" + bad_line + "\nproperty 53\nassert_defined\n")
    report = run(tmp_path, text)
    assert outcomes(report) == [(5, "passed"), (8, "not_run")]
    assert messages(report)[0].endswith("; the 1 assertion(s) left in this block were not run")


def test_a_failed_section_leaves_nothing_to_select(tmp_path):
    (tmp_path / "a.ini").write_text("[one]\na = 1\n")
    text = ("file a.ini\nsyntax ini\nsection nosuch\nproperty a\nassert_undefined\n"
            "section_size\nassert_eq 0\nwhere_clear\nproperty a\nassert_undefined\n"
            "section one\nproperty a\nassert_eq 1\n")
    report = run(tmp_path, text)
    assert outcomes(report) == [(5, "not_run"), (7, "not_run"), (10, "not_run"), (13, "passed")]
    assert messages(report)[1] == ("4: property has no rows to select from: the section at "
                                   "line 3 failed (a section starts over)")


def test_an_empty_pattern_is_an_error(tmp_path):
    report = run(tmp_path, "file /etc/passwd\nparse_mode regex\npattern\nproperty root\n"
                           "assert_undefined\n")
    assert outcomes(report) == [(5, "not_run")]
    assert messages(report)[0].startswith("3: pattern: needs a regular expression")


def test_default_mistakes(tmp_path):
    (tmp_path / "c").write_text("a 1\n")
    text = ("file c\nproperty b\ndefault\nassert_defined\nproperty b\ndefault 2\ndefault 3\n"
            "assert_eq 2\nproperty b\nassert_undefined\ndefault 4\nassert_eq 4\n")
    report = run(tmp_path, text)
    assert outcomes(report) == [(4, "failed"), (8, "passed"), (10, "passed"), (12, "failed")]
    assert [e.split(":")[0] for e in messages(report)] == ["3", "7", "11"]
