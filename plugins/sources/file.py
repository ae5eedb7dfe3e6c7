"""The ``file`` source: ``file PATH`` reads a file as UTF-8 text."""
from __future__ import annotations

from collections.abc import Sequence

from tstconfig_core.api import (PluginError, Source, SourceData, SourceRequest, TooLarge,
                                decode, read_bounded, split_lines)


def read_text_file(path: str, max_size: int) -> list[str]:
    """The lines of a file, bounded; every way it can fail is a PluginError."""
    try:
        data = read_bounded(path, max_size)
    except TooLarge as exc:
        raise PluginError(f"{path!r} is larger than the size limit ({exc}); raise it with "
                          "'max_size SIZE' in the block or --max-size") from None
    except OSError as exc:
        raise PluginError(f"cannot read file {path!r}: {exc.strerror or exc}") from None
    except ValueError as exc:  # e.g. a NUL character in the path
        raise PluginError(f"cannot read file {path!r}: {exc}") from None
    text = decode(data)
    del data  # the bytes need not stay while the text is cut into lines (the peak)
    return split_lines(text)


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

    def read(self, request: SourceRequest) -> SourceData:
        self.validate(request.args)
        return SourceData(read_text_file(" ".join(request.args), request.max_size))
