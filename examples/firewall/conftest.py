"""``pytest --tstconfig examples/``: these checks read the rules of the web host here
(``tstconfig --var rules=hosts/web.rules`` on the command line)."""
from pathlib import Path

HERE = Path(__file__).parent


def pytest_tstconfig_options(path, config):
    return {"variables": {"rules": str(HERE / "hosts" / "web.rules")}}
