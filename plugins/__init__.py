"""tstconfig's built-in plugins, registered in pyproject.toml like any third party's."""
