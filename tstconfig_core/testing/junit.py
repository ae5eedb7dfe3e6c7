"""pytest's ``--junitxml`` report made to Ant's JUnit schema (the one CI servers read).

pytest writes ``<testsuites name=...>`` whose suites lack ``package`` and ``id``, a
timestamp with a time zone, no ``properties``, ``system-out`` or ``system-err`` in a
suite, and may put those inside a test case: all outside Ant's schema, which tstconfig's
own ``-r junit`` report follows. Under ``pytest --tstconfig`` the file is rewritten to
it once pytest has written it, losing nothing: what a test case held beyond its outcome
goes to its suite's output, and a second outcome (an error in teardown after a failure)
to its suite's ``system-err``.
"""
from __future__ import annotations

import datetime
import os
import tempfile
import xml.etree.ElementTree as ET

_OUTCOMES = ("failure", "error", "skipped")
_CASE_ATTRIBUTES = ("name", "classname", "time")


def _timestamp(text: str | None) -> str:
    """An ISO 8601 time in UTC without its zone or fraction, as Ant's schema wants."""
    try:
        when = datetime.datetime.fromisoformat(text or "")
    except ValueError:
        when = datetime.datetime.now(datetime.timezone.utc)
    if when.tzinfo is not None:
        when = when.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return when.strftime("%Y-%m-%dT%H:%M:%S")


def _suite(suite: ET.Element, number: int) -> None:
    suite.set("package", suite.get("name") or "pytest")
    suite.set("id", str(number))
    suite.set("timestamp", _timestamp(suite.get("timestamp")))
    properties = suite.find("properties")
    if properties is None:
        properties = ET.Element("properties")
    else:
        suite.remove(properties)
    out, err = [], []
    for child in [c for c in suite if c.tag in ("system-out", "system-err")]:
        (out if child.tag == "system-out" else err).append(child.text or "")
        suite.remove(child)
    for case in suite.iter("testcase"):
        _case(case, properties, out, err)
    suite.insert(0, properties)
    for tag, texts in (("system-out", out), ("system-err", err)):
        ET.SubElement(suite, tag).text = "".join(texts)


def _case(case: ET.Element, properties: ET.Element, out: list[str], err: list[str]) -> None:
    _named(case)
    name = f"{case.get('classname', '')}::{case.get('name', '')}"
    for key in [k for k in case.attrib if k not in _CASE_ATTRIBUTES]:
        del case.attrib[key]  # (xunit1's file and line)
    kept = None
    for child in list(case):
        if child.tag in _OUTCOMES and kept is None:
            kept = child
            child.attrib.pop("type", None) if child.tag == "skipped" else None
            continue
        case.remove(child)
        if child.tag == "properties":
            for found in child:
                ET.SubElement(properties, "property", name=f"{name}: {found.get('name')}",
                              value=found.get("value", ""))
        elif child.tag in _OUTCOMES:
            err.append(f"{name}: also {child.tag}: {child.get('message', '')}\n"
                       f"{child.text or ''}\n")
        else:
            (out if child.tag == "system-out" else err).append(f"{name}:\n{child.text or ''}")
    if kept is not None and kept.tag != "skipped" and not kept.get("type"):
        kept.set("type", kept.tag)


def _named(case: ET.Element) -> None:
    """A definition's assertion named as tstconfig's ``-r junit`` names it, from the
    properties its item recorded (pytest would cut its id at ``::`` and ``[``)."""
    for block in case.findall("properties"):
        for found in block.findall("property"):
            key = found.get("name")
            if key in ("tstconfig.classname", "tstconfig.name"):
                case.set(key.split(".")[1], found.get("value", ""))
                block.remove(found)
        if not len(block):
            case.remove(block)


def to_ant(path: str) -> None:
    """Rewrite pytest's JUnit XML file at ``path`` to Ant's schema, atomically."""
    tree = ET.parse(path)
    root = tree.getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    if root.tag == "testsuites":
        root.attrib.clear()
    for number, suite in enumerate(suites):
        _suite(suite, number)
        if root.tag == "testsuite":  # (alone, it takes neither package nor id)
            del suite.attrib["package"], suite.attrib["id"]
    folder = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(prefix=".junit-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            tree.write(f, encoding="utf-8", xml_declaration=True)
        os.chmod(temporary, os.stat(path).st_mode & 0o7777)  # (as pytest made it)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
