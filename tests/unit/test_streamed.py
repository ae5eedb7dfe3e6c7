"""A block that only looks keys up reads its file a piece at a time and holds only the
lines of those keys (tstconfig_core/streamed.py, engine/keeping.py): the lines cut from
pieces are the lines of the whole text, the reports are those of a block that reads
every line, and what needs more rows reads the file again, whole."""
from __future__ import annotations

import codecs
import os
import random
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import PEAK_RSS
from tstconfig_core.api import LocalHost, OverBudget, ReadFile, TooLargeAnswer, lines_within
from tstconfig_core.engine.context import Context, RunSettings
from tstconfig_core.engine.interpreter import Interpreter
from tstconfig_core.loading.registry import PluginRegistry
from tstconfig_core.model import AssertionResult, ErrorEvent
from tstconfig_core.streamed import FilePieces, kept_lines

REGISTRY = PluginRegistry()
MiB = 1024 * 1024


def pieces_of(data: bytes, cuts: list[int]) -> list[bytes]:
    """``data`` cut at the given offsets (any bytes: inside a character, a CRLF, a BOM)."""
    bounds = [0, *sorted({c % (len(data) + 1) for c in cuts}), len(data)]
    return [data[a:b] for a, b in zip(bounds, bounds[1:]) if b > a]


TEXTS = st.lists(st.sampled_from(["a", "b:c", "", "\r", "é", "\U0001f600", " ", "#x", "\n",
                                  "\r\n", ":", "\ufeff"]), max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=TEXTS, bom=st.booleans(), bad=st.booleans(),
       cuts=st.lists(st.integers(0, 400), max_size=12))
def test_lines_cut_from_pieces_are_the_lines_of_the_whole(text, bom, bad, cuts):
    data = (codecs.BOM_UTF8 if bom else b"") + text.encode() + (b"\xff\xfe" if bad else b"")
    whole = list(lines_within(data, MiB))
    assert list(kept_lines(pieces_of(data, cuts), MiB, lambda lines: lines)) == whole
    wanted = [ln for ln in whole if ln.startswith("b")]
    assert list(kept_lines(pieces_of(data, cuts), MiB,
                           lambda lines: [ln for ln in lines if ln.startswith("b")])) == wanted


def test_the_budget_is_charged_what_a_whole_read_would_take():
    """Whether the host reads a file whole or in pieces, a block's outcome is the same:
    the estimate is lines_within's, piece for piece, and so is the error."""
    data = b"skip me\n" * 200_000 + b"keep me\n" * 10
    keep = lambda lines: [ln for ln in lines if ln.startswith("keep")]  # noqa: E731
    kept = kept_lines(pieces_of(data, list(range(0, len(data), 4096))), 8 * MiB, keep)
    assert list(kept) == ["keep me"] * 10 and kept.cost == lines_within(data, 8 * MiB).cost
    with pytest.raises(OverBudget) as whole:
        lines_within(data, len(data))  # (within max_size; its lines are not)
    with pytest.raises(OverBudget, match="200,010 lines") as streamed:
        kept_lines(pieces_of(data, list(range(0, len(data), 4096))), len(data), keep)
    assert str(streamed.value) == str(whole.value)


def test_this_machine_reads_a_regular_file_in_pieces_and_anything_else_whole(tmp_path):
    host = LocalHost()
    path = tmp_path / "f"
    path.write_bytes(b"x\n" * 10)
    answer = host.answer([ReadFile(str(path), pieces=True)], 10, MiB)[0]
    assert isinstance(answer, FilePieces)
    assert b"".join(answer) == b"x\n" * 10
    with pytest.raises(Exception, match="read already"):
        list(answer)
    assert host.answer([ReadFile("/proc/self/status", pieces=True)], 10, MiB)[0].startswith(
        b"Name:")  # (says size 0: read whole)
    assert isinstance(host.answer([ReadFile(str(path), pieces=True)], 10, 5)[0],
                      TooLargeAnswer)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    refused = host.answer([ReadFile(str(fifo), pieces=True)], 10, MiB)[0]
    assert "named pipe" in str(refused)
    closed = host.answer([ReadFile(str(path), pieces=True)], 10, MiB)[0]
    fd = closed._fd
    closed.close()
    with pytest.raises(OSError):
        os.fstat(fd)


def run(definition: str, narrow: bool = True) -> tuple[list[tuple], list]:
    """(what was reported, each assertion's block: whether its lines were kept as read)."""
    reported: list[tuple] = []
    streamed: list[bool] = []
    runner: Interpreter

    def emit(event: object) -> None:
        if isinstance(event, AssertionResult):
            reported.append((event.line, event.property, event.value, event.outcome))
            streamed.append(runner.block is not None and runner.block.keeper is not None)
        elif isinstance(event, ErrorEvent):
            reported.append((event.line, event.message))

    runner = Interpreter(Context(REGISTRY, emit, RunSettings(timeout=10.0), narrow=narrow))
    runner.run(definition, "t.tstconfig")
    return reported, streamed


PASSWD = "".join(f"user{i}:x:{i}:{i % 7}:User {i}:/home/user{i}:/bin/sh{i % 3}\n"
                 for i in range(3000))


@pytest.mark.parametrize("block, streams", [
    ("syntax etc_passwd\ncolumns 0 6\nproperty user7\nassert_eq /bin/sh1\n"
     "property user2999\nassert_eq /bin/sh2\nproperty nobody\nassert_undefined\n", True),
    ("skip_header_lines 5\nread_lines 100\nseparator :\ncolumns 0 6\nproperty user4\n"
     "assert_undefined\nproperty user5\nassert_eq /bin/sh2\nproperty user105\n"
     "assert_undefined\nproperty user104\nassert_defined\n", True),
    ("separator :\ncolumns 2 6\nproperty 17\nassert_eq /bin/sh2\n", True),
    ("separator :\nproperty user7\nassert_defined\nsection_size\nassert_eq 3000\n", False),
    ("separator :\ncolumns 0 2\nproperty user7\nassert_eq 7\ncolumns 2 0\nproperty 9\n"
     "assert_eq user9\n", False),  # (key columns change: read whole, once)
    ("separator :\ncolumns 0 1 2\nproperty user1 x\nassert_eq 1\nproperty user2\n"
     "assert_defined\n", False),  # (two key counts: read whole, once)
    ("separator :\nproperty user1 x\nassert_defined\nproperty user3 y\nassert_undefined\n",
     True),
    ("separator :\nignore_case\nproperty USER7\nassert_defined\n", False),
])
def test_a_streamed_block_reports_what_a_block_reading_every_line_reports(tmp_path, block,
                                                                         streams):
    (tmp_path / "passwd").write_text("\ufeff" + PASSWD.replace("user3:", "user3:\r"))
    definition = f"file {tmp_path / 'passwd'}\n{block}"
    streamed_run, streamed = run(definition)
    whole_run, _ = run(definition, narrow=False)
    assert streamed_run == whole_run
    assert streamed and streamed[0] is streams
    assert all(len(r) == 4 and r[3] == "passed" for r in streamed_run), streamed_run


def test_a_file_too_large_is_the_same_error_either_way(tmp_path):
    (tmp_path / "passwd").write_text(PASSWD)
    definition = (f"file {tmp_path / 'passwd'}\nmax_size 1K\nseparator :\nproperty user1\n"
                  "assert_defined\n")
    streamed, _ = run(definition)
    assert streamed == run(definition, narrow=False)[0]
    assert "is larger than the size limit (more than 1 KiB)" in streamed[0][1]


def test_memory_grows_with_the_lines_kept_not_with_the_file(tmp_path):
    """A real process: 400,000 lines (27 MB) looked up by 200 keys, and one line."""
    rng = random.Random(7)
    with (tmp_path / "big").open("w") as fh:
        for start in range(0, 400_000, 10_000):
            fh.write("".join(f"user{i}:x:{i}:{rng.randrange(99)}:U {i}:/home/user{i}:/bin/sh\n"
                             for i in range(start, start + 10_000)))
    (tmp_path / "small").write_text("user0:x:0:0:U 0:/home/user0:/bin/sh\n")
    checks = "".join(f"property user{i}\nassert_eq /bin/sh\n" for i in range(0, 400_000, 2000))

    def peak(name: str) -> int:
        path = tmp_path / f"{name}.tstconfig"
        path.write_text(f"file {tmp_path / name}\nsyntax etc_passwd\ncolumns 0 6\n{checks}")
        done = subprocess.run([sys.executable, "-c", PEAK_RSS, str(path)], capture_output=True,
                              text=True, timeout=120)
        return int(done.stdout.split()[-1]) * 1024

    big, small = peak("big"), peak("small")
    # Read whole, the file took some 3 times its size (80 MB more); in pieces, its
    # pieces and the 200 lines kept: a few MiB.
    assert big - small < 12 * MiB, (big, small)
