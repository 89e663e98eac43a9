"""The feed spider: RSS, Atom and RDF feeds, parsed later by feedparser in the parent."""

from __future__ import annotations

from typing import ClassVar

from monitor.fetch.settings import FEED_ACCEPT
from monitor.types import SourceKind
from spiders.base import CaptureSpider


class FeedSpider(CaptureSpider):
    """Fetches the catalog's feed sources."""

    name = "feeds"
    kind: ClassVar[SourceKind] = SourceKind.FEED
    accept: ClassVar[str] = FEED_ACCEPT
