"""Writing a long report made of many small pieces (a JSON encoder's, a page's).

Writing each piece costs a call through the stream's layers (with 20,000 results, a
third of a run's time); joining the whole report first costs its size again in
memory. So pieces are gathered into chunks of about 64 KiB, each written once.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

CHUNK = 1 << 16


def write_in_chunks(stream: TextIO, pieces: Iterable[str], chunk: int = CHUNK) -> None:
    gathered: list[str] = []
    size = 0
    for piece in pieces:
        gathered.append(piece)
        size += len(piece)
        if size >= chunk:
            stream.write("".join(gathered))
            gathered.clear()
            size = 0
    stream.write("".join(gathered))
