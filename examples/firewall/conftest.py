"""``pytest --tstconfig examples/``: these checks read the rules of the web host here
(``tstconfig --var rules=hosts/web.rules`` on the command line), with the example
plugins they use (the iptables syntax, assert_ip_in) read from their distributions'
pyproject.toml: nothing needs installing."""
from pathlib import Path

from tstconfig_core.testing import from_pyproject

HERE = Path(__file__).parent
PLUGINS = {}
for distribution in ("tstconfig-iptables", "tstconfig-netaddr"):
    for group, named in from_pyproject(HERE.parent / "plugins" / distribution /
                                       "pyproject.toml").items():
        PLUGINS.setdefault(group, {}).update(named)


def pytest_tstconfig_options(path, config):
    return {"variables": {"rules": str(HERE / "hosts" / "web.rules")}, "plugins": PLUGINS}
