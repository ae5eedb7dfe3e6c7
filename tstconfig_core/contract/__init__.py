"""The plugin contracts, one module per kind; plugins import them from tstconfig_core.api."""
