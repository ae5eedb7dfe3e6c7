"""Reading HTML pages in tests: a small element tree (the standard library's parser), and
Chromium run headless on a page, for the DOM its script left and for a screenshot."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from reporting import need

REQUIRE_CHROMIUM = os.environ.get("TSTCONFIG_REQUIRE_CHROMIUM") == "1"
#: Elements that never have children.
_VOID = {"meta", "link", "br", "hr", "img", "input", "col", "source", "wbr", "area", "base"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str | None] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    @property
    def hidden(self) -> bool:
        return "hidden" in self.attrs

    def all(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list[Node]:
        """Every element under this one (depth first, in document order) that matches."""
        found = []
        for child in self.children:
            if isinstance(child, str):
                continue
            if ((tag is None or child.tag == tag) and (cls is None or cls in child.classes())
                    and all(child.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())):
                found.append(child)
            found += child.all(tag, cls, **attrs)
        return found

    def one(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> Node:
        found = self.all(tag, cls, **attrs)
        assert len(found) == 1, (tag, cls, attrs, len(found))
        return found[0]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document")
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):  # (tolerates implied ends)
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse(text: str) -> Node:
    builder = _Builder()
    builder.feed(text)
    builder.close()
    return builder.root


def chromium() -> str:
    """The browser's path; the test is skipped without it (failed where it is required)."""
    path = next(filter(None, (shutil.which(name) for name in
                              ("chromium", "chromium-browser", "google-chrome"))), None)
    need(path is not None, REQUIRE_CHROMIUM, "no Chromium here (Debian: apt install chromium)")
    return path


def _browse(page: Path, fragment: str, *args: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="tstconfig-chromium-") as profile:
        return subprocess.run(
            [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--hide-scrollbars", f"--user-data-dir={profile}", *args,
             page.resolve().as_uri() + fragment],
            capture_output=True, text=True, timeout=120, env=dict(os.environ, HOME=profile))


def dom(page: Path, fragment: str = "") -> Node:
    """The page's DOM after its script ran, as headless Chromium dumps it."""
    done = _browse(page, fragment, "--dump-dom")
    assert done.returncode == 0 and "<html" in done.stdout, done.stderr[-2000:]
    return parse(done.stdout)


def screenshot(page: Path, out: Path, size: str = "1200,900", *flags: str) -> Path:
    done = _browse(page, "", f"--window-size={size}", f"--screenshot={out}", *flags)
    assert done.returncode == 0 and out.is_file(), done.stderr[-2000:]
    return out
