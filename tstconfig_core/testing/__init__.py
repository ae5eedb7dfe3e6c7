"""The testing kit (API 1.7): run definitions in-process, with plugins not installed.

For a plugin's own tests, and anyone's who wants results as objects::

    from tstconfig_core.testing import run_definition

    def test_semver(tmp_path):
        result = run_definition('''
    command app --version
    property app
    assert_semver_ge 2.0
    ''', assertions={"assert_semver_ge": SemverGe},
             commands={"app --version": "app 2.4.1"})
        assert result.outcomes() == ["passed"], result.report()

A plugin passed as ``sources=``, ``parsers=``, ``syntaxes=``, ``assertions=``,
``reporters=`` or ``hosts=`` is used under that name exactly as an installed one
would be (the same loading, checks and errors), and wins over an installed plugin of
the same name; ``from_pyproject(path)`` reads a distribution's entry points from its
``pyproject.toml``, so a renamed or added entry point needs no reinstall. The run
reads this machine, a folder tree (``root``), or only the ``files`` and
``commands`` given (:class:`~tstconfig_core.hosts.given.GivenHost`).

Everything here is in the API: it changes as :data:`tstconfig_core.api.API_VERSION` says.
"""
from __future__ import annotations

from tstconfig_core.api import FAILED, NOT_RUN, PASSED, WAIVED
from tstconfig_core.hosts.given import GivenHost
from tstconfig_core.testing.runs import RunResult, run_definition, run_files
from tstconfig_core.testing.units import (PyprojectError, build_source, from_pyproject,
                                          parse_options, parse_text, source_request)

__all__ = ["RunResult", "run_definition", "run_files", "from_pyproject", "PyprojectError",
           "source_request",
           "parse_options", "build_source", "parse_text", "GivenHost",
           "PASSED", "FAILED", "WAIVED", "NOT_RUN"]
