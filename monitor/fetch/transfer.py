"""Captures from the crawl process to its parent: pickles appended to a file, one per source.

Each capture is written and flushed as soon as its source is done, so a crawl process killed
at its time limit leaves every finished source readable; a record cut short by the kill is
dropped. The files live in a directory only the parent's user can read (tempfile.mkdtemp),
written by our own child process, so unpickling them trusts nothing from the network.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from monitor.types import Capture

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

log = logging.getLogger(__name__)

SUFFIX = ".captures"
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
            self._file.write(pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL))
            self._file.flush()
        return item

    def close_spider(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def read_captures(directory: Path) -> Iterator[Capture]:
    """Every capture the crawl process wrote, file by file, in the order written."""
    for path in sorted(directory.glob(f"*{SUFFIX}")):
        yield from _read_file(path)


def _read_file(path: Path) -> Iterator[Capture]:
    with path.open("rb") as stream:
        while True:
            try:
                record = pickle.load(stream)  # noqa: S301 - our own child's file, see docstring
            except EOFError:
                return
            except (pickle.UnpicklingError, ValueError, AttributeError, IndexError) as exc:
                log.warning("crawl output %s: last record cut short (%s): dropped", path.name, exc)
                return
            if isinstance(record, Capture):
                yield record
