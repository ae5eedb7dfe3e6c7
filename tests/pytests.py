"""Running pytest itself, as users do: a real subprocess, and its outcomes read back."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import third_party_plugins


def pytest_run(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """``python -m pytest ARGS`` in ``cwd``, its outcomes one a line (-rA)."""
    env = dict(os.environ, TSTCONFIG_DISABLE_PLUGINS=third_party_plugins())
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA",
                           *args], cwd=cwd, capture_output=True, text=True, env=env,
                          timeout=timeout)


def outcomes(done: subprocess.CompletedProcess) -> dict[str, str]:
    """node id -> PASSED, FAILED, ERROR, SKIPPED or XFAIL, from the -rA summary (a skip
    is shown by its location, so skips are keyed by it)."""
    found = {}
    for line in done.stdout.splitlines():
        match = re.match(r"(PASSED|FAILED|ERROR|XFAIL|XPASS) (\S.*?)(?: - .*)?$", line)
        if match:
            found[match.group(2)] = match.group(1)
        match = re.match(r"SKIPPED \[\d+\] (\S+:\d+): (.*)$", line)
        if match:
            found[match.group(1)] = "SKIPPED"
    return found
