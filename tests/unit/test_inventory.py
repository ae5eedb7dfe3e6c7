"""Fleets from Ansible inventories, read by a real ansible-core: the fixture files under
tests/fixtures/inventories/ are inventories as users write them."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import FIXTURES

if os.environ.get("TSTCONFIG_REQUIRE_ANSIBLE") != "1":  # CI sets it: there, no skipping
    pytest.importorskip("ansible", reason="ansible-core is not installed, the optional extra "
                        "--inventory needs (pip install 'tstconfig[ansible]')")

from tstconfig_core.fleet.inventory import (NEEDS_ANSIBLE, Inventory,  # noqa: E402
                                            InventoryError, load_inventory)
from tstconfig_core.fleet.targets import TargetError  # noqa: E402

INVENTORIES = FIXTURES / "inventories"
ROOT = Path(__file__).parents[2]


def load(name: str, limit: str | None = None) -> Inventory:
    return load_inventory([str(INVENTORIES / name)], limit)


def by_name(inventory: Inventory) -> dict:
    return {t.name: t for t in inventory.targets}


def python(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """``code`` in a fresh interpreter (ansible-core reads its config once a process)."""
    full_env = dict(os.environ, HOME=str(tmp_path / "home"), **env)
    full_env.pop("ANSIBLE_LOCAL_TEMP", None)
    (tmp_path / "home").mkdir(exist_ok=True)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=120)


def test_ini_groups_children_and_host_line_variables():
    inventory = load("groups.ini")
    # Ansible's order (``ansible all --list-hosts``), each host once (web2 is in two groups)
    assert [t.name for t in inventory.targets] == ["local", "web2", "stage1", "web1", "db1", "db2"]
    hosts = by_name(inventory)
    web1 = hosts["web1"]
    assert (web1.kind, web1.address, web1.port, web1.user) == ("ssh", "10.0.0.1", 2222, "deploy")
    assert web1.where == "ssh://deploy@10.0.0.1:2222"
    assert hosts["web2"].address == "10.9.9.2"  # ansible_ssh_host wins, as in Ansible's ssh
    variables = {name: dict(t.variables) for name, t in hosts.items()}
    assert variables["web1"]["tier"] == "front"     # [web:vars] beats its parent's [prod:vars]
    assert variables["db1"]["tier"] == "back"
    assert variables["web1"]["env"] == "prod"       # inherited from the parent group
    assert variables["web1"]["http_port"] == "80"
    assert variables["web2"]["http_port"] == "8080"  # the host line beats group vars
    assert variables["web2"]["group_names"] == "prod staging web"
    assert inventory.warnings == []


def test_connection_kinds_and_options():
    hosts = by_name(load("groups.ini"))
    assert {n: t.kind for n, t in hosts.items()} == {
        "local": "local", "web1": "ssh", "web2": "ssh", "stage1": "ssh",
        "db1": "docker",  # community.docker.docker: a third party's host kind
        "db2": "ssh"}     # paramiko
    assert hosts["local"].where == "local://"
    assert dict(hosts["db1"].options) == {"become": True, "become_user": "postgres"}
    assert dict(hosts["db2"].options) == {"become": False, "identity_file": "/keys/db"}
    assert dict(hosts["stage1"].options) == {"ssh_common_args": "-o ProxyJump=bastion",
                                             "ssh_extra_args": "-4"}
    assert dict(hosts["web1"].options) == {}


def test_yaml_nested_children_and_vars():
    hosts = by_name(load("nested.yml"))
    assert list(hosts) == ["typed", "rack1-b", "rack2-a"]
    region = {n: dict(t.variables)["region"] for n, t in hosts.items()}
    assert region == {"typed": "eu", "rack1-b": "us", "rack2-a": "ap"}
    assert dict(hosts["rack2-a"].variables)["group_names"] == "datacenter rack2"
    assert hosts["rack2-a"].port == 2200  # "2200", a string in YAML, is a port too


def test_variables_of_each_type_become_text():
    inventory = load("nested.yml")
    assert dict(by_name(inventory)["typed"].variables) == {
        "count": "22", "ratio": "1.5", "enabled": "true", "disabled": "false",
        "nothing": "", "day": "2024-01-02", "quoted_version": "1.10",
        "items": '["a",1,true]', "mapping": '{"key":"value","list":[1,2]}',
        "ntp_servers": '["ntp1","ntp2"]', "region": "eu",
        "text": "as written: {{ not_rendered }}",  # not rendered
        "inventory_hostname": "typed", "group_names": "datacenter rack1"}
    # plain str, not ansible-core's tagged ones: records that pickle and compare as text
    assert all(type(s) is str for t in inventory.targets for s in (t.name, *sum(t.variables, ())))
    names = [n for n, _ in by_name(inventory)["typed"].variables]
    assert names == sorted(names)


def test_variables_left_out_are_warned_of_and_passwords_never_kept():
    inventory = load("nested.yml")
    warnings = "\n".join(inventory.warnings)
    assert "variable 'bad-name' left out (host typed): not a tstconfig variable name" in warnings
    assert "variable 'vaulted' left out (host typed): it is encrypted with Ansible" in warnings
    assert "not for tstconfig" not in warnings
    assert not any("pass" in name for t in inventory.targets for name, _ in t.variables)


def test_group_vars_and_host_vars_folders_apply_with_ansibles_precedence():
    hosts = by_name(load("vars/hosts.ini"))
    web1, web2, db1 = (dict(hosts[n].variables) for n in ("web1", "web2", "db1"))
    assert web1["shadowed"] == "host_vars" and web2["shadowed"] == "all"
    assert web1["from_line"] == "line"
    # group_vars/web/ beats [web:vars] and group_vars/prod.yml; a parent beats all
    assert (web1["role"], db1["role"]) == ("from-web-folder", "from-prod")
    assert hosts["web1"].port == 2201 and hosts["db1"].user == "admin"


@pytest.mark.parametrize("name", ["groups.ini", "vars/hosts.ini", "folder"])
def test_variables_are_those_ansible_inventory_lists(name, tmp_path):
    """The real consumer: ``ansible-inventory --list`` reads the same values."""
    if name == "folder":
        shutil.copytree(INVENTORIES / name, tmp_path / name)
        (tmp_path / name / "20-dynamic.py").chmod(0o755)
        source = tmp_path / name
    else:
        source = INVENTORIES / name
    listed = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-inventory"), "-i", str(source), "--list"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=True,
        env=dict(os.environ, HOME=str(tmp_path), ANSIBLE_LOCAL_TEMP=str(tmp_path)))
    hostvars = json.loads(listed.stdout)["_meta"]["hostvars"]
    for target in load_inventory([str(source)]).targets:
        ours = {n: v for n, v in target.variables
                if n not in ("inventory_hostname", "group_names")}
        theirs = hostvars.get(target.name, {})
        assert ours == {n: v if isinstance(v, str) else json.dumps(v, separators=(",", ":"))
                        for n, v in theirs.items()}, target.name


@pytest.mark.parametrize("limit, names", [
    ("web", ["web2", "web1"]),
    ("w*", ["web2", "web1"]),
    ("web:&staging", ["web2"]),
    ("prod:!web1", ["web2", "db1", "db2"]),
    ("!db1", ["local", "web2", "stage1", "web1", "db2"]),
    ("~^db[0-9]$", ["db1", "db2"]),
    ("db2,web1", ["web1", "db2"]),     # Ansible's order, not the pattern's
    ("web[0]", ["web1"]),               # the first of group web, as written
])
def test_limit_has_ansibles_semantics(limit, names):
    assert [t.name for t in load("groups.ini", limit).targets] == names


def test_a_limit_matching_nothing_is_an_error_naming_it():
    with pytest.raises(InventoryError, match=r"--limit 'nope' matches no host") as error:
        load("groups.ini", "nope")
    assert "Could not match supplied host pattern, ignoring: nope" in str(error.value)
    assert isinstance(error.value, TargetError)


@pytest.mark.parametrize("limit, message", [
    ("~(", r"--limit '~\(': Invalid host list pattern"),
    ("@/no/such/file", r"--limit '@/no/such/file': Unable to find limit file"),
])
def test_a_limit_ansible_cannot_use_is_an_error(limit, message):
    with pytest.raises(InventoryError, match=message):
        load("groups.ini", limit)


def test_a_limit_from_a_file(tmp_path):
    (tmp_path / "retry").write_text("db2\nweb1\n")
    retried = load("groups.ini", f"@{tmp_path / 'retry'}")
    assert [t.name for t in retried.targets] == ["web1", "db2"]


def test_a_limit_partly_matching_warns():
    inventory = load("groups.ini", "nope,db1")
    assert [t.name for t in inventory.targets] == ["db1"]
    assert inventory.warnings == ["Could not match supplied host pattern, ignoring: nope"]


def test_an_unparseable_inventory_is_an_error_with_ansibles_reason(capfd):
    with pytest.raises(InventoryError) as error:
        load("broken.ini")
    message = str(error.value)
    assert "Completely failed to parse inventory source" in message
    assert "Failed to parse inventory with 'ini' plugin" in message  # Ansible's reason
    assert "Traceback" not in message
    assert capfd.readouterr() == ("", "")  # nothing printed: all in the error


def test_one_unparseable_source_of_several_is_an_error(tmp_path):
    (tmp_path / "bad.yml").write_text("all:\n  hosts: [a, b\n")
    with pytest.raises(InventoryError, match="YAML parsing failed"):
        load_inventory([str(INVENTORIES / "groups.ini"), str(tmp_path / "bad.yml")])


@pytest.mark.parametrize("name, message", [
    ("empty.ini", "the inventory has no hosts"),
    ("missing.ini", "missing.ini': no such file or folder"),
    ("badport.ini", "host web1: ansible_port is 'ssh', not a port number"),
    ("badbecome.ini", "host web1: ansible_become is 'maybe', not a boolean"),
    ("template.ini", "host web1: ansible_host is a template"),
    ("vaultfile/hosts.ini", "tstconfig does not decrypt Ansible Vault"),
])
def test_inventories_that_give_no_fleet(name, message):
    with pytest.raises(InventoryError, match=message):
        load(name)


def test_a_folder_of_a_static_and_a_dynamic_inventory(tmp_path):
    shutil.copytree(INVENTORIES / "folder", tmp_path / "folder")
    (tmp_path / "folder" / "20-dynamic.py").chmod(0o755)  # a checkout may lose the mode
    hosts = by_name(load_inventory([str(tmp_path / "folder")]))
    assert list(hosts) == ["web1", "web2", "db1", "db2"]
    assert hosts["db1"].address == "10.1.0.1"
    assert dict(hosts["db2"].variables)["engine"] == "postgres"
    assert dict(hosts["web1"].variables)["from_script"] == "yes"


def test_an_inventory_plugin_of_a_collection(tmp_path):
    done = python(f"""
        from tstconfig_core.fleet.inventory import load_inventory
        inventory = load_inventory([{str(INVENTORIES / "plugin" / "hosts.acme.yml")!r}], "made")
        print([(t.name, t.port) for t in inventory.targets], inventory.warnings)
        """, tmp_path, ANSIBLE_COLLECTIONS_PATH=str(INVENTORIES / "collections"))
    assert done.stdout == "[('made0', 2200), ('made1', 2201), ('made2', 2202)] []\n", done.stderr
    assert done.stderr == ""


def test_nothing_is_written_into_the_home_folder(tmp_path):
    done = python(f"""
        from tstconfig_core.fleet.inventory import load_inventory
        print(len(load_inventory([{str(INVENTORIES / "groups.ini")!r}]).targets))
        """, tmp_path)
    assert (done.stdout, done.stderr) == ("6\n", "")
    assert list((tmp_path / "home").iterdir()) == []


def test_without_ansible_core_the_error_says_how_to_install_it(tmp_path):
    done = python(f"""
        import sys
        sys.modules["ansible"] = None  # import ansible raises ImportError, as when missing
        from tstconfig_core.fleet.inventory import InventoryError, load_inventory
        try:
            load_inventory([{str(INVENTORIES / "groups.ini")!r}])
        except InventoryError as error:
            print(error)
        """, tmp_path)
    assert done.stdout == NEEDS_ANSIBLE + "\n", done.stderr
    assert "pip install 'tstconfig[ansible]'" in NEEDS_ANSIBLE


def test_warnings_are_kept_where_ansible_has_no_warning_context(monkeypatch, capfd):
    """Before ansible-core 2.19: what Ansible's Display would print is kept instead."""
    from tstconfig_core.fleet import inventory
    monkeypatch.setattr(inventory, "_kept_warnings", inventory._printed)
    assert load("groups.ini", "nowhere,db1").warnings == [
        "Could not match supplied host pattern, ignoring: nowhere"]
    with pytest.raises(InventoryError, match="Failed to parse inventory with 'ini' plugin"):
        load("broken.ini")
    assert capfd.readouterr() == ("", "")


def test_a_thousand_hosts(tmp_path):
    lines = []
    for group in range(10):
        lines.append(f"[g{group}]")
        lines += [f"h{group}{n:02d} ansible_host=10.0.{group}.{n} ansible_port={2200 + n}"
                  for n in range(100)]
        lines.append(f"[g{group}:vars]\nrole=r{group}")
    (tmp_path / "hosts.ini").write_text("\n".join(lines) + "\n")
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "group_vars" / "all.yml").write_text("ntp: [a, b]\n")
    targets = load_inventory([str(tmp_path / "hosts.ini")]).targets
    assert len(targets) == 1000 and len({t.name for t in targets}) == 1000
    assert targets[-1].port == 2299 and dict(targets[-1].variables)["ntp"] == '["a","b"]'
