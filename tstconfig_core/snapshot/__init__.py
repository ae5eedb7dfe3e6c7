"""``tstconfig --snapshot OUT DEFINITION...``: a known-good host made into a baseline
definition that pins today's values (:mod:`.baseline`). The command line imports
this package for its options (:mod:`.options`), and nothing heavier until a
snapshot is taken."""
from tstconfig_core.snapshot.options import options, take

__all__ = ["options", "take"]
