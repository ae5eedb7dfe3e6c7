"""The entry-point index: found without heavy imports, rebuilt when installs change."""
from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap

from conftest import make_dist, tstconfig

PROBE = textwrap.dedent("""\
    import sys
    from tstconfig_core.loading.groups import ASSERTIONS
    from tstconfig_core.loading.registry import PluginRegistry
    registry = PluginRegistry()
    print(sorted(registry.names(ASSERTIONS)))
    registry.instance(ASSERTIONS, "assert_eq")
    print(sorted(m for m in ("stevedore", "importlib.metadata") if m in sys.modules))
""")


def probe(env: dict[str, str]) -> tuple[str, str]:
    """(assertion names, heavy modules imported) of a fresh process."""
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                            env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    names, heavy = result.stdout.strip().splitlines()
    return names, heavy


def test_a_current_index_needs_neither_stevedore_nor_importlib_metadata(tmp_path):
    import os
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("PYTHONPATH", None)
    _, first = probe(env)
    assert first == "[]"  # no index yet: the folders' metadata is read without it
    assert list((tmp_path / "cache" / "tstconfig").glob("entry-points-*.marshal"))
    _, second = probe(env)
    assert second == "[]"  # from the index; assert_eq (a built-in) imported directly


def test_installing_and_removing_a_distribution_is_seen(tmp_path):
    import os
    site = tmp_path / "site"
    site.mkdir()
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "PYTHONPATH": str(site)}
    names, _ = probe(env)
    assert "assert_later" not in names
    make_dist(site, "tsc-later", "1.0", "[tstconfig.assertions]\nassert_later = tsc_later:X\n",
              {"tsc_later": "from tstconfig_core.api import Assertion\n"
                            "class X(Assertion):\n    def check(self, value, args):\n"
                            "        return True\n"})
    names, _ = probe(env)
    assert "assert_later" in names  # the folder changed: the index was rebuilt
    shutil.rmtree(site / "tsc_later-1.0.dist-info")
    names, _ = probe(env)
    assert "assert_later" not in names


def test_an_unwritable_cache_only_costs_time(tmp_path):
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    definition = tmp_path / "d.tstconfig"
    definition.write_text("command echo a b\nproperty a\nassert_eq b\n")
    result = tstconfig(str(definition), env={"XDG_CACHE_HOME": str(blocked)})
    assert result.returncode == 0 and "Assertions passed: 1" in result.stdout
