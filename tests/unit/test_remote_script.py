"""The remote script (tstconfig_core/hosts/script.py) and its frames, run by this
machine's own ``sh -s``, as ssh runs it on a host: every answer must be the one the
local host gives, whatever the data, the names and the arguments hold."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tstconfig_core.contract.hosts import (HostError, ListFolder, NoSuchPath, ProgramResult,
                                           ReadFile, RunProgram, StatPath, TimeoutAnswer,
                                           TooLargeAnswer)
from tstconfig_core.fleet.targets import Target
from tstconfig_core.hosts import script
from tstconfig_core.hosts.local import LocalHost
from tstconfig_core.hosts.ssh import SshHost


class ShellHost(SshHost):
    """The ssh host's script and frames, with ``sh -c 'sh -s'`` for ssh."""

    path: str | None = None  # a PATH for the script: a host without base64

    def argv(self) -> list[str]:
        where = [] if self.path is None else ["env", f"PATH={self.path}"]
        return [*where, "sh", "-c", self.remote_command()]


#: What the script and the tests' programs need, base64 left out.
TOOLS = ["sh", "od", "awk", "stat", "readlink", "timeout", "head", "printf", "cat",
         "sleep", "true", "kill", "echo"]


@pytest.fixture(params=["base64", "od"], autouse=True)
def encoding(request, tmp_path_factory) -> None:
    """Every test twice: the data in base64, and on a host without base64, in od's hex."""
    if request.param == "od":
        folder = tmp_path_factory.mktemp("bin")
        for tool in TOOLS:
            found = shutil.which(tool)
            if found:
                (folder / tool).symlink_to(found)
        ShellHost.path = str(folder)
    yield
    ShellHost.path = None


def comparable(answer: object) -> object:
    if isinstance(answer, HostError):
        return type(answer).__name__, str(answer)
    if isinstance(answer, dict):
        return {k: comparable(v) for k, v in answer.items()}
    return answer


def both(requests: list, timeout: float = 10, max_size: int = 1 << 20) -> tuple[list, list]:
    remote = ShellHost(Target("t")).answer(requests, timeout, max_size)
    local = LocalHost().answer(requests, timeout, max_size)
    return [comparable(a) for a in remote], [comparable(a) for a in local]


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    (tmp_path / "plain.txt").write_bytes(b"one\ntwo\n")
    (tmp_path / "frames.txt").write_bytes(b"Q\nD 1\nE 1 nosuch\n 51 0a\n\x00\xff")
    (tmp_path / "it's $(x) `y`;\nz").write_text("odd name\n")
    (tmp_path / "-n").write_text("dash\n")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / ".hidden").write_text("h\n")
    os.symlink("plain.txt", tmp_path / "link")
    os.symlink("/nowhere", tmp_path / "dangling")
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "in").write_text("x\n")
    return tmp_path


def test_every_kind_of_request_is_answered_as_here(tree: Path) -> None:
    t = str(tree)
    requests = [
        ReadFile(f"{t}/plain.txt"), ReadFile(f"{t}/frames.txt"), ReadFile(f"{t}/it's $(x) `y`;\nz"),
        ReadFile(f"{t}/-n"), ReadFile(f"{t}/link"), ReadFile(f"{t}/dangling"),
        ReadFile(f"{t}/fifo"), ReadFile(f"{t}/folder"), ReadFile(f"{t}/missing"),
        ReadFile(f"{t}/plain.txt/x"), ReadFile(f"{t}/link", within="/etc"),
        ReadFile(f"{t}/plain.txt", max_size=3), ReadFile(f"{t}/*", glob=True),
        ReadFile(f"{t}/nothing*", glob=True), ReadFile(f"{t}/folder/.*", glob=True),
        ListFolder(t), ListFolder(f"{t}/folder"), ListFolder(f"{t}/plain.txt"),
        ListFolder(f"{t}/missing"), ListFolder(f"{t}/f*", glob=True),
        StatPath(f"{t}/link"), StatPath(f"{t}/plain.txt"), StatPath(f"{t}/missing"),
        StatPath(f"{t}/*", glob=True),
        RunProgram(("printf", "%s|%s", "it's", "$(touch PWNED) `id`\n;")),
        RunProgram(("sh", "-c", "echo out; echo err >&2; exit 7")),
        RunProgram(("sh", "-c", "kill -KILL $$")), RunProgram(("no-such-program-here",)),
        RunProgram((f"{t}/plain.txt",)), RunProgram(("head", "-c", "3000000", "/dev/zero")),
        RunProgram(("sh", "-c", "head -c 100000 /dev/zero >&2")),
    ]
    remote, local = both(requests)
    for request, there, here in zip(requests, remote, local):
        assert there == here, request
    assert not (tree / "PWNED").exists()


def test_time_limits_are_kept_on_the_host() -> None:
    remote, local = both([RunProgram(("sleep", "5")), RunProgram(("echo", "after"))],
                         timeout=1)
    assert remote[0] == local[0] == ("TimeoutAnswer", str(TimeoutAnswer(
        "command timed out after 1 s and was killed (raise it with 'timeout SECONDS' or "
        "--timeout)")))
    assert isinstance(remote[1], ProgramResult) and remote[1].stdout == b"after\n"


def test_a_nul_byte_is_refused_before_anything_is_sent() -> None:
    host = ShellHost(Target("t"))
    answers = host.answer([ReadFile("/etc/\0passwd"), ReadFile("/etc/hostname")], 10, 1000)
    assert isinstance(answers[0], HostError) and "NUL" in str(answers[0])
    assert isinstance(answers[1], (bytes, NoSuchPath))
    assert host.round_trips == 1


def test_one_round_trip_answers_everything_and_repeats_are_free(tree: Path) -> None:
    host = ShellHost(Target("t"))
    needs = [(ReadFile(f"{tree}/plain.txt"), 10.0, 100), (StatPath(str(tree)), 10.0, 100)]
    host.prefetch(needs)
    host.prefetch(needs)
    assert host.answer([needs[0][0]], 10.0, 100) == [b"one\ntwo\n"]
    assert host.round_trips == 1
    assert isinstance(host.answer([needs[0][0]], 10.0, 3)[0], TooLargeAnswer)
    assert host.round_trips == 2  # (another limit is another request)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=300),
       name=st.text(st.characters(blacklist_characters="/\0", blacklist_categories=["Cs"]),
                    min_size=1, max_size=20).filter(lambda n: n not in (".", "..")),
       argument=st.text(st.characters(blacklist_characters="\0",
                                      blacklist_categories=["Cs"]), max_size=40))
def test_no_content_name_or_argument_changes_the_framing(tmp_path: Path, content: bytes,
                                                         name: str, argument: str) -> None:
    folder = tmp_path / "h"
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    (folder / name).write_bytes(content)
    requests = [ReadFile(str(folder / name)), ReadFile(f"{folder}/*", glob=True),
                ListFolder(str(folder)), RunProgram(("printf", "%s", argument)),
                RunProgram(("cat", str(folder / name)))]
    remote, local = both(requests)
    assert remote == local


def test_the_script_quotes_every_value() -> None:
    assert script.quoted("it's") == b"'it'\\''s'"
    line = script.line_for(3, RunProgram(("echo", "$(id)", "a'b")), 5.0, 10)
    assert line == b"R 3 5 11 500 'echo' '$(id)' 'a'\\''b'"
