"""The POSIX ``sh`` script that answers a run's requests on a remote host in one go.

One script per host, sent on the standard input of one ``ssh`` (``sh -s`` there),
answers every request of every block: read these files (at most ``max_size``
bytes), run these programs (within their timeouts), list, stat, glob. Nothing is
written on the target.

What the script prints is framed so that no data can be taken for framing:
every byte of data (a file, a program's output, a file name, a link's target)
goes through ``base64`` (or, on a host without it, ``od``) and arrives as lines
that hold no blank (base64) or begin with one (od's hexadecimal), and every other
line is a frame header the script itself prints: a word, a blank, then request
numbers and fixed words (and ``Q`` alone, the end). A file holding ``\\nQ\\n``
is ``ClEK`` and nothing else. (base64 is a hundred times faster than ``od -tx1``:
a 50 MB file took 10 s through od.) Every value the script is given (a path, an argument) is quoted
with single quotes, so no value reaches the shell unquoted; a value holding a
NUL byte, which no shell argument can carry, is refused before anything is sent.

The frames (``tstconfig_core.hosts.frames`` reads them)::

    H b|x         the data are base64 (b) or od's hexadecimal (x): the first line
    D N           data of request N follow (hex lines)
    M N           a match of request N's pattern: its path follows (hex lines);
                  the frames after it, up to the next M or Z, are that path's answer
    E N CODE      request N (or the current match) failed: CODE says why; any
                  detail follows (hex lines)
    S N STATUS    the program of request N exited with STATUS
    K N           ... after its timeout (it was killed for it)
    W N           its standard error follows (hex lines, the first 64 KiB)
    X N BYTES     bytes of standard error past those
    L N           a folder's entries follow (hex: KIND/NAME NUL TARGET NUL ...)
    T N MODE UID GID SIZE MTIME   what is at a path (MODE in hex, as stat's %f);
                  a link's target follows (hex lines)
    Z N           request N is answered
    Q             every request is answered
"""
from __future__ import annotations

import os
from collections.abc import Sequence

from tstconfig_core.contract.hosts import ListFolder, ReadFile, RunProgram, StatPath

# The functions every script starts with. Arguments always come first as the
# request number, then the path. ``t SECONDS CMD...`` runs a program directly (never
# a shell function or builtin of the same name) under ``timeout`` where there is one;
# ``p`` does the same for a request's program, its standard error to descriptor 5 and
# none of the script's own descriptors open (what the shell says of a program killed
# by a signal is not the program's).
LIBRARY = r"""exec 4>&1
LC_ALL=C; export LC_ALL
set -f
TO=; command -v timeout >/dev/null 2>&1 && TO=1
RL=; command -v readlink >/dev/null 2>&1 && RL=1
SF='%f %u %g %s %.9Y'; stat -c "$SF" / >/dev/null 2>&1 || SF='%f %u %g %s %Y'
B=; command -v base64 >/dev/null 2>&1 && command -v head >/dev/null 2>&1 && B=1
if [ -n "$B" ]; then SL=1150; printf 'H b\n'; else SL=4096; printf 'H x\n'; fi
enc() { if [ -n "$B" ]; then base64; else od -An -v -tx1; fi; }
x() {
  if [ -n "$B" ]; then head -c "$@" | base64; else od -An -v -tx1 -N "$@"; fi
}
nm() { printf '%s' "$1" | enc; }
t() { if [ -n "$TO" ]; then timeout -k 1 "$@"; else shift; (exec "$@"); fi; }
p() {
  if [ -z "$TO" ]; then shift; (exec "$@" </dev/null 2>&5 4>&- 5>&- 6>&-); return; fi
  (exec timeout -k 1 "$@" </dev/null 2>&5 4>&- 5>&- 6>&-) &
  _pp=$!; wait "$_pp"; _ps=$?
  kill -KILL -"$_pp" 2>/dev/null
  return "$_ps"
}
up() { _u=; read -r _u _ </proc/uptime 2>/dev/null; case $_u in *.*) _up=${_u%.*}${_u#*.} ;; *) _up= ;; esac; }
miss() {
  _m=$1
  while :; do
    case $_m in */*) _m=${_m%/*}; [ -n "$_m" ] || _m=/ ;; *) echo nosuch; return ;; esac
    if [ -e "$_m" ]; then
      if [ ! -d "$_m" ]; then echo notdir; elif [ ! -x "$_m" ]; then echo denied
      else echo nosuch; fi
      return
    fi
    [ "$_m" = / ] && { echo nosuch; return; }
  done
}
gone() {
  if [ ! -L "$2" ]; then printf 'E %s %s\n' "$1" "$(miss "$2")"; return; fi
  case $(od -N 1 -- "$2" 2>&1 >/dev/null) in
    *"Too many levels"*) printf 'E %s loop\n' "$1" ;;
    *"ermission denied"*) printf 'E %s denied\n' "$1" ;;
    *) printf 'E %s nosuch\n' "$1" ;;
  esac
}
inside() {
  [ -n "$2" ] || return 0
  [ -n "$RL" ] || { printf 'E %s nowithin\n' "$1"; return 1; }
  _r=$(readlink -f -- "$3" 2>/dev/null) || return 0
  [ -n "$_r" ] || return 0
  _b=$(readlink -f -- "$2" 2>/dev/null) || _b=$2
  case $_b in /) return 0 ;; esac
  case $_r in "$_b"|"$_b"/*) return 0 ;; esac
  printf 'E %s outside\n' "$1"; nm "$_r"; return 1
}
found() {
  case $1 in */*) [ -f "$1" ] && [ -x "$1" ]; return ;; esac
  _p=$PATH
  while :; do
    _d=${_p%%:*}
    [ -f "${_d:-.}/$1" ] && [ -x "${_d:-.}/$1" ] && return 0
    case $_p in *:*) _p=${_p#*:} ;; *) return 1 ;; esac
  done
}
F() {
  inside "$1" "$5" "$2" || return
  if [ -d "$2" ]; then printf 'E %s isdir\n' "$1"
  elif [ ! -e "$2" ]; then gone "$1" "$2"
  elif [ -p "$2" ]; then printf 'E %s fifo\n' "$1"
  elif [ -S "$2" ]; then printf 'E %s socket\n' "$1"
  elif [ ! -r "$2" ]; then printf 'E %s denied\n' "$1"
  elif [ -f "$2" ]; then
    printf 'D %s\n' "$1"; x "$3" -- "$2" 2>/dev/null
  else
    printf 'D %s\n' "$1"
    if [ -n "$B" ]; then t "$4" head -c "$3" -- "$2" 2>/dev/null | base64
    else t "$4" od -An -v -tx1 -N "$3" -- "$2" 2>/dev/null; fi
  fi
}
@RUN@L() {
  inside "$1" "$3" "$2" || return
  if [ ! -d "$2" ]; then if [ -e "$2" ]; then printf 'E %s notdir\n' "$1"; else gone "$1" "$2"; fi; return; fi
  if [ ! -r "$2" ] || [ ! -x "$2" ]; then printf 'E %s denied\n' "$1"; return; fi
  printf 'L %s\n' "$1"
  { set +f
    for _f in "$2"/* "$2"/.*; do
      _n=${_f##*/}
      case $_n in .|..) continue ;; esac
      if [ -L "$_f" ]; then printf 'symlink/%s\000' "$_n"; readlink -- "$_f"; printf '\000'; continue; fi
      [ -e "$_f" ] || continue
      if [ -d "$_f" ]; then _k=directory; elif [ -f "$_f" ]; then _k=file
      elif [ -p "$_f" ]; then _k=fifo; elif [ -S "$_f" ]; then _k=socket
      elif [ -c "$_f" ]; then _k=char; elif [ -b "$_f" ]; then _k=block; else _k=other; fi
      printf '%s/%s\000\000' "$_k" "$_n"
    done
    set -f; } | enc
}
T() {
  if [ ! -e "$2" ] && [ ! -L "$2" ]; then printf 'E %s %s\n' "$1" "$(miss "$2")"; return; fi
  _t=$(stat -c "$SF" -- "$2" 2>/dev/null) || { printf 'E %s nostat\n' "$1"; return; }
  printf 'T %s %s\n' "$1" "$_t"
  [ -L "$2" ] && readlink -- "$2" | enc
  return 0
}
G() {
  _g=$1 _gi=$2 _gp=$3 _gd=$4 _gn=0; shift 4
  _o=$IFS; IFS=; set +f
  for _gm in $_gp; do
    case ${_gm##*/} in .|..) continue ;; esac
    [ -e "$_gm" ] || [ -L "$_gm" ] || continue
    _gn=1; printf 'M %s\n' "$_gi"; nm "$_gm"
    IFS=$_o; set -f; "$_g" "$_gi" "$_gm" "$@"; IFS=; set +f
  done
  IFS=$_o; set -f
  [ "$_gn" = 1 ] && return
  if { [ -d "$_gd" ] && [ ! -r "$_gd" ]; } || [ "$(miss "$_gd/x")" = denied ]; then
    printf 'E %s globdenied\n' "$_gi"
  fi
  return 0
}
"""

# ``R``, a program's request, is written out for each encoding, the encoder in its
# pipelines itself: a shell function there would cost a process more per program.
_RUN = r"""R() {
  _i=$1 _s=$2 _l=$3 _c=$4; shift 4
  if ! found "$1"; then
    if [ -e "$1" ]; then printf 'E %s noexec\n' "$_i"; else printf 'E %s noprog\n' "$_i"; fi
    return
  fi
  printf 'D %s\n' "$_i"
  up; _t0=$_up
  _e=$( { _x=$( { { p "$_s" "$@"; echo $? >&6; } |
          @OUT@ >&4; } 6>&1 )
        printf 'S %s %s\n' "$_i" "$_x" >&4; } 5>&1 | @ERR@ |
      awk -v n="$SL" -v i="$_i" -v b="$B" \
        'NR<=n{print;next}{d+=(b?length($0)*3/4-gsub(/=/,"="):NF)}END{print "X",i,d+0}' )
  printf 'W %s\n%s\n' "$_i" "$_e"
  up; _t1=$_up
  if [ -n "$_t0" ] && [ -n "$_t1" ] && [ $((_t1 - _t0)) -ge "$_c" ]; then printf 'K %s\n' "$_i"; fi
}
"""
LIBRARY = LIBRARY.replace("@RUN@", "".join((
    'if [ -n "$B" ]; then\n',
    _RUN.replace("@OUT@", 'head -c "$_l" | base64').replace("@ERR@", "base64"),
    "else\n",
    _RUN.replace("@OUT@", 'od -An -v -tx1 -N "$_l"').replace("@ERR@", "od -An -v -tx1"),
    "fi\n")))


class Unsendable(ValueError):
    """A value no shell argument can carry (a NUL byte)."""


def quoted(value: str) -> bytes:
    """``value`` as one sh word: single quotes, each ``'`` written ``'\\''``. Bytes a
    path may hold that are not UTF-8 (kept as surrogates) are sent as they were."""
    raw = os.fsencode(value)
    if b"\0" in raw:
        raise Unsendable("holds a NUL byte, which no shell argument can carry")
    return b"'" + raw.replace(b"'", b"'\\''") + b"'"


def _number(value: float | int) -> bytes:
    return (f"{value:g}" if isinstance(value, float) else str(int(value))).encode()


def glob_folder(pattern: str) -> str:
    """The folder a pattern's matches are in: its part before the first wildcard."""
    import glob
    parts = pattern.split("/")
    first = next((i for i, part in enumerate(parts) if glob.has_magic(part)), len(parts))
    return "/".join(parts[:first]) or "/"


def line_for(number: int, request: object, timeout: float, max_size: int) -> bytes:
    """The script line that answers one request; Unsendable for a value sh cannot take."""
    n = str(number).encode()
    seconds = _number(max(timeout, 0.001))
    if isinstance(request, RunProgram):
        limit = _number(max_size + 1)
        # (and its timeout in hundredths: a program still running then was killed by it,
        # whatever status timeout gave, 124 or, past TERM, KILL's 137)
        hundredths = str(max(1, int(timeout * 100))).encode()
        return b" ".join([b"R", n, seconds, limit, hundredths, *map(quoted, request.argv)])
    if isinstance(request, ReadFile):
        size = request.max_size if isinstance(request.max_size, int) and \
            0 < request.max_size < max_size else max_size
        tail = [_number(size + 1), seconds, quoted(request.within or "")]
        call = [b"F"]
    elif isinstance(request, ListFolder):
        tail, call = [quoted(request.within or "")], [b"L"]
    elif isinstance(request, StatPath):
        tail, call = [], [b"T"]
    else:
        raise Unsendable(f"a remote host cannot answer {type(request).__name__}")
    path = quoted(request.path)
    if getattr(request, "glob", False):
        return b" ".join([b"G", *call, n, path, quoted(glob_folder(request.path)), *tail])
    return b" ".join([*call, n, path, *tail])


def script(lines: Sequence[bytes]) -> bytes:
    """The whole script: read by ``sh`` to its end before any of it runs (a brace group),
    so no program it starts can read the rest of it from standard input."""
    body = b"\n".join(lines)
    return (b"{\n" + LIBRARY.encode() + body + (b"\n" if body else b"")
            + b"printf 'Q\\n'\n} </dev/null\n")
