"""The spiders without a network: requests built from sources, answers and failures as Captures."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response
from twisted.python.failure import Failure

from monitor.fetch.records import FetchTarget
from monitor.types import Outcome, SourceKind
from spiders.feeds import FeedSpider
from spiders.pages import PageSpider

NOW = datetime(2025, 9, 4, 12, 0, tzinfo=UTC)
PAGE = FetchTarget(
    source_id="rules",
    kind=SourceKind.PAGE,
    url="https://x.test/rules",
    etag='"abc"',
    last_modified="Wed, 03 Sep 2025 10:00:00 GMT",
)
FEED = FetchTarget(source_id="news", kind=SourceKind.FEED, url="https://x.test/feed.xml")


def spider(cls: type[PageSpider] | type[FeedSpider] = PageSpider) -> PageSpider | FeedSpider:
    made = cls(targets=[PAGE, FEED], started_at=NOW)
    made.crawler = SimpleNamespace(crawling=True)  # type: ignore[assignment]
    return made


def test_each_spider_takes_its_own_kind_and_sends_validators() -> None:
    pages, feeds = spider(PageSpider), spider(FeedSpider)
    assert pages.targets == (PAGE,) and feeds.targets == (FEED,)
    request = pages.request_for(PAGE)
    assert request.dont_filter and request.meta["source_id"] == "rules"
    assert request.headers[b"If-None-Match"] == b'"abc"'
    assert request.headers[b"If-Modified-Since"] == b"Wed, 03 Sep 2025 10:00:00 GMT"
    assert b"text/html" in request.headers[b"Accept"]
    feed_request = feeds.request_for(FEED)
    assert b"rss" in feed_request.headers[b"Accept"]
    assert b"If-None-Match" not in feed_request.headers


def answer(status: int, body: bytes, headers: dict[str, str], url: str = PAGE.url) -> Response:
    request = spider().request_for(PAGE)
    cls = HtmlResponse if body else Response
    return cls(url=url, status=status, body=body, headers=headers, request=request)


def test_a_page_becomes_a_capture_with_lower_case_headers() -> None:
    (capture,) = spider().answered(
        answer(
            200,
            b"<html>Albania</html>",
            {"Content-Type": "text/html", "ETag": '"v2"', "Last-Modified": "Thu, 04 Sep 2025"},
        )
    )
    assert (capture.source_id, capture.status, capture.outcome) == ("rules", 200, None)
    assert capture.headers["content-type"] == "text/html" and capture.etag == '"v2"'
    assert capture.last_modified == "Thu, 04 Sep 2025" and capture.body == b"<html>Albania</html>"
    assert capture.fetched_at >= NOW and capture.fetched_at.tzinfo is not None


def test_settled_answers_carry_their_outcome() -> None:
    (limited,) = spider().answered(answer(429, b"", {"Retry-After": "90"}))
    assert limited.outcome is Outcome.RATE_LIMITED and limited.retry_after == 90
    (same,) = spider().answered(answer(304, b"", {}))
    assert same.outcome is Outcome.NOT_MODIFIED
    (login,) = spider().answered(
        answer(200, b"<html>Sign in</html>", {"Content-Type": "text/html"}, url="https://x.test/login?next=/rules")
    )
    assert login.outcome is Outcome.BLOCKED and login.final_url.endswith("/login?next=/rules")


def test_a_failure_becomes_a_capture_too() -> None:
    failure = Failure(IgnoreRequest("Forbidden by robots.txt"))
    failure.request = Request(PAGE.url, meta={"target": PAGE})  # type: ignore[attr-defined]
    (capture,) = spider().failed(failure)
    assert (capture.outcome, capture.status, capture.body) == (Outcome.ROBOTS, None, b"")


def test_scrapy_logs_a_capture_by_source_not_by_body() -> None:
    from monitor.fetch.logformat import CaptureLogFormatter

    (capture,) = spider().answered(answer(200, b"<html>" + b"x" * 5000 + b"</html>", {"Content-Type": "text/html"}))
    line = CaptureLogFormatter().scraped(capture, None, spider())
    text = line["msg"] % line["args"]
    assert text == "source rules captured: read (HTTP 200, 5013 bytes)"
