"""The README's example is run, and its report must read as the README shows."""
from __future__ import annotations

import re
from pathlib import Path

from conftest import FIXTURES, normalized, tstconfig

README = Path(__file__).parents[2] / "README.md"


def code_blocks(text: str) -> list[str]:
    return re.findall(r"```\n(.*?)```", text, re.DOTALL)


def test_readme_netstat_example(tmp_path):
    blocks = code_blocks(README.read_text(encoding="utf-8"))
    definition = next(b for b in blocks if b.startswith("command netstat -plnt"))
    report = next(b for b in blocks if b.startswith("tstconfig "))
    fixture = FIXTURES / "data" / "netstat-plnt.txt"
    (tmp_path / "netstat.tstconfig").write_text(
        definition.replace("command netstat -plnt", f"command cat {fixture}"))
    result = tstconfig("netstat.tstconfig", cwd=tmp_path)
    expected = normalized(report).replace("netstat -plnt", f"cat {fixture}")
    assert normalized(result.stdout) == expected
    assert result.returncode == 1
