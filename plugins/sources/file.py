"""The ``file`` and ``files`` sources: files read as UTF-8 text.

``file PATH`` reads one file, or every file a glob pattern matches (``*``, ``?``,
``[``), in sorted order, as one text. ``files PATH|GLOB ...`` reads several in the
order given, the way a program that includes other files reads them (sshd reads
``/etc/ssh/sshd_config.d/*.conf`` before the rest of ``sshd_config``). Text from
more than one file says where each file's lines are (``SourceData.parts``), so each
is parsed on its own and a failure names its file.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from tstconfig_core.api import (DEFAULT_MAX_SIZE, Answer, FilePieces, HostError, HostRequest,
                                Keep, NoSuchPath, PluginError, ReadFile, Source, SourceData,
                                SourceRequest, TooLargeAnswer, kept_lines, lines_within,
                                shown_size)

_MAGIC = re.compile(r"[*?[]")
_ALLOW = "add 'allow_missing' to the block if none is fine"


def paths_given(keyword: str, args: Sequence[str]) -> None:
    """A source of several paths (``files``, ``stat``) has one or more, none empty."""
    if not args:
        raise PluginError(f"{keyword} needs one or more paths or globs")
    if "" in args:
        raise PluginError(f"{keyword} got an empty path (\"\"); give each path or glob as "
                          "one argument")


def is_glob(path: str) -> bool:
    """Whether a path is a pattern: it has ``*``, ``?`` or ``[`` (``[[]`` is a plain ``[``)."""
    return _MAGIC.search(path) is not None


def text_lines(content: Answer, path: str, max_size: int = DEFAULT_MAX_SIZE,
               keep: Keep | None = None) -> list[str]:
    """The lines of a file the host read; every way it can have failed is a PluginError,
    lines that would take more memory than ``max_size``'s budget included. (Decoded a
    piece at a time: the whole text is never held beside the bytes and the lines.) A
    file read in pieces (``FilePieces``) is cut as it is read, and only the lines
    ``keep`` keeps are held."""
    try:
        if isinstance(content, FilePieces):
            if keep is not None:
                return kept_lines(content, max_size, keep)
            content = b"".join(content)
    except HostError as exc:
        content = exc
    if isinstance(content, TooLargeAnswer):
        raise PluginError(f"{path!r} is larger than the size limit ({content}); raise it with "
                          "'max_size SIZE' in the block or --max-size")
    if isinstance(content, HostError):
        raise PluginError(f"cannot read file {path!r}: {content}")
    return lines_within(content, max_size)  # type: ignore[arg-type]


class _Text:
    """Lines of several files gathered in order, with each file's part and the bytes read
    so far, which must stay within the block's size limit in all (the host bounds each
    file alone)."""

    def __init__(self, max_size: int) -> None:
        self.max_size = max_size
        self.lines: list[str] = []
        self.parts: list[tuple[str, int]] = []
        self.size = 0

    def add(self, content: Answer, path: str) -> None:
        if isinstance(content, bytes):
            self.size += len(content)
            if self.size > self.max_size:
                raise PluginError(f"the files read hold more than the size limit "
                                  f"({shown_size(self.max_size)}) in all, {path!r} included; "
                                  "raise it with 'max_size SIZE' in the block or --max-size")
        lines = text_lines(content, path, self.max_size)
        if not lines:
            return
        if not self.lines:
            self.lines = lines  # the core's own kind of list: it lets lines go as rows are made
        else:
            _extend(self.lines, lines)
        self.parts.append((path, len(lines)))

    def add_matches(self, found: Answer, pattern: str, allow_missing: bool) -> None:
        """Every file a pattern matched, sorted; none is an error unless allowed."""
        if isinstance(found, HostError):
            raise PluginError(f"cannot read the files matching {pattern!r}: {found}")
        assert isinstance(found, Mapping)
        if not found and not allow_missing:
            raise PluginError(f"no file matches {pattern!r}; {_ALLOW}")
        for path in sorted(found):
            content = found.pop(path) if isinstance(found, dict) else found[path]
            self.add(content, path)  # type: ignore[arg-type]

    def add_file(self, content: Answer, path: str, allow_missing: bool) -> None:
        if isinstance(content, NoSuchPath) and allow_missing:
            return
        self.add(content, path)

    def data(self) -> SourceData:
        return SourceData(self.lines, parts=tuple(self.parts))


def _extend(lines: list[str], more: list[str]) -> None:
    """``more`` after ``lines``, with what they take in memory (``cost``, known for the
    lines ``lines_within`` makes), so the block's memory budget counts them all."""
    lines += more
    if hasattr(lines, "cost"):
        lines.cost += getattr(more, "cost", 0)


class FileSource(Source):
    """Read a file (UTF-8; invalid bytes replaced), or every file a glob matches.

    A directory, a named pipe or a socket is an error (reading a pipe could
    wait for ever); a device is read as far as it has data now; a file larger
    than the size limit is an error. A pattern's matches are read in sorted
    order as one text; a pattern that matches nothing is an error, and so is
    a missing file, unless the block says ``allow_missing``.
    """

    summary = "read a file, or the files a glob matches: file PATH"
    label = "File"

    def validate(self, args: Sequence[str]) -> None:
        if not " ".join(args):
            raise PluginError("file needs a path")

    def requests(self, request: SourceRequest) -> list[HostRequest]:
        self.validate(request.args)
        path = " ".join(request.args)
        glob = is_glob(path)  # (a block that keeps some lines reads the file in pieces)
        return [ReadFile(path, glob=glob, pieces=request.keep is not None and not glob)]

    def build(self, request: SourceRequest, answers: list[Answer]) -> SourceData:
        path, content = " ".join(request.args), answers.pop()
        if is_glob(path):
            text = _Text(request.max_size)
            text.add_matches(content, path, request.allow_missing)
            return text.data()
        if isinstance(content, NoSuchPath) and request.allow_missing:
            return SourceData([])
        return SourceData(text_lines(content, path, request.max_size, request.keep))


class FilesSource(Source):
    """Read files one after the other, in the order given: each argument a path or a
    glob (its matches sorted), as a program that includes files reads them.

    ``files /etc/ssh/sshd_config.d/*.conf /etc/ssh/sshd_config`` reads what sshd
    reads, in its order (Debian's sshd_config includes that folder first, and
    sshd keeps the first value it meets). A missing file, or a pattern that
    matches nothing, is an error unless the block says ``allow_missing``; the
    files together must stay within the size limit.
    """

    summary = "read files in the order given (paths or globs): files PATH|GLOB ..."
    label = "Files"

    def validate(self, args: Sequence[str]) -> None:
        paths_given("files", args)

    def requests(self, request: SourceRequest) -> list[HostRequest]:
        self.validate(request.args)
        return [ReadFile(path, glob=is_glob(path)) for path in request.args]

    def build(self, request: SourceRequest, answers: list[Answer]) -> SourceData:
        text = _Text(request.max_size)
        answers.reverse()  # popped in the order asked
        for path in request.args:
            content = answers.pop()
            if is_glob(path):
                text.add_matches(content, path, request.allow_missing)
            else:
                text.add_file(content, path, request.allow_missing)
        return text.data()
