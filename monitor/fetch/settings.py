"""Scrapy settings for one crawl, derived from FetchSettings (nothing politeness-related is fixed here).

Always on: robots.txt (unless ``fetch.obey_robots`` is false), AutoThrottle starting at
``fetch.delay`` and aiming at ``fetch.per_domain`` requests in flight per domain (a 304
counts as a healthy answer, see throttle.py), Scrapy's
RetryMiddleware for transient errors (not 429: its Retry-After is honoured across crawls
instead), size caps that also bound decompression (a gzip bomb is ``too_large``), and the
redirect guard. Always off: cookies, the HTTP cache, the telnet console, remote control.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from monitor.types import SourceKind

if TYPE_CHECKING:  # the crawl process imports this module: no pydantic there
    from monitor.config import FetchSettings

#: Statuses retried within one crawl (transient server trouble); 429 is left to Retry-After.
RETRY_HTTP_CODES = (500, 502, 503, 504, 522, 524, 408)
REDIRECT_MAX_TIMES = 10
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"


#: Where the capture spiders live, and which source kind each spider name fetches.
SPIDER_MODULES = ("spiders.pages", "spiders.feeds")
SPIDER_FOR_KIND = {SourceKind.PAGE: "pages", SourceKind.FEED: "feeds"}


def scrapy_settings(fetch: FetchSettings, *, log_level: str = "WARNING") -> dict[str, Any]:
    """The settings dict a crawl process gives Scrapy."""
    return {
        "BOT_NAME": "regionwatch",
        # The spiders are found by name (Scrapy's spider loader): fetch/ never imports spiders/.
        "SPIDER_MODULES": list(SPIDER_MODULES),
        "USER_AGENT": fetch.user_agent,
        "ROBOTSTXT_OBEY": fetch.obey_robots,
        "CONCURRENT_REQUESTS": fetch.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": fetch.per_domain,
        "DOWNLOAD_DELAY": fetch.delay,
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": fetch.delay,
        "AUTOTHROTTLE_MAX_DELAY": max(60.0, fetch.delay),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(fetch.per_domain),
        "DOWNLOAD_TIMEOUT": fetch.timeout,
        "DNS_TIMEOUT": fetch.timeout,
        "DOWNLOAD_MAXSIZE": fetch.max_bytes,
        "DOWNLOAD_WARNSIZE": 0,
        "RETRY_ENABLED": fetch.retries > 0,
        "RETRY_TIMES": fetch.retries,
        "RETRY_HTTP_CODES": list(RETRY_HTTP_CODES),
        "RETRY_GIVE_UP_LOG_LEVEL": "INFO",
        "REDIRECT_MAX_TIMES": REDIRECT_MAX_TIMES,
        "CONCURRENT_ITEMS": 1,  # one capture per response: no pool of item workers per answer
        "WARN_ON_GENERATOR_RETURN_VALUE": False,
        "COOKIES_ENABLED": False,
        "HTTPCACHE_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "MEMUSAGE_ENABLED": False,
        "LOGSTATS_INTERVAL": 0.0,
        "STATS_DUMP": False,
        "LOG_LEVEL": log_level,
        "LOG_ENABLED": True,
        "LOG_FORMATTER": "monitor.fetch.logformat.CaptureLogFormatter",
        "DEFAULT_REQUEST_HEADERS": {"Accept": PAGE_ACCEPT, "Accept-Language": "en"},
        "DOWNLOADER_MIDDLEWARES": {
            "monitor.fetch.middleware.RedirectGuardMiddleware": 560,
            # nearer the downloader than HttpCompressionMiddleware (590)
            "monitor.fetch.middleware.IntegrityMiddleware": 595,
        },
        "ITEM_PIPELINES": {"monitor.fetch.transfer.CaptureWriter": 100},
        "EXTENSIONS": {
            "scrapy.extensions.throttle.AutoThrottle": None,
            "monitor.fetch.throttle.ConditionalAutoThrottle": 0,
        },
        "REGIONWATCH_ALLOW_PRIVATE": fetch.allow_private,
    }
