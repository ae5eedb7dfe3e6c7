"""The built-in plugins are honest examples: they import tstconfig_core.api and nothing else
of the core (docs/plugins.md tells third parties the same)."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parents[2]
PLUGIN_FILES = sorted([*(ROOT / "plugins").rglob("*.py"),
                       *(ROOT / "examples" / "plugins").glob("*/tstconfig_*/*.py")])


def core_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return [m for m in found if m.startswith("tstconfig_core")]


def test_plugins_import_only_the_api():
    assert len(PLUGIN_FILES) > 15
    wrong = {str(p.relative_to(ROOT)): [m for m in core_imports(p) if m != "tstconfig_core.api"]
             for p in PLUGIN_FILES}
    assert {p: m for p, m in wrong.items() if m} == {}


def test_everything_the_api_names_is_there():
    import tstconfig_core.api as api
    missing = [name for name in api.__all__ if not hasattr(api, name)]
    assert missing == []
