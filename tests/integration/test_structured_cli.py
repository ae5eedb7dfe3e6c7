"""parse_mode json and yaml through the command line, on real output of this machine's
tools (tests/fixtures/structured/README.md says how each was captured)."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import FIXTURES, third_party_plugins, tstconfig

DATA = FIXTURES / "structured"


def run(tmp_path: Path, definition: str, *args: str) -> subprocess.CompletedProcess:
    """Run a definition written into tmp_path (DATA stands for the fixtures' folder)."""
    path = tmp_path / "d.tstconfig"
    path.write_text(textwrap.dedent(definition).replace("DATA", str(DATA)), encoding="utf-8")
    return tstconfig(*args, "d.tstconfig", cwd=tmp_path)


def summary(result: subprocess.CompletedProcess) -> dict[str, int]:
    counts = {}
    for line in result.stdout.splitlines():
        if line.startswith(("Assertions ", "Errors: ")):
            name, _, number = line.rpartition(": ")
            counts[name] = int(number)
    return counts


def test_query_picks_addresses_from_ip_addr(tmp_path):
    result = run(tmp_path, """\
        file DATA/ip-addr.json
        parse_mode json
        query [].{ifname: ifname, addr: addr_info[0].local}
        property lo
        assert_eq 127.0.0.1
        property eth0
        assert_eq 192.0.2.2
        property ifb0
        assert_eq null
        property wg0
        assert_undefined
        section_size
        assert_eq 4
        """)
    assert summary(result) == {"Assertions tested": 5, "Assertions passed": 5,
                               "Assertions failed": 0, "Errors": 0}, result.stdout
    assert result.returncode == 0


def test_columns_name_the_keys_of_a_list_of_objects(tmp_path):
    result = run(tmp_path, """\
        command cat DATA/ip-addr-pretty.json
        parse_mode json
        columns ifname mtu operstate
        property lo
        assert_eq 65536 UNKNOWN
        property eth0
        assert_eq 1400 UP
        """)
    assert result.returncode == 0, result.stdout


def test_lsblk_children(tmp_path):
    result = run(tmp_path, """\
        file DATA/lsblk.json
        parse_mode json
        query blockdevices[].children[].{name: name, mount: mountpoints[0], size: size}
        property loop0p2
        assert_eq /mnt/tstconfig-boot 16M
        property loop0p1
        assert_starts_with null
        section_size
        assert_eq 3
        """)
    assert result.returncode == 0, result.stdout
    assert summary(result)["Assertions passed"] == 3


def test_kubernetes_images_come_from_our_registry_and_are_pinned(tmp_path):
    result = run(tmp_path, """\
        file DATA/k8s-web.yaml
        parse_mode yaml
        query [?kind=='Deployment'].spec.template.spec.containers[] | [].{name: name, image: image}
        property nginx
        assert_eq registry.example.com/shop/nginx:1.25.4
        property metrics
        assert_matches ^registry\\.example\\.com/.+:[0-9][0-9.]*$

        file DATA/k8s-web.yaml
        parse_mode yaml
        query "[?kind=='Deployment'].metadata.labels.""app.kubernetes.io/name\"\"\"
        property
        assert_eq web

        file DATA/k8s-web.yaml
        parse_mode yaml
        query [?kind=='Service'].spec.ports[] | [].{name: name, port: port}
        property http
        assert_eq 80
        property metrics
        assert_eq 9113
        section_size
        assert_eq 2
        """)
    assert summary(result) == {"Assertions tested": 6, "Assertions passed": 6,
                               "Assertions failed": 0, "Errors": 0}, result.stdout


def test_nft_ssh_open_to_the_world_is_found(tmp_path):
    """nft -j list ruleset of a real ruleset: port 22 accepted from 10.0.0.0/8, and (the
    mistake this check exists for) from 0.0.0.0/0."""
    result = run(tmp_path, """\
        file DATA/nft-ruleset.json
        parse_mode json
        query nftables[].rule | [?contains(expr[].keys(@)[], 'accept') && expr[?match.left.payload.field=='dport' && match.right==`22`]].expr[].match.right.prefix | [].join('/', [addr, to_string(len)])
        property 10.0.0.0/8
        assert_defined
        property 0.0.0.0/0
        assert_undefined

        file DATA/nft-ruleset.json
        parse_mode json
        query nftables[?chain].chain | [].{name: name, policy: policy}
        property input
        assert_eq drop
        """)
    assert summary(result) == {"Assertions tested": 3, "Assertions passed": 2,
                               "Assertions failed": 1, "Errors": 0}, result.stdout
    assert "Property:  0.0.0.0/0\n Value:\n Assertion: assert_undefined" in result.stdout
    assert result.returncode == 1


def test_an_empty_result_is_no_rows(tmp_path):
    result = run(tmp_path, """\
        file DATA/ip-addr.json
        parse_mode json
        query [?mtu > `100000`]
        section_size
        assert_eq 0
        property lo
        assert_undefined
        """)
    assert result.returncode == 0, result.stdout


def test_a_bad_query_is_an_error_at_its_line_and_the_block_is_not_run(tmp_path):
    result = run(tmp_path, """\
        file DATA/ip-addr.json
        parse_mode json
        query [].{ifname: ifname, addr: addr_info[0].local
        property lo
        assert_eq 127.0.0.1
        section_size
        assert_eq 4

        file DATA/ip-addr.json
        parse_mode json
        query lenght(@)
        section_size
        assert_eq 1
        """)
    assert ("ERROR: d.tstconfig:3: query: '[].{ifname: ifname, addr: addr_info[0].local' is "
            "not a JMESPath expression: it ends too soon; the 2 assertion(s) of this block "
            "were not run") in result.stdout
    assert ("ERROR: d.tstconfig:11: query: 'lenght(@)': JMESPath has no function lenght(); "
            "it has abs,") in result.stdout
    assert summary(result) == {"Assertions tested": 0, "Assertions passed": 0,
                               "Assertions failed": 0, "Assertions not run": 3, "Errors": 2}
    assert result.returncode == 2


def test_invalid_json_is_an_error_naming_line_and_column(tmp_path):
    """Located, as every parse error is, at the directive that first needs the data."""
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "mtu": 1500,\n  "name": "eth0",,\n}\n', encoding="utf-8")
    result = run(tmp_path, f"""\
        file {broken}
        parse_mode json
        property mtu
        assert_eq 1500
        """)
    assert (f"ERROR: d.tstconfig:3: cannot parse the output of file '{broken}': invalid JSON "
            "at line 3, column 18 (lines counted after skip_header_lines): Expecting property name enclosed in double quotes: "
            "'  \"name\": \"eth0\",,'") in result.stdout
    assert "the 1 assertion(s) of this block were not run" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr and result.returncode == 2


def test_invalid_yaml_is_an_error_naming_line_and_column(tmp_path):
    result = run(tmp_path, """\
        command printf "a: 1\\nb:\\n  - x\\n - y\\n"
        parse_mode yaml
        property a
        assert_eq 1
        """)
    assert ("invalid YAML at line 4, column 2 (lines counted after skip_header_lines): "
            "expected <block end>, but found '<block sequence start>': "
            "' - y'") in result.stdout
    assert result.returncode == 2


def test_an_option_the_mode_does_not_read_is_warned_about(tmp_path):
    result = run(tmp_path, """\
        file DATA/ip-addr.json
        parse_mode json
        separator :
        columns ifname mtu
        property lo
        assert_eq 65536
        """)
    assert ("WARN: d.tstconfig:3: separator has no effect with parse_mode json, which reads "
            "none of these options") in result.stdout
    assert result.returncode == 0


def test_inspect_shows_the_query_and_the_column_names(tmp_path):
    definition = tmp_path / "d.tstconfig"
    definition.write_text(f"file {DATA}/ip-addr.json\nparse_mode json\n"
                          "query [].{ifname: ifname, mtu: mtu}\n", encoding="utf-8")
    result = tstconfig("--inspect", str(definition))
    assert "  query [].{ifname: ifname, mtu: mtu}" in result.stdout
    assert "ifname    mtu" in result.stdout and "lo        65536" in result.stdout


def _without(module: str, tmp_path: Path, definition: str) -> subprocess.CompletedProcess:
    """tstconfig run in a process where ``module`` cannot be imported, as if not installed,
    and which then says whether yaml or jmespath were imported."""
    (tmp_path / "d.tstconfig").write_text(textwrap.dedent(definition).replace("DATA", str(DATA)),
                                          encoding="utf-8")
    code = textwrap.dedent(f"""\
        import sys
        sys.modules[{module!r}] = None  # import {module} raises ImportError
        from tstconfig_core.cli import main
        try:
            main(["d.tstconfig"])
        except SystemExit as exc:
            imported = sorted(m for m in ("yaml", "jmespath") if sys.modules.get(m))
            print("imported:", imported, file=sys.stderr)
            raise
        """)
    env = dict(os.environ, TSTCONFIG_DISABLE_PLUGINS=third_party_plugins())
    return subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, env=env, timeout=60)


def test_without_pyyaml_parse_mode_yaml_says_which_extra_to_install(tmp_path):
    result = _without("yaml", tmp_path, """\
        file DATA/k8s-web.yaml
        parse_mode yaml
        property kind
        assert_defined

        file DATA/ip-addr.json
        parse_mode json
        columns ifname mtu
        property lo
        assert_eq 65536
        """)
    assert ("ERROR: d.tstconfig:3: cannot parse the output of file "
            f"'{DATA}/k8s-web.yaml': parse_mode yaml needs the Python package 'yaml', which "
            "is not installed here: pip install 'tstconfig[yaml]'; the 1 assertion(s) of this "
            "block were not run") in result.stdout
    assert "Assertions passed: 1" in result.stdout  # the json block needs no PyYAML
    assert "Traceback" not in result.stdout + result.stderr
    assert "imported: []" in result.stderr  # json without a query imports neither
    assert result.returncode == 2


def test_without_jmespath_a_query_says_which_extra_to_install(tmp_path):
    result = _without("jmespath", tmp_path, """\
        file DATA/ip-addr.json
        parse_mode json
        query [].ifname
        property lo
        assert_defined
        """)
    assert ("ERROR: d.tstconfig:3: query: the query option needs the Python package "
            "'jmespath', which is not installed here: pip install 'tstconfig[jmespath]'"
            ) in result.stdout
    assert "Assertions not run: 1" in result.stdout and result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr


def test_a_json_source_within_max_size_is_held_within_the_memory_budget(tmp_path):
    """Tiny objects cost the most: 64 KiB of them would take 1.8 MB once read, more than
    the 1 MiB a block of max_size 64K may hold; real output of half that size fits."""
    costly = tmp_path / "costly.json"
    costly.write_text("[" + ",".join(["{}"] * 21000) + "]", encoding="utf-8")
    real = tmp_path / "real.json"
    entries = [(DATA / "ip-addr.json").read_text().strip()[1:-1]] * 18  # 30 KB
    real.write_text("[" + ",".join(entries) + "]", encoding="utf-8")
    result = run(tmp_path, f"""\
        file {costly}
        max_size 64K
        parse_mode json
        section_size
        assert_eq 21000

        file {real}
        max_size 64K
        parse_mode json
        section_size
        assert_eq 72
        """)
    assert ("d.tstconfig:4: the data of this block would take more than 1 MiB of memory to "
            "hold") in result.stdout
    assert summary(result)["Assertions passed"] == 1, result.stdout


def test_yaml_blank_lines_are_the_texts_own(tmp_path):
    """A whole document's parser gets its blank and comment lines (Parser.whole_text):
    a literal block keeps its blank line, and an error's line counts every line."""
    doc = tmp_path / "motd.yaml"
    doc.write_text("# the banner\nmotd: |\n  Authorized use only.\n\n  Logged.\nbad: [\n")
    result = run(tmp_path, f"""\
        file {doc}
        parse_mode yaml
        property motd
        assert_defined
        """)
    assert "invalid YAML at line 6," in result.stdout, result.stdout
    doc.write_text("# the banner\nmotd: |\n  Authorized use only.\n\n  Logged.\n")
    result = run(tmp_path, f"""\
        file {doc}
        parse_mode yaml
        property motd
        assert_matches Authorized use only\\.\\n\\nLogged\\.\\n?
        """)
    assert "Assertions passed: 1" in result.stdout, result.stdout


@pytest.mark.parametrize("mode, document", [
    ("json", '{"a": 0.99999999999999999, "b": -1e-400, "c": 2.50, "d": 1.5}\n'),
    ("yaml", "a: 0.99999999999999999\nb: -1e-400\nc: 2.50\nd: 1.5\n")])
def test_numbers_are_compared_as_written(tmp_path, mode, document):
    """A float would round 0.99999999999999999 to 1.0 and -1e-400 to -0.0: assertions
    compare numbers exactly, so a cell is the number as the document writes it."""
    doc = tmp_path / f"n.{mode}"
    doc.write_text(document)
    result = run(tmp_path, f"""\
        file {doc}
        parse_mode {mode}
        property a
        assert_lt 1
        property b
        assert_lt 0
        property c
        assert_eq 2.50
        property d
        assert_eq 1.5
        """)
    assert "Assertions passed: 4" in result.stdout, result.stdout
