"""tstconfig: test that Linux hosts are configured the way their owners expect."""

__version__ = "0.4.0.dev0"
