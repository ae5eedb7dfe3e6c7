"""Shared helpers: run tstconfig as users do, as a real subprocess."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from functools import lru_cache
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
# tools/ (the fuzzer) is no package of tstconfig's: tests import it from the checkout.
sys.path.insert(0, str(Path(__file__).parents[1] / "tools"))
VERSION_LINE = re.compile(r"^(# )?tstconfig \S+$", re.MULTILINE)


#: Runs tstconfig (its arguments) from this small process and prints its peak RSS in KiB
#: last: a child's peak counts its parent's from before exec, so never pytest's.
PEAK_RSS = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.executable, [sys.executable, "-m", "tstconfig_core", *sys.argv[1:]])
_, status, usage = os.wait4(pid, 0)
print(usage.ru_maxrss)
"""


@lru_cache(maxsize=1)
def third_party_plugins() -> str:
    """Distributions installed here that register tstconfig plugins, tstconfig aside."""
    from importlib.metadata import distributions
    names = {d.metadata["Name"] for d in distributions()
             if d.metadata["Name"] != "tstconfig"
             and any(ep.group.startswith("tstconfig.") for ep in d.entry_points)}
    return ",".join(sorted(names))


def tstconfig(*args: str, cwd: Path | str | None = None, input: str | None = None,
              env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run ``python -m tstconfig_core ARGS`` and capture its output as text.

    Plugins that other distributions installed here (the example plugins, say)
    are disabled, so reports do not depend on what else is installed; ``env``
    may set TSTCONFIG_DISABLE_PLUGINS itself.
    """
    full_env = dict(os.environ, TSTCONFIG_DISABLE_PLUGINS=third_party_plugins(), **(env or {}))
    return subprocess.run([sys.executable, "-m", "tstconfig_core", *args], cwd=cwd,
                          input=input, capture_output=True, text=True, env=full_env,
                          timeout=timeout)


def has_ipv6() -> bool:
    """Whether this kernel has IPv6 sockets (tests that bind on ::1 need it)."""
    import socket
    if not socket.has_ipv6 or not Path("/proc/net/tcp6").exists():
        return False
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def make_dist(root: Path, name: str, version: str, entry_points: str,
              modules: dict[str, str]) -> None:
    """An installed distribution, as pip leaves one: a *.dist-info folder and its modules.

    Put ``root`` on PYTHONPATH and its entry points are found like any installed package's.
    """
    info = root / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(textwrap.dedent(entry_points), encoding="utf-8")
    for module, code in modules.items():
        (root / f"{module}.py").write_text(code, encoding="utf-8")


def case_args(case: str) -> list[str]:
    """Extra arguments of a golden case: ``cases/NAME.args`` (e.g. ``--proc-root proc/seed``)."""
    path = FIXTURES / "cases" / f"{case}.args"
    return path.read_text(encoding="utf-8").split() if path.exists() else []


def normalized(report: str) -> str:
    """A report with the version line made stable, for golden files."""
    return VERSION_LINE.sub(r"\1tstconfig VERSION", report)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A private copy of tests/fixtures, so cases may write files."""
    dest = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, dest, symlinks=True)  # the fake /proc has fd links
    return dest
