"""The second read of a snapshot, made by a new process, as the check of the baseline
will be: a value that a reader's own start changes (the free memory, the last PID and
the task count of /proc/loadavg, /proc/self) differs from the first read, made in this
process, so it is not pinned. Two reads by one process a moment apart agree on those,
and a baseline that pinned them would fail the first time it is run. One process reads
every definition of the snapshot.

The request and the answer are JSON (lone surrogates escaped, values whole); the
child's standard output is its standard error, so nothing a plugin prints can mix
with the answer, which goes to a descriptor of its own.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

from tstconfig_core.engine.context import RunSettings
from tstconfig_core.model import ErrorEvent, WarningEvent
from tstconfig_core.snapshot.probe import Engine, NoValue, Reading, Reads, SectionKeys, read


def read_apart(engine: Engine, texts: Sequence[tuple[str, str]],
               rows: bool = False) -> list[Reads]:
    """One read of each definition (text, name), by one new Python process."""
    request = json.dumps({
        "settings": engine.settings._asdict(), "debug": engine.debug,
        "disabled": sorted(engine.registry.disabled),
        "import_timeout": engine.registry.import_timeout,
        "texts": texts, "rows": rows})
    done = subprocess.run([sys.executable, "-m", __name__], input=request.encode("ascii"),
                          capture_output=True, check=False)
    try:
        found = [_decoded(reads) for reads in json.loads(done.stdout)]
        if len(found) == len(texts):
            return found
    except (ValueError, KeyError, TypeError):
        pass
    said = done.stderr.decode("utf-8", "replace").strip().splitlines()
    why = said[-1] if said else f"exit status {done.returncode}"
    return [Reads({}, [ErrorEvent(name, None, "the second read (by a new tstconfig "
                                  f"process) failed: {why}")], [], {}) for _, name in texts]


def _child() -> None:
    answer = os.fdopen(os.dup(1), "w", encoding="ascii")
    os.dup2(2, 1)  # (what plugins print goes to standard error)
    request = json.load(sys.stdin)
    from tstconfig_core.loading.registry import PluginRegistry
    settings = RunSettings(**{key: _tuples(value)
                              for key, value in request["settings"].items()})
    engine = Engine(PluginRegistry(request["disabled"],
                                   import_timeout=request["import_timeout"]),
                    settings, request["debug"])
    json.dump([_encoded(read(engine, text, name, engine.layout(text), request["rows"]))
               for text, name in request["texts"]], answer)
    answer.close()


def _tuples(value: Any) -> Any:
    return tuple(map(_tuples, value)) if isinstance(value, list) else value


def _encoded(reads: Reads) -> dict[str, Any]:
    return {"values": {str(line): _reading(value) for line, value in reads.values.items()},
            "errors": [list(event) for event in reads.errors],
            "warnings": [list(event) for event in reads.warnings],
            "rows": {str(line): ({"no_value": keys.why} if isinstance(keys, NoValue)
                                 else keys) for line, keys in reads.rows.items()}}


def _reading(value: Reading) -> Any:
    return {"no_value": value.why} if isinstance(value, NoValue) else value


def _decoded(found: dict[str, Any]) -> Reads:
    def reading(value: Any) -> Reading:
        if isinstance(value, dict):
            return NoValue(value["no_value"])
        return None if value is None else tuple(value)

    def keys(value: Any) -> SectionKeys | NoValue:
        if isinstance(value, dict):
            return NoValue(value["no_value"])
        return [(section, list(names)) for section, names in value]

    return Reads({int(line): reading(value) for line, value in found["values"].items()},
                 [ErrorEvent(*event) for event in found["errors"]],
                 [WarningEvent(*event) for event in found["warnings"]],
                 {int(line): keys(value) for line, value in found["rows"].items()})


if __name__ == "__main__":
    _child()
