"""The ``file`` source: ``file PATH`` reads a file as UTF-8 text."""
from __future__ import annotations

from tstconfig_core.api import PluginError, Source, SourceData, SourceRequest
from tstconfig_core.definition import decode, split_lines


class FileSource(Source):
    """Read a file (UTF-8; invalid bytes replaced)."""

    summary = "read a file: file PATH"
    label = "File"

    def read(self, request: SourceRequest) -> SourceData:
        path = " ".join(request.args)
        if not path:
            raise PluginError("file needs a path")
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise PluginError(f"cannot read file {path!r}: {exc.strerror or exc}") from None
        except ValueError as exc:  # e.g. a NUL character in the path
            raise PluginError(f"cannot read file {path!r}: {exc}") from None
        return SourceData(split_lines(decode(data)))
