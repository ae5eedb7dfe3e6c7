"""Fleets: many hosts checked from one controller (``--host``, ``--hosts``, ``--inventory``)."""
