"""Captures from the crawl process to its parent: framed pickles appended to a file, one per source.

Each capture is written (a 4-byte length, then the pickle) and flushed as soon as its source
is done. The parent reads the files while the crawl runs (``CaptureTail``), so its own work on
each capture overlaps the fetching of the next ones; a crawl process killed at its time limit
leaves every finished source readable, and a record cut short by the kill is dropped. The
files live in a directory only the parent's user can read (tempfile.mkdtemp), written by our
own child process, so unpickling them trusts nothing from the network.
"""

from __future__ import annotations

import logging
import os
import pickle
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from monitor.types import Capture

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

log = logging.getLogger(__name__)

SUFFIX = ".captures"
_FRAME = struct.Struct(">I")
OUTPUT_SETTING = "REGIONWATCH_OUTPUT_DIR"


class CaptureWriter:
    """Scrapy item pipeline: appends every Capture to ``<output>/<spider>.captures``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[bytes] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CaptureWriter:
        directory = Path(crawler.settings.get(OUTPUT_SETTING))
        return cls(directory / f"{crawler.spidercls.name}{SUFFIX}")

    def open_spider(self) -> None:
        self._file = self.path.open("ab")

    def process_item(self, item: Any) -> Any:
        if isinstance(item, Capture) and self._file is not None:
            data = pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)
            self._file.write(_FRAME.pack(len(data)) + data)
            self._file.flush()
        return item

    def close_spider(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def read_captures(directory: Path) -> Iterator[Capture]:
    """Every capture the crawl process wrote, file by file, in the order written."""
    tail = CaptureTail(directory)
    try:
        while found := tail.poll(limit=500):
            yield from found
    finally:
        tail.close()


class CaptureTail:
    """Reads the captures the crawl process has finished so far, each once, file by file.

    A record is read only when it is complete (its length is there, and that many bytes), so
    a record still being written is left for a later poll; ``limit`` bounds how many are
    taken at once, so a reader that fell behind never holds the whole backlog in memory.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._files: dict[Path, IO[bytes]] = {}

    def poll(self, limit: int | None = None) -> list[Capture]:
        """Up to ``limit`` captures completed since the last poll (all of them if None)."""
        found: list[Capture] = []
        for path in sorted(self.directory.rglob(f"*{SUFFIX}")):  # one directory per crawl process
            stream = self._files.get(path) or self._files.setdefault(path, path.open("rb"))
            while limit is None or len(found) < limit:
                record = _next(stream, path)
                if record is _INCOMPLETE:
                    break
                if isinstance(record, Capture):
                    found.append(record)
        return found

    def close(self) -> None:
        """After the last poll: a record still incomplete was cut short by a kill, and is dropped."""
        for path, stream in self._files.items():
            left = os.fstat(stream.fileno()).st_size - stream.tell()
            if left:
                log.warning("crawl output %s: last record cut short (%d bytes): dropped", path.name, left)
            stream.close()
        self._files.clear()


_INCOMPLETE = object()


def _next(stream: IO[bytes], path: Path) -> object:
    """The next record of ``stream`` (None if unreadable), or _INCOMPLETE, leaving the position as it was."""
    start = stream.tell()
    head = stream.read(_FRAME.size)
    if len(head) == _FRAME.size:
        (size,) = _FRAME.unpack(head)
        data = stream.read(size)
        if len(data) == size:
            return _load(data, path)
    stream.seek(start)
    return _INCOMPLETE


def _load(data: bytes, path: Path) -> object:
    try:
        return pickle.loads(data)  # noqa: S301 - our own child's file, see the module docstring
    except (pickle.UnpicklingError, ValueError, AttributeError, IndexError, EOFError) as exc:
        log.warning("crawl output %s: unreadable record (%s): dropped", path.name, exc)
        return None
