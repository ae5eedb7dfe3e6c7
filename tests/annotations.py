"""Reading CI annotations in tests: GitHub's workflow commands, by a strict parser of
their documented grammar, and the JSON Schema of GitLab's Code Quality report."""
from __future__ import annotations

import re

# The documented grammar, strictly: a name, optional comma-separated key=value properties
# (no ':' ',' CR LF in a value, '%' only in an escape), '::', then the data (no CR LF).
_LINE = re.compile(r"::(?P<name>[a-z][a-z-]*)(?: (?P<props>[^:\r\n]+))?::(?P<data>[^\r\n]*)")
_VALUE = re.compile(r"(?:[^,:%\r\n]|%(?:25|0D|0A|3A|2C))*")
_DATA = re.compile(r"(?:[^%\r\n]|%(?:25|0D|0A))*")
_ESCAPES = {"%25": "%", "%0D": "\r", "%0A": "\n", "%3A": ":", "%2C": ","}
_KEYS = {"file", "line", "endLine", "col", "endColumn", "title"}


def _decode(text: str) -> str:
    return re.sub("%(?:25|0D|0A|3A|2C)", lambda m: _ESCAPES[m.group()], text)


def parse(line: str) -> tuple[str, dict[str, str], str]:
    """One workflow command line: its name, its properties and its data, unescaped."""
    found = _LINE.fullmatch(line)
    assert found, f"not a workflow command: {line!r}"
    props: dict[str, str] = {}
    for prop in (found["props"] or "").split(",") if found["props"] else ():
        key, sep, value = prop.partition("=")
        assert sep and key in _KEYS and key not in props, f"bad property {prop!r} in {line!r}"
        assert _VALUE.fullmatch(value), f"badly escaped {value!r} in {line!r}"
        props[key] = _decode(value)
    assert _DATA.fullmatch(found["data"]), f"badly escaped data in {line!r}"
    return found["name"], props, _decode(found["data"])


def commands(report: str) -> list[tuple[str, dict[str, str], str]]:
    """Every line of ``report`` as a command. ``splitlines`` splits at every line break
    Unicode knows (NEL, U+2028, ...), more than the runner does, so a break that some
    reader might see is caught too; and no line may start with ``::`` but a command's,
    also after leading blanks (the runner strips them)."""
    assert report.endswith("\n")
    return [parse(line) for line in report.splitlines()]


#: GitLab's Code Quality report (docs.gitlab.com/ci/testing/code_quality/, "Code Quality
#: report format"): one JSON array of objects, each with at least these keys.
SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "minLength": 1, "not": {"pattern": "^\\./"}},
                    "lines": {"type": "object", "required": ["begin"],
                              "properties": {"begin": {"type": "integer", "minimum": 1}}},
                },
            },
        },
    },
}
