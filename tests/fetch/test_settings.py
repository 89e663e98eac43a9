"""Scrapy's settings come from FetchSettings: politeness is configured, never hard-coded."""

from __future__ import annotations

from monitor.config import FetchSettings
from monitor.fetch.settings import scrapy_settings


def test_politeness_follows_the_fetch_settings() -> None:
    fetch = FetchSettings(
        delay=3.5,
        per_domain=3,
        concurrency=20,
        timeout=12,
        max_bytes=2048,
        user_agent="Bot/1 (+https://example.org/contact)",
        obey_robots=False,
        retries=4,
        allow_private=True,
    )
    s = scrapy_settings(fetch)
    assert (s["DOWNLOAD_DELAY"], s["CONCURRENT_REQUESTS_PER_DOMAIN"], s["CONCURRENT_REQUESTS"]) == (3.5, 3, 20)
    assert s["AUTOTHROTTLE_ENABLED"] and s["AUTOTHROTTLE_START_DELAY"] == 3.5
    assert s["EXTENSIONS"] == {
        "scrapy.extensions.throttle.AutoThrottle": None,
        "monitor.fetch.throttle.ConditionalAutoThrottle": 0,
    }
    assert s["AUTOTHROTTLE_TARGET_CONCURRENCY"] == 3.0
    assert (s["DOWNLOAD_TIMEOUT"], s["DOWNLOAD_MAXSIZE"], s["RETRY_TIMES"]) == (12, 2048, 4)
    assert s["USER_AGENT"] == "Bot/1 (+https://example.org/contact)"
    assert s["ROBOTSTXT_OBEY"] is False and s["REGIONWATCH_ALLOW_PRIVATE"] is True


def test_defaults_are_polite_and_the_back_doors_are_shut() -> None:
    s = scrapy_settings(FetchSettings())
    assert s["ROBOTSTXT_OBEY"] is True and s["DOWNLOAD_DELAY"] == 1.0
    assert "+https://" in s["USER_AGENT"]  # an identifying agent with a contact URL
    assert s["TELNETCONSOLE_ENABLED"] is False and s["REMOTE_CONTROL_ENABLED"] is False
    assert s["COOKIES_ENABLED"] is False and s["HTTPCACHE_ENABLED"] is False
    assert 429 not in s["RETRY_HTTP_CODES"] and 503 in s["RETRY_HTTP_CODES"]
    assert s["REGIONWATCH_ALLOW_PRIVATE"] is False


def test_a_304_lets_autothrottle_lower_the_delay_like_a_200() -> None:
    from types import SimpleNamespace

    from scrapy.http import Response

    from monitor.fetch.throttle import ConditionalAutoThrottle

    throttle = object.__new__(ConditionalAutoThrottle)
    throttle.target_concurrency, throttle.mindelay, throttle.maxdelay = 4.0, 0.0, 60.0
    for status, expected in ((304, 0.5125), (200, 0.5125), (404, 1.0)):
        slot = SimpleNamespace(delay=1.0)
        throttle._adjust_delay(slot, 0.1, Response("http://x.test/", status=status))
        assert slot.delay == expected, status
