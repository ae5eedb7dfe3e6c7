"""``python -m tstconfig_core``: the same as the ``tstconfig`` command."""
from tstconfig_core.cli import main

if __name__ == "__main__":
    main()
