"""The entry-point index is kept per folder of sys.path: the same for every way of starting
tstconfig, scanned again only where a folder changed, and equal to importlib.metadata's."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest

from tstconfig_core.loading import index
from tstconfig_core.loading.groups import ALL

COMPARE = textwrap.dedent("""\
    import json, sys
    from tstconfig_core.loading.index import installed
    mine = [list(ep) for ep in installed()]
    slow = "importlib.metadata" in sys.modules
    from importlib.metadata import entry_points
    from tstconfig_core.loading.groups import ALL
    theirs = sorted([ep.name, ep.value, ep.group, ep.dist.name, ep.dist.version]
                    for group in ALL for ep in entry_points(group=group.name))
    print(json.dumps({"mine": mine, "theirs": theirs, "slow": slow}))
""")
HEAVY = ("importlib.metadata", "email", "zipfile")


def dist(root: Path, folder: str, metadata: str = "", points: str = "",
         metadata_file: str = "METADATA") -> Path:
    """A distribution's metadata folder, as an installer leaves one."""
    info = root / folder
    info.mkdir(parents=True)
    if metadata:
        (info / metadata_file).write_bytes(metadata.encode())
    if points:
        (info / "entry_points.txt").write_text(textwrap.dedent(points), encoding="utf-8")
    return info


def assertion(name: str) -> str:
    return f"[tstconfig.assertions]\n{name} = somewhere:{name.title()}\n"


def compare(env: dict[str, str], cwd: Path) -> dict:
    result = subprocess.run([sys.executable, "-c", COMPARE], capture_output=True, text=True,
                            env=env, cwd=cwd, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), **extra}
    if "PYTHONPATH" not in extra:
        env.pop("PYTHONPATH", None)
    return env


def names(listing: list[list[str]]) -> set[str]:
    return {ep[0] for ep in listing}


def heavy_imports(stderr: str) -> list[str]:
    """The modules of HEAVY that ``-X importtime`` says were imported."""
    return [line.rsplit("|", 1)[1].strip() for line in stderr.splitlines()
            if line.startswith("import time:") and line.rsplit("|", 1)[1].strip() in HEAVY]


def settle(*paths: Path, ago: float = 60) -> None:
    """Give paths an older time, as if changed long ago: nothing is scanned for being new."""
    then = time.time() - ago
    for path in paths:
        os.utime(path, (then, then))


def test_the_index_equals_importlib_metadata_here(tmp_path, monkeypatch):
    from importlib.metadata import entry_points
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    theirs = sorted((ep.name, ep.value, ep.group, ep.dist.name, ep.dist.version)
                    for group in ALL for ep in entry_points(group=group.name))
    assert [tuple(ep) for ep in index.installed()] == theirs  # scanned
    index._known.cache_clear()
    assert [tuple(ep) for ep in index.installed()] == theirs  # from the file
    assert any(ep.dist == "tstconfig" for ep in index.installed())


def test_the_index_equals_importlib_metadata_where_it_is_tricky(tmp_path):
    first, second, here = tmp_path / "first", tmp_path / "second", tmp_path / "here"
    # The first folder of a name wins, even without tstconfig entry points; names are
    # compared normalized; a leftover of an older version is passed over.
    dist(first, "tsc_dup-2.0.dist-info", "Name: tsc-dup\nVersion: 2.0\n")
    dist(second, "tsc_dup-1.0.dist-info", "Name: tsc-dup\nVersion: 1.0\n",
         assertion("assert_dup_hidden"))
    dist(first, "Tsc.Norm-2.0.dist-info", "Name: Tsc.Norm\nVersion: 2.0\n",
         assertion("assert_norm_first"))
    dist(second, "tsc_norm-1.0.dist-info", "Name: tsc_norm\nVersion: 1.0\n",
         assertion("assert_norm_hidden"))
    (first / "tsc_file-1.0-py3.11.egg-info").write_text("Name: tsc-file\nVersion: 1.0\n")
    dist(second, "tsc_file-2.0.dist-info", "Name: tsc-file\nVersion: 2.0\n",
         assertion("assert_file_hidden"))
    for version in ("1.0", "2.0"):
        dist(first, f"tsc_two-{version}.dist-info", f"Name: tsc-two\nVersion: {version}\n",
             assertion(f"assert_two_{version[0]}"))
    # Headers as the email parser reads them (any case, CRLF, blanks kept at the end),
    # entry points as importlib.metadata's reader does, an egg-info folder.
    dist(first, "tsc_crlf-1.0.dist-info", "Metadata-Version: 2.1\r\nX-Note: a\r\n  b: c\r\n"
         "name: tsc-crlf\r\nName: not-this\r\nversion:  1.0 \r\n\r\nName: body\r\n",
         assertion("assert_crlf"))
    dist(first, "tsc_points-1.0.dist-info", "Name: tsc-points\nVersion: 1.0\n"
         "Summary:\tafter both, not read\nLicense: folded\n  over lines\n",
         "no pair before a group\n# comment\n[tstconfig.assertions]\n"
         "  assert_points =  m:P [extra] \n"
         "[[tstconfig.sources]]\nsource_points=m:S\n[other]\nx=y\n")
    dist(first, "tsc_egg.egg-info", "Name: tsc-egg\nVersion: 0.1\n",
         assertion("assert_egg"), metadata_file="PKG-INFO")
    dist(here, "tsc_here-1.0.dist-info", "Name: tsc-here\nVersion: 1.0\n",
         assertion("assert_here"))  # the working folder ('' for python -c)
    found = compare(clean_env(tmp_path, PYTHONPATH=f"{first}{os.pathsep}{second}"), here)
    assert found["mine"] == found["theirs"] and not found["slow"]
    # What goes to importlib.metadata: folded and odd headers, a name taken from the
    # metadata (not the folder's), an egg folder, a zip file.
    folded, tabbed, upper = tmp_path / "folded", tmp_path / "tabbed", tmp_path / "upper"
    dist(folded, "tsc_fold-1.0.dist-info", "Name: tsc-fold\n  continued\nVersion: 1.0\n",
         assertion("assert_fold"))
    dist(tabbed, "tsc_tab-1.0.dist-info", "Name:\ttsc-tab\nVersion: 1.0\n",
         assertion("assert_tab"))
    dist(upper, "TSC_UP-1.0.DIST-INFO", "Name: tsc-up-real\nVersion: 1.0\n",
         assertion("assert_up"))
    dist(second, "tsc_up_real-1.0.dist-info", "Name: tsc-up-real\nVersion: 0.1\n",
         assertion("assert_up_hidden"))
    egg = tmp_path / "tsc_eggdir-1.0-py3.11.egg"
    dist(egg, "EGG-INFO", "Name: tsc-eggdir\nVersion: 1.0\n", assertion("assert_eggdir"),
         metadata_file="PKG-INFO")
    zipped = tmp_path / "zipped.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("tsc_zip-1.0.dist-info/METADATA", "Name: tsc-zip\nVersion: 1.0\n")
        archive.writestr("tsc_zip-1.0.dist-info/entry_points.txt", assertion("assert_zip"))
    path = os.pathsep.join(map(str, (first, folded, tabbed, upper, second, egg, zipped)))
    env = clean_env(tmp_path, PYTHONPATH=path)
    for _ in range(2):  # scanned, then from the index
        found = compare(env, here)
        assert found["mine"] == found["theirs"]
    found_names = names(found["mine"])
    assert {"assert_norm_first", "assert_crlf", "assert_points", "source_points", "assert_egg",
            "assert_here", "assert_fold", "assert_tab", "assert_up", "assert_eggdir",
            "assert_zip"} <= found_names
    assert not found_names & {"assert_dup_hidden", "assert_norm_hidden", "assert_file_hidden",
                              "assert_up_hidden"}
    assert len(found_names & {"assert_two_1", "assert_two_2"}) == 1
    assert ["assert_crlf", "somewhere:Assert_Crlf", "tstconfig.assertions", "tsc-crlf",
            "1.0 "] in found["mine"]
    # (a folded Name is what importlib.metadata makes of it, not its first line)
    assert [ep[3] for ep in found["mine"] if ep[0] == "assert_fold"] != ["tsc-fold"]


def test_starting_tstconfig_another_way_or_elsewhere_reads_no_metadata(tmp_path):
    definition = tmp_path / "d.tstconfig"
    definition.write_text("command echo a b\nproperty a\nassert_eq b\n")
    env = clean_env(tmp_path)
    script = Path(sys.executable).with_name("tstconfig")
    starts = [[sys.executable, "-X", "importtime", "-m", "tstconfig_core"],
              [sys.executable, "-X", "importtime", "-m", "tstconfig_core"],
              [sys.executable, "-X", "importtime", "-c",
               "from tstconfig_core.cli import main; main()"]]
    if script.exists():
        starts.append([sys.executable, "-X", "importtime", str(script)])
    for number, start in enumerate(starts):
        fresh = tmp_path / f"folder{number}"
        fresh.mkdir()
        result = subprocess.run([*start, "--check", str(definition)], capture_output=True,
                                text=True, env=env, cwd=fresh, timeout=60)
        assert result.returncode == 0, result.stderr
        assert heavy_imports(result.stderr) == [], start  # the first run too: no zip, no egg
    assert len(list((tmp_path / "cache" / "tstconfig").glob("entry-points-*.marshal"))) == 1


def test_a_zip_on_the_path_is_read_with_importlib_metadata_once(tmp_path):
    zipped = tmp_path / "zipped.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("tsc_zip-1.0.dist-info/METADATA", "Name: tsc-zip\nVersion: 1.0\n")
        archive.writestr("tsc_zip-1.0.dist-info/entry_points.txt", assertion("assert_zip"))
    os.utime(zipped, (time.time() - 60, time.time() - 60))  # settled
    env = clean_env(tmp_path, PYTHONPATH=str(zipped))
    first, second = compare(env, tmp_path), compare(env, tmp_path)
    assert first["slow"] and not second["slow"]
    assert "assert_zip" in names(second["mine"]) and second["mine"] == second["theirs"]


def test_installing_upgrading_and_removing_a_distribution_is_seen(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    env = clean_env(tmp_path, PYTHONPATH=str(site))
    assert "assert_later" not in names(compare(env, tmp_path)["mine"])
    info = dist(site, "tsc_later-1.0.dist-info", "Name: tsc-later\nVersion: 1.0\n",
                assertion("assert_later"))
    settle(site, ago=60)  # after each change an older time, another one: only the stamp tells
    found = compare(env, tmp_path)
    assert ["assert_later", "somewhere:Assert_Later", "tstconfig.assertions", "tsc-later",
            "1.0"] in found["mine"] and not found["slow"]
    info.rename(site / "tsc_later-2.0.dist-info")  # as pip upgrades: another folder
    (site / "tsc_later-2.0.dist-info" / "METADATA").write_text("Name: tsc-later\nVersion: 2.0\n")
    settle(site, ago=50)
    found = compare(env, tmp_path)
    assert [ep[4] for ep in found["mine"] if ep[0] == "assert_later"] == ["2.0"]
    shutil.rmtree(site / "tsc_later-2.0.dist-info")
    settle(site, ago=40)
    found = compare(env, tmp_path)
    assert "assert_later" not in names(found["mine"]) and found["mine"] == found["theirs"]


def test_an_egg_info_rewritten_in_place_is_seen(tmp_path):
    """``setup.py develop`` (and a legacy ``pip install -e``) rewrites the egg-info's files
    in the source folder: the folder's own time does not change."""
    source = tmp_path / "source"
    info = dist(source, "tsc_dev.egg-info", "Name: tsc-dev\nVersion: 0.1\n",
                assertion("assert_dev_one"), metadata_file="PKG-INFO")
    settle(source, info / "entry_points.txt", info / "PKG-INFO")
    env = clean_env(tmp_path, PYTHONPATH=str(source))
    assert "assert_dev_one" in names(compare(env, tmp_path)["mine"])
    before = os.stat(source).st_mtime_ns
    (info / "entry_points.txt").write_text(assertion("assert_dev_two"))
    settle(info / "entry_points.txt", ago=30)  # (settled: next, only PKG-INFO changes)
    found = compare(env, tmp_path)
    assert ["assert_dev_two", "somewhere:Assert_Dev_Two", "tstconfig.assertions", "tsc-dev",
            "0.1"] in found["mine"] and "assert_dev_one" not in names(found["mine"])
    (info / "PKG-INFO").write_text("Name: tsc-dev\nVersion: 0.2\n")
    assert [ep[4] for ep in compare(env, tmp_path)["mine"] if ep[3] == "tsc-dev"] == ["0.2"]
    assert os.stat(source).st_mtime_ns == before


def test_only_the_folder_that_changed_is_scanned_again(tmp_path, monkeypatch):
    one, two = tmp_path / "one", tmp_path / "two"
    dist(one, "tsc_one-1.0.dist-info", "Name: tsc-one\nVersion: 1.0\n", assertion("assert_one"))
    dist(two, "tsc_two-1.0.dist-info", "Name: tsc-two\nVersion: 1.0\n", assertion("assert_two"))
    settle(one, two)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(sys, "path", [str(one), str(two), *sys.path])
    assert {"assert_one", "assert_two"} <= {ep.name for ep in index.installed()}
    known = index._known(index._cache_file())
    kept_one, kept_two = known[str(one)], known[str(two)]
    index.installed()
    assert known[str(one)] is kept_one and known[str(two)] is kept_two  # all current
    (one / "tsc_one-1.0.dist-info").rename(one / "tsc_one-1.1.dist-info")
    settle(one, ago=30)  # a newer time than the index holds
    assert {"assert_one", "assert_two"} <= {ep.name for ep in index.installed()}
    assert known[str(one)] is not kept_one and known[str(two)] is kept_two
    index._known.cache_clear()
    assert index._known(index._cache_file())[str(one)] == known[str(one)]  # written


def test_a_folder_that_just_changed_is_scanned_again_until_it_settles(tmp_path, monkeypatch):
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(sys, "path", [str(fresh), *sys.path])
    index.installed()
    known = index._known(index._cache_file())
    kept = known[str(fresh)]
    index.installed()
    assert known[str(fresh)] is not kept  # a change in the same tick would have been missed
    settle(fresh)
    index.installed()
    kept = known[str(fresh)]
    index.installed()
    assert known[str(fresh)] is kept


@pytest.mark.parametrize("content", [b"", b"\x00garbage", b"\xe3\x00\x00\x00\x00", b"N"])
def test_a_broken_cache_file_is_as_if_absent(tmp_path, content):
    cache = tmp_path / "cache" / "tstconfig"
    env = clean_env(tmp_path)
    expected = compare(env, tmp_path)["theirs"]
    (file,) = cache.glob("entry-points-*.marshal")
    file.write_bytes(content)
    assert compare(env, tmp_path)["mine"] == expected
    assert file.stat().st_size > len(content)  # written again


def test_the_cache_file_keeps_a_bounded_number_of_folders(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(sys, "path", ["", *sys.path])
    known = index._known(index._cache_file())
    for number in range(index._KEEP + 20):
        folder = tmp_path / f"w{number}"
        folder.mkdir()
        monkeypatch.chdir(folder)
        index.installed()
        if number == 0:
            settled = {where: entry for where, entry in known.items() if entry[0][0][1] != ()}
    assert len(known) <= index._KEEP + len(sys.path)
    assert str(tmp_path / f"w{index._KEEP + 19}") in known and str(tmp_path / "w0") not in known
    assert settled and all(known[where] is entry for where, entry in settled.items())  # kept


def test_a_finder_that_lists_distributions_itself_is_asked(tmp_path, monkeypatch):
    from importlib.metadata import DistributionFinder, PathDistribution, entry_points
    info = dist(tmp_path, "tsc_found-1.0.dist-info", "Name: tsc-found\nVersion: 1.0\n",
                assertion("assert_found"))

    class Finder(DistributionFinder):
        def find_spec(self, *args):
            return None

        def find_distributions(self, context=DistributionFinder.Context()):
            return [PathDistribution(info)]

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(sys, "meta_path", [Finder(), *sys.meta_path])
    theirs = sorted((ep.name, ep.value, ep.group, ep.dist.name, ep.dist.version)
                    for group in ALL for ep in entry_points(group=group.name))
    assert [tuple(ep) for ep in index.installed()] == theirs
    assert "assert_found" in {ep.name for ep in index.installed()}
