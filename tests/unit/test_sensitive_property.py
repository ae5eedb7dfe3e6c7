"""Issue 13, finding 7: whatever the definition, no secret of a ``sensitive`` block's
data reaches any report, an error, a warning, or --inspect.

The data holds secrets everywhere a parse can put them: keys, values, a header
(column names), section names, a line no parse mode reads. The definitions are
drawn from tstconfig's vocabulary and names that are not the secrets (a
definition is shown as written, so a secret written into it would show).
"""
from __future__ import annotations

import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tstconfig_core.engine.context import RunSettings
from tstconfig_core.inspect import InspectPrinter
from tstconfig_core.loading.groups import ASSERTIONS, PARSERS, REPORTERS, SYNTAXES
from tstconfig_core.loading.registry import PluginRegistry
from tstconfig_core.run import Run

REGISTRY = PluginRegistry()
SECRET = "Zq9SECRET"
FOLDER = Path(tempfile.mkdtemp(prefix="tstconfig-sensitive-"))
DATA = {
    "kv": f"root {SECRET}k1\n{SECRET}k2 value\nname x {SECRET}v3\n",
    "csv": f"host,{SECRET}h1,port\na,{SECRET}c2,1\nb,c,{SECRET}c3\n",
    "table": f"NAME   {SECRET}T1  PORT\nsshd   {SECRET}t2   22\n",
    "ini": f"[main]\nname = {SECRET}i1\n[{SECRET}s2]\nkey = v\n",
    "colon": f"root:{SECRET}p1:0:0::/root:/bin/sh\n{SECRET}p2:x:1\n\"unterminated {SECRET}q\n",
}
for name, text in DATA.items():
    (FOLDER / name).write_text(text, encoding="utf-8")

WORDS = ["root", "name", "host", "a", "b", "main", "key", "sshd", "0", "1", "2", "x",
         "NAME", "PORT", "port", "value", "nosuch", ""]
def _words(most: int) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(WORDS), max_size=most).map(
        lambda ws: " ".join(w or '""' for w in ws))


OPTION = st.one_of(
    st.sampled_from(REGISTRY.names(PARSERS)).map("parse_mode {}".format),
    st.sampled_from(REGISTRY.names(SYNTAXES)).map("syntax {}".format),
    st.sampled_from(["csv_header true", "separator :", "separator ,", "key_separator =",
                     "section_header_pattern ^\\[(.*)\\]$", "pattern (\\S+) (\\S+)",
                     "pattern (?P<k>\\S+) (?P<v>\\S+)", "positions 0 7 20", "skip_header_lines 1",
                     "duplicates_policy unique", "quote_char \"", "csv_delimiter ,"]),
    _words(3).map("columns {}".format),
    st.sampled_from(["columns NAME PORT", "columns host port", "columns k v", "columns 0 9"]))
SELECT = st.one_of(_words(2).map("property {}".format), _words(1).map("section {}".format),
                   st.just("section_size"), st.just("exit_status"))
CHECK = st.builds("{} {}".format, st.sampled_from(REGISTRY.names(ASSERTIONS)), _words(2))
BLOCK = st.builds(
    lambda source, place, body: "\n".join([f"{source} {FOLDER / place}", "sensitive", *body]),
    st.just("file"), st.sampled_from(sorted(DATA)),
    st.lists(st.one_of(OPTION, SELECT, CHECK, CHECK), min_size=1, max_size=10))


def reports(text: str, inspect: bool) -> str:
    path = FOLDER / "d.tstconfig"
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    settings = RunSettings(timeout=5.0, no_commands=True)
    if inspect:
        printer = InspectPrinter(out, 50)
        Run([printer], REGISTRY, settings, run_assertions=False,
            block_observers=[printer.block]).execute([str(path)])
        return out.getvalue()
    streams = [io.StringIO() for _ in range(4)]
    reporters = [REGISTRY.instance(REPORTERS, name)(stream)
                 for name, stream in zip(("text", "json", "junit", "tap"), streams)]
    Run(reporters, REGISTRY, settings).execute([str(path)])
    return "".join(s.getvalue() for s in streams)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(BLOCK, min_size=1, max_size=3), st.booleans())
def test_no_secret_of_a_sensitive_block_reaches_any_report(blocks, inspect):
    shown = reports("\n".join(blocks) + "\n", inspect)
    assert SECRET not in shown, shown[max(0, shown.find(SECRET) - 300):shown.find(SECRET) + 100]


def test_the_secrets_show_without_sensitive():
    """(The test can fail: without `sensitive` these definitions do show the secrets.)"""
    text = (f"file {FOLDER / 'csv'}\nparse_mode csv\ncsv_header true\ncolumns nosuch\n"
            f"property a\nassert_eq x\nfile {FOLDER / 'ini'}\nsyntax ini\nsection mian\n")
    assert SECRET in reports(text, inspect=False)
