"""Scrapy's log lines for captures: the source and its outcome, never the body."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Spider
from scrapy.http import Response
from scrapy.logformatter import LogFormatter, LogFormatterResult
from twisted.python.failure import Failure

from monitor.types import Capture


class CaptureLogFormatter(LogFormatter):
    """Logs "source X captured: outcome (HTTP n)" where Scrapy would dump the whole item."""

    def scraped(self, item: Any, response: Response | Failure | None,
                spider: Spider) -> LogFormatterResult:
        if not isinstance(item, Capture):
            return super().scraped(item, response, spider)
        return {
            "level": logging.DEBUG,
            "msg": "source %(source)s captured: %(outcome)s (HTTP %(status)s, %(size)d bytes)",
            "args": {"source": item.source_id, "outcome": item.outcome or "read",
                     "status": item.status, "size": len(item.body)},
        }
