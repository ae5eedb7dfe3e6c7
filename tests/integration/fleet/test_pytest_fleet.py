"""``pytest --tstconfig --tstconfig-host ...``: each assertion an item per host, over real
sshd test hosts (see conftest.py), in a real pytest subprocess."""
from __future__ import annotations

from pytests import outcomes, pytest_run

BLOCK = 'd.tstconfig::command sh -c "echo color=$TST_COLOR"::color assert_eq blue'


def test_an_item_per_host(ssh_hosts, tmp_path):
    (tmp_path / "d.tstconfig").write_text('command sh -c "echo color=$TST_COLOR"\n'
                                          "parse_mode keyvalue\nkey_separator =\n"
                                          "property color\nassert_eq blue\n")
    before = {h: ssh_hosts.accepted_connections(h) for h in ("h1", "h2", "h3")}
    done = pytest_run("--tstconfig", "d.tstconfig", "--tstconfig-ssh-config",
                      str(ssh_hosts.client_config), *(f"--tstconfig-host={h}" for h in
                                                      ("h1", "h2", "h3", "down")), cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert outcomes(done) == {f"{BLOCK}[h1]": "PASSED", f"{BLOCK}[h2]": "PASSED",
                              f"{BLOCK}[h3]": "FAILED", f"{BLOCK}[down]": "ERROR"}, done.stdout
    assert " Value:     red\n Assertion: assert_eq blue" in done.stdout
    assert "Connection refused" in done.stdout
    after = {h: ssh_hosts.accepted_connections(h) for h in ("h1", "h2", "h3")}
    assert {h: after[h] - before[h] for h in after} == {"h1": 1, "h2": 1, "h3": 1}
    only = pytest_run("--tstconfig", "d.tstconfig", "--tstconfig-ssh-config",
                      str(ssh_hosts.client_config), "--tstconfig-host=h1",
                      "--tstconfig-host=h3", "-k", "h3", cwd=tmp_path)
    assert outcomes(only) == {f"{BLOCK}[h3]": "FAILED"}
