"""The built-in host kinds of fleets that need no module of their own."""
from __future__ import annotations

from tstconfig_core.fleet.targets import HostSettings, Target
from tstconfig_core.hosts.local import LocalHost


class LocalKind(LocalHost):
    """``local://``: this machine, as one host of a fleet (named as the target is)."""

    summary = "this machine, as one host of a fleet (local://)"

    def __init__(self, target: Target, settings: HostSettings = HostSettings()) -> None:
        super().__init__()
        self.name = target.name
