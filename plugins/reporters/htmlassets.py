"""The ``html`` page's style and script, inlined in every page (no file beside it, no
network), and the Content-Security-Policy that lets only these two run.

The palette is Okabe and Ito's, which people with any common colour-vision deficiency
tell apart, and every outcome also has its own mark (✓ ✗ ⊘ ○ ⚠), so nothing is said
by colour alone. Dark mode follows the system (``prefers-color-scheme``).

The script only adds to a page that is complete without it: filters (outcome, host,
file, text), kept in the address's fragment (``#o=f,w&host=web2&file=a.tstconfig&q=ssh``)
so a filtered view can be linked to, and a count of what is shown.
"""
from __future__ import annotations

import base64
import hashlib

#: Each outcome's CSS class, mark and word, in the order the page lists them.
MARKS = {"passed": ("p", "✓", "passed"), "failed": ("f", "✗", "failed"),
         "waived": ("w", "⊘", "waived"), "not_run": ("n", "○", "not run"),
         "error": ("e", "⚠", "errors")}

CSS = """\
:root{--bg:#fff;--fg:#1b1b1b;--mute:#5f5f5f;--line:#d0d0d0;--head:#f3f3f3;
--p:#007a5a;--f:#c24e00;--w:#a86f00;--n:#6b6b6b;--e:#b0457f;--link:#0060a8}
@media (prefers-color-scheme:dark){:root{--bg:#15171a;--fg:#e6e6e6;--mute:#a0a0a0;
--line:#3a3d42;--head:#202328;--p:#3fcf9f;--f:#ff8a3d;--w:#f0c040;--n:#a8a8a8;
--e:#e79ac8;--link:#7cc4ff}}
*{box-sizing:border-box}
body{margin:0;padding:1rem 1.5rem;background:var(--bg);color:var(--fg);
font:14px/1.45 system-ui,"DejaVu Sans",sans-serif}
a{color:var(--link)}
h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1.15rem;margin:1.6rem 0 .5rem}
h3{font-size:1rem;margin:0 0 .3rem;font-weight:600;overflow-wrap:anywhere}
code,pre,.mono{font-family:"DejaVu Sans Mono",ui-monospace,monospace;font-size:13px}
pre{margin:.3rem 0;padding:.5rem;background:var(--head);border:1px solid var(--line);
white-space:pre-wrap;overflow-wrap:anywhere}
.run{color:var(--mute);margin:0 0 .8rem}
.status{display:inline-block;padding:0 .5rem;border-radius:3px;color:var(--bg)}
.status.PASS{background:var(--p)}.status.FAIL{background:var(--f)}
.banner{border:2px solid var(--w);padding:.4rem .6rem;margin:.5rem 0}
.counts{display:flex;flex-wrap:wrap;gap:.5rem;margin:0;padding:0}
.counts div{border:1px solid var(--line);border-radius:4px;padding:.3rem .7rem;min-width:6.5rem}
.counts dt{color:var(--mute);font-size:12px}.counts dd{margin:0;font-size:1.3rem;font-weight:600}
.p{color:var(--p)}.f{color:var(--f)}.w{color:var(--w)}.n{color:var(--n)}.e{color:var(--e)}
nav{margin:.6rem 0}
#filters{display:flex;flex-wrap:wrap;gap:.4rem 1rem;align-items:center;margin:1rem 0;
padding:.5rem;background:var(--head);border:1px solid var(--line)}
#filters label{white-space:nowrap}
#filters select,#filters input{background:var(--bg);color:var(--fg);border:1px solid var(--line)}
.scroll{overflow:auto;max-height:80vh;border:1px solid var(--line)}
table{border-collapse:collapse}
th,td{padding:.15rem .4rem;border-bottom:1px solid var(--line);text-align:left;
vertical-align:top}
thead th{position:sticky;top:0;background:var(--head);z-index:2}
#matrix td{text-align:center;font-weight:700;min-width:1.6rem}
#matrix td a{text-decoration:none;color:inherit}
#matrix th.host{writing-mode:vertical-rl;transform:rotate(180deg);font-weight:500;
max-height:12rem;white-space:nowrap}
#matrix tbody th{position:sticky;left:0;background:var(--bg);font-weight:400;z-index:1;
min-width:18rem;max-width:40rem;overflow-wrap:break-word}
#matrix tr.file th{background:var(--head);font-weight:600}
#matrix tr.block th{padding-left:1rem;color:var(--mute)}
#matrix tr.chk th{padding-left:2rem}
.drifted{font-size:12px;margin-left:.4rem}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
article{border-left:4px solid var(--line);padding:.2rem .7rem;margin:.7rem 0}
article.f{border-color:var(--f)}article.w{border-color:var(--w)}
article.drift{border-color:var(--e)}
article h3,article p,article pre{color:var(--fg)}
.where{color:var(--mute);margin:0}
ul.events{padding-left:1.2rem}ul.events li{overflow-wrap:anywhere}
[hidden]{display:none!important}
"""

JS = """\
"use strict";
(function () {
  var form = document.getElementById("filters");
  var boxes = form.querySelectorAll("input[name=o]");
  var hostSel = document.getElementById("fhost"), fileSel = document.getElementById("ffile");
  var text = document.getElementById("fq"), shown = document.getElementById("shown");
  var matrix = document.getElementById("matrix");
  var hosts = matrix ? Array.prototype.map.call(matrix.querySelectorAll("thead th.host"),
    function (th) { return th.getAttribute("data-host"); }) : [];
  function decoded(text) {
    try { return decodeURIComponent(text); } catch (e) { return text; }  // (a lone "%")
  }
  function params() {
    var out = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (pair) {
      var i = pair.indexOf("=");
      if (i > 0) out[pair.slice(0, i)] = decoded(pair.slice(i + 1));
    });
    return out;
  }
  function load() {
    var p = params();
    if (p.o !== undefined) {
      var want = p.o.split(",");
      boxes.forEach(function (b) { b.checked = want.indexOf(b.value) >= 0; });
    }
    if (hostSel && p.host !== undefined) hostSel.value = p.host;
    if (fileSel && p.file !== undefined) fileSel.value = p.file;
    if (p.q !== undefined) text.value = p.q;
  }
  function save() {
    var on = [];
    boxes.forEach(function (b) { if (b.checked) on.push(b.value); });
    var parts = ["o=" + on.join(",")];
    if (hostSel && hostSel.value) parts.push("host=" + encodeURIComponent(hostSel.value));
    if (fileSel && fileSel.value) parts.push("file=" + encodeURIComponent(fileSel.value));
    if (text.value) parts.push("q=" + encodeURIComponent(text.value));
    history.replaceState(null, "", "#" + parts.join("&"));
  }
  function apply() {
    var on = {}, host = hostSel ? hostSel.value : "", file = fileSel ? fileSel.value : "";
    var q = text.value.toLowerCase(), col = hosts.indexOf(host), seen = 0, all = 0;
    boxes.forEach(function (b) { on[b.value] = b.checked; });
    function keep(el, outcomes) {
      return (!file || el.getAttribute("data-file") === file) &&
        (!q || el.textContent.toLowerCase().indexOf(q) >= 0) &&
        outcomes.some(function (o) { return on[o]; });
    }
    if (matrix) {
      matrix.querySelectorAll("tr").forEach(function (tr) {
        var cells = tr.querySelectorAll("td");
        cells.forEach(function (td, i) { td.hidden = col >= 0 && i !== col; });
        if (tr.parentNode.tagName === "THEAD") {
          tr.querySelectorAll("th.host").forEach(function (th, i) {
            th.hidden = col >= 0 && i !== col;
          });
          return;
        }
        if (!tr.classList.contains("chk")) return;
        var outcomes = [];
        cells.forEach(function (td, i) {
          if (col < 0 || i === col) outcomes.push(td.className);
        });
        all += 1;
        tr.hidden = !keep(tr, outcomes);
        if (!tr.hidden) seen += 1;
      });
      matrix.querySelectorAll("tbody[data-file]").forEach(function (body) {
        var block = null, any = false;
        body.querySelectorAll("tr.block, tr.chk").forEach(function (tr) {
          if (tr.classList.contains("block")) {
            if (block) block.hidden = !any;
            block = tr;
            any = false;
          } else if (!tr.hidden) any = true;
        });
        if (block) block.hidden = !any;
        body.hidden = !body.querySelector("tr.chk:not([hidden])");
      });
    }
    document.querySelectorAll("[data-outcome]").forEach(function (el) {
      var h = el.getAttribute("data-host");
      el.hidden = (host && h !== null && h !== host) ||
        !keep(el, [el.getAttribute("data-outcome")]);
    });
    document.querySelectorAll("#hosttable tbody tr").forEach(function (tr) {
      tr.hidden = host !== "" && tr.getAttribute("data-host") !== host;
    });
    shown.textContent = "showing " + seen + " of " + all + " checks";
    save();
  }
  load();
  form.hidden = false;
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  apply();
})();
"""


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


#: Nothing is fetched (no network, works opened from disk), and no script or style runs
#: but the page's own: even if a value from data escaped its escaping, it could not run.
POLICY = (f"default-src 'none'; script-src {_hash(JS)}; style-src {_hash(CSS)}; "
          "img-src data:; base-uri 'none'; form-action 'none'")
