"""This distribution's plugins, read from its pyproject.toml by tstconfig's testing kit:
its tests and ``pytest --tstconfig examples/`` use them without installing anything."""
from pathlib import Path

import pytest

from tstconfig_core.testing import from_pyproject

HERE = Path(__file__).parent
PLUGINS = from_pyproject(HERE / "pyproject.toml")


@pytest.fixture
def tstconfig_plugins():
    """The plugins every ``tstconfig_run`` of these tests uses."""
    return PLUGINS


def pytest_tstconfig_options(path, config):
    """``pytest --tstconfig``: the example reads tests/fixtures/... from this folder."""
    return {"plugins": PLUGINS, "cwd": HERE}
