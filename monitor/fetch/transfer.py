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
    yield from tail.poll()
    tail.close()


class CaptureTail:
    """Reads the captures the crawl process has finished so far, each once, file by file."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._buffers: dict[Path, bytearray] = {}
        self._offsets: dict[Path, int] = {}

    def poll(self) -> list[Capture]:
        """The captures completed since the last poll."""
        found: list[Capture] = []
        for path in sorted(self.directory.rglob(f"*{SUFFIX}")):  # one directory per crawl process
            found.extend(self._read_new(path))
        return found

    def close(self) -> None:
        """After the last poll: a record still incomplete was cut short by a kill, and is dropped."""
        for path, buffer in self._buffers.items():
            if buffer:
                log.warning("crawl output %s: last record cut short (%d bytes): dropped", path.name, len(buffer))
        self._buffers.clear()

    def _read_new(self, path: Path) -> Iterator[Capture]:
        offset = self._offsets.get(path, 0)
        with path.open("rb") as stream:
            stream.seek(offset)
            data = stream.read()
        if not data:
            return
        self._offsets[path] = offset + len(data)
        buffer = self._buffers.setdefault(path, bytearray())
        buffer += data
        start = 0
        while len(buffer) - start >= _FRAME.size:
            (size,) = _FRAME.unpack_from(buffer, start)
            end = start + _FRAME.size + size
            if end > len(buffer):
                break
            record = _load(bytes(buffer[start + _FRAME.size:end]), path)
            start = end
            if isinstance(record, Capture):
                yield record
        del buffer[:start]


def _load(data: bytes, path: Path) -> object:
    try:
        return pickle.loads(data)  # noqa: S301 - our own child's file, see the module docstring
    except (pickle.UnpicklingError, ValueError, AttributeError, IndexError, EOFError) as exc:
        log.warning("crawl output %s: unreadable record (%s): dropped", path.name, exc)
        return None
