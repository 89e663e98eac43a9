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

    def scraped(self, item: Any, response: Response | Failure | None, spider: Spider) -> LogFormatterResult:
        if not isinstance(item, Capture):
            return super().scraped(item, response, spider)
        return {
            "level": logging.DEBUG,
            "msg": "source %(source)s captured: %(outcome)s (HTTP %(status)s, %(size)d bytes)",
            "args": {
                "source": item.source_id,
                "outcome": item.outcome or "read",
                "status": item.status,
                "size": len(item.body),
            },
        }


class OneLineErrors(logging.Filter):
    """Scrapy's robots.txt middleware logs a failed robots.txt fetch with its traceback (34 of
    them on an offline first run): one line is enough, the source's own outcome says the rest.
    Installed by the crawl process unless it is debugging."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info:
            error = record.exc_info[1]
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            if error is not None and not record.args:
                record.msg = f"{record.msg}: {error}"
        return True


#: Loggers whose errors are one line without a traceback (see OneLineErrors).
ONE_LINE_LOGGERS = ("scrapy.downloadermiddlewares.robotstxt",)
