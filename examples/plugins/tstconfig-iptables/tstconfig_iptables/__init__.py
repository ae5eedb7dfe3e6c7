"""iptables-save output for tstconfig: a section per table and chain, a row per rule.

``parse_mode iptables`` (or ``syntax iptables``) reads what ``iptables-save``
prints. Each chain is a section named ``TABLE CHAIN`` (``section filter
INPUT``). In it, the chain's policy is the row ``policy POLICY`` and each rule
is a row: column ``rule`` is its number in the chain (1, 2, ...) and every
other column is named by an option (``-p``, ``-s``, ``--dport``, ``-j``, ...),
holding that option's arguments (empty when the rule does not use it). The top
level has a row ``TABLE CHAIN POLICY`` per chain.
"""
from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence

from tstconfig_core.api import Parsed, ParseOptions, Parser, PluginError, Row, Syntax

__version__ = "1.0.0"

#: Always columns, in this order, so a definition may name them even when no rule uses one.
COMMON = ("-p", "-s", "-d", "-i", "-o", "--sport", "--dport", "--dports", "-m",
          "--ctstate", "--state", "-j")
#: Long spellings iptables accepts, folded into the short ones iptables-save prints.
ALIASES = {"--protocol": "-p", "--source": "-s", "--src": "-s", "--destination": "-d",
           "--dst": "-d", "--in-interface": "-i", "--out-interface": "-o", "--jump": "-j",
           "--match": "-m", "--goto": "-g", "--source-port": "--sport",
           "--destination-port": "--dport", "--destination-ports": "--dports",
           "--source-ports": "--sports"}
FLAG = "yes"  # the value of an option that takes no argument (--syn, --rsource)


def _is_option(token: str) -> bool:
    return token.startswith("-") and len(token) > 1 and not token[1:].isdigit()


def parse_rule(tokens: Sequence[str]) -> dict[str, str]:
    """Options of one rule (after ``-A CHAIN``): option -> its arguments, space-joined.

    ``! -s 10.0.0.0/8`` gives ``-s`` = ``!10.0.0.0/8``; an option given twice
    (``-m tcp -m conntrack``) joins its values with commas.
    """
    options: dict[str, list[str]] = {}
    negate = False
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if token == "!":
            negate = True
            continue
        if not _is_option(token):
            raise PluginError(f"unexpected {token!r} in a rule (an option was expected)")
        args = []
        while i < len(tokens) and tokens[i] != "!" and not _is_option(tokens[i]):
            args.append(tokens[i])
            i += 1
        value = " ".join(args) or FLAG
        options.setdefault(ALIASES.get(token, token), []).append(("!" if negate else "") + value)
        negate = False
    return {name: ",".join(values) for name, values in options.items()}


class IptablesParser(Parser):
    """``iptables-save`` output: sections ``TABLE CHAIN``, the policy, one row per rule."""

    summary = "iptables-save output: a section per table and chain, rule columns by option"

    def parse(self, lines: Sequence[str], options: ParseOptions) -> Parsed:
        table: str | None = None
        top: list[Row] = []
        chains: dict[str, list[Row]] = {}
        rules: list[tuple[str, dict[str, str]]] = []
        for number, line in enumerate(lines, start=1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            where = f"iptables-save line {number}"
            if text.startswith("*"):
                table = text[1:].strip()
            elif text == "COMMIT":
                table = None
            elif table is None:
                raise PluginError(f"{where}: {text[:60]!r} is outside a table "
                                  "(is this iptables-save output?)")
            elif text.startswith(":"):
                chain, _, rest = text[1:].partition(" ")
                policy = rest.split()[0] if rest.split() else "-"
                chains.setdefault(f"{table} {chain}", []).append(["policy", policy])
                top.append([table, chain, policy])
            elif text.startswith(("-A ", "--append ")):
                try:
                    tokens = shlex.split(text)
                except ValueError as exc:
                    raise PluginError(f"{where}: {exc}") from None
                if len(tokens) < 2:
                    raise PluginError(f"{where}: a rule without a chain")
                try:
                    rules.append((f"{table} {tokens[1]}", parse_rule(tokens[2:])))
                except PluginError as exc:
                    raise PluginError(f"{where}: {exc}") from None
            else:
                raise PluginError(f"{where}: not iptables-save output: {text[:60]!r}")
        extra = [name for _, opts in rules for name in opts if name not in COMMON]
        names = ("rule", *COMMON, *dict.fromkeys(extra))
        counters: dict[str, int] = {}
        for section, opts in rules:
            counters[section] = counters.get(section, 0) + 1
            chains.setdefault(section, []).append(
                [str(counters[section]), *(opts.get(name, "") for name in names[1:])])
        return Parsed(rows=top, sections=chains, column_names=names)


class _Syntax(Syntax):
    summary = "iptables-save output (parse_mode iptables, # comments)"

    def settings(self) -> Mapping[str, object]:
        return {"parse_mode": "iptables", "hash_comment_allowed": True}


IPTABLES = _Syntax()
