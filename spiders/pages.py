"""The page spider: availability lists and newsroom pages, expected to be HTML."""

from __future__ import annotations

from typing import ClassVar

from monitor.fetch.settings import PAGE_ACCEPT
from monitor.types import SourceKind
from spiders.base import CaptureSpider


class PageSpider(CaptureSpider):
    """Fetches the catalog's page sources."""

    name = "pages"
    kind: ClassVar[SourceKind] = SourceKind.PAGE
    accept: ClassVar[str] = PAGE_ACCEPT
