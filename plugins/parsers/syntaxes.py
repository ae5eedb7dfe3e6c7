"""The presets of 0.3 (``syntax NAME``): each sets only the options it names."""
from __future__ import annotations

import re
from collections.abc import Mapping

from tstconfig_core.api import Syntax


class Preset(Syntax):
    """A fixed set of parse options."""

    def __init__(self, summary: str, **settings: object) -> None:
        self.summary = summary
        self._settings = settings

    def settings(self) -> Mapping[str, object]:
        return self._settings


APACHE = Preset(
    "Apache httpd: <Section> ... </Section>, # comments",
    parse_mode="tokenized",
    section_header_pattern=re.compile(r"^\s*<(.*)>\s*$"),
    section_footer_pattern=re.compile(r"^\s*</.*>\s*$"),
    hash_comment_allowed=True,
)

APT = Preset(
    "APT configuration: Name { ... }; blocks, // comments, ';' separates",
    parse_mode="tokenized",
    section_header_pattern=re.compile(r"^\s*(\S+)\s*\{\s*$"),
    section_footer_pattern=re.compile(r"^\s*\}\s*;\s*$"),
    separator=" \t;",
    slash_comment_allowed=True,
)

_COLON_FILE = dict(parse_mode="tokenized", separator=":", hash_comment_allowed=True,
                   ignore_empty_tokens=False)
ETC_PASSWD = Preset("/etc/passwd: ':'-separated fields, empty fields kept", **_COLON_FILE)
ETC_GROUP = Preset("/etc/group: ':'-separated fields, empty fields kept", **_COLON_FILE)
ETC_SHADOW = Preset("/etc/shadow: ':'-separated fields, empty fields kept", **_COLON_FILE)

INI = Preset(
    "INI files: [section], key = value, # and ; comments",
    parse_mode="keyvalue",
    section_header_pattern=re.compile(r"^\s*\[(.*)\]\s*$"),
    key_separator="=",
    key_separator_optional=True,
    hash_comment_allowed=True,
    semicolon_comment_allowed=True,
)

SSHD = Preset(
    "OpenSSH sshd_config: 'Keyword value...', keywords without case, the first value "
    "wins, '# comments', a section per 'Match' block",
    parse_mode="tokenized",
    hash_comment_allowed=True,
    section_header_pattern=re.compile(r"^\s*(?i:match)\s+(.*?)\s*$"),
    duplicates_policy="ignore",
    ignore_case=True,
)
