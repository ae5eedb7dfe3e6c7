"""The plugin groups, each with its contract: listed here once.

Everything that names a group (the registry, the index of entry points, the
engine, the command line, ``--list-plugins``) takes it from this table, so a
group and its contract are never paired by hand.
"""
from __future__ import annotations

from typing import NamedTuple

from tstconfig_core import api


class Group(NamedTuple):
    kind: str          # for messages: "source", "parse mode", ...
    name: str          # the entry-point group
    contract: type     # what a plugin of the group must be
    #: Instances are made once and shared (a reporter class is made per stream).
    shared: bool = True


SOURCES = Group("source", "tstconfig.sources", api.Source)
PARSERS = Group("parse mode", "tstconfig.parsers", api.Parser)
SYNTAXES = Group("syntax", "tstconfig.syntaxes", api.Syntax)
ASSERTIONS = Group("assertion", "tstconfig.assertions", api.Assertion)
REPORTERS = Group("reporter", "tstconfig.reporters", api.Reporter, shared=False)
#: (API 1.6) Kinds of fleet host (``--host KIND://...``): a Host class made per target,
#: with the Target and the run's HostSettings.
HOSTS = Group("host kind", "tstconfig.hosts", api.Host, shared=False)

ALL = (SOURCES, PARSERS, SYNTAXES, ASSERTIONS, REPORTERS, HOSTS)
