"""The ``file`` source: ``file PATH`` reads a file as UTF-8 text."""
from __future__ import annotations

from collections.abc import Sequence

from tstconfig_core.api import (DEFAULT_MAX_SIZE, Answer, HostError, HostRequest, PluginError,
                                ReadFile, Source, SourceData, SourceRequest, TooLargeAnswer,
                                lines_within)


def text_lines(content: Answer, path: str, max_size: int = DEFAULT_MAX_SIZE) -> list[str]:
    """The lines of a file the host read; every way it can have failed is a PluginError,
    lines that would take more memory than ``max_size``'s budget included. (Decoded a
    piece at a time: the whole text is never held beside the bytes and the lines.)"""
    if isinstance(content, TooLargeAnswer):
        raise PluginError(f"{path!r} is larger than the size limit ({content}); raise it with "
                          "'max_size SIZE' in the block or --max-size")
    if isinstance(content, HostError):
        raise PluginError(f"cannot read file {path!r}: {content}")
    return lines_within(content, max_size)  # type: ignore[arg-type]


class FileSource(Source):
    """Read a file (UTF-8; invalid bytes replaced).

    A directory, a named pipe or a socket is an error (reading a pipe could
    wait for ever); a device is read as far as it has data now; a file larger
    than the size limit is an error.
    """

    summary = "read a file: file PATH"
    label = "File"

    def validate(self, args: Sequence[str]) -> None:
        if not " ".join(args):
            raise PluginError("file needs a path")

    def requests(self, request: SourceRequest) -> list[HostRequest]:
        self.validate(request.args)
        return [ReadFile(" ".join(request.args))]

    def build(self, request: SourceRequest, answers: list[Answer]) -> SourceData:
        return SourceData(text_lines(answers.pop(), " ".join(request.args), request.max_size))
