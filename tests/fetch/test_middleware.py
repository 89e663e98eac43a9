"""The redirect guard: private addresses refused after a redirect from a public host."""

from __future__ import annotations

import asyncio
import gzip
import logging
import sys

import pytest
from scrapy import Request

from monitor.fetch.failures import RedirectRefusedError
from monitor.fetch.logformat import OneLineErrors
from monitor.fetch.middleware import STARTED_META, RedirectGuardMiddleware, is_private_host, truncation


@pytest.mark.parametrize(
    ("host", "private"),
    [
        ("127.0.0.1", True),
        ("10.1.2.3", True),
        ("192.168.0.10", True),
        ("169.254.169.254", True),
        ("::1", True),
        ("[::ffff:127.0.0.1]", True),
        ("localhost", True),
        ("100.64.0.1", True),
        ("93.184.216.34", False),
        ("2606:4700::1111", False),
        ("docs.example.com", False),
    ],
)
def test_private_hosts(host: str, private: bool) -> None:
    assert is_private_host(host) is private


def guard(url: str, *, came_from: str | None, allow_private: bool = False) -> Request:
    meta = {"redirect_urls": [came_from]} if came_from else {}
    request = Request(url, meta=meta)
    asyncio.run(RedirectGuardMiddleware(allow_private=allow_private).process_request(request))
    return request


def test_a_public_source_may_not_be_redirected_to_a_private_address() -> None:
    with pytest.raises(RedirectRefusedError):
        guard("http://169.254.169.254/latest/meta-data/", came_from="http://93.184.216.34/x")
    with pytest.raises(RedirectRefusedError):
        guard("http://localhost:8080/admin", came_from="https://93.184.216.34/")


def test_allowed_when_configured_or_when_the_source_itself_is_private() -> None:
    guard("http://127.0.0.1/", came_from="http://93.184.216.34/", allow_private=True)
    guard("http://127.0.0.1/b", came_from="http://127.0.0.1/a")
    guard("http://93.184.216.34/b", came_from="http://93.184.216.34/a")


def test_first_requests_pass_and_are_stamped() -> None:
    request = guard("http://127.0.0.1/", came_from=None)
    assert isinstance(request.meta[STARTED_META], float)


def test_a_body_short_of_its_content_length_or_a_cut_gzip_stream_is_truncated() -> None:

    whole = gzip.compress(b"<html><body><ul><li>Albania</li></ul></body></html>" * 50)
    assert truncation(str(len(whole)).encode(), b"gzip", whole) is None
    assert truncation(None, b"gzip", whole + gzip.compress(b"more")) is None  # two members
    assert "Content-Length" in (truncation(b"5000", None, b"x" * 4000) or "")
    assert "gzip" in (truncation(None, b"gzip", whole[: len(whole) // 2]) or "")
    assert "gzip" in (truncation(None, b"x-gzip", whole[:-8]) or "")  # the trailer cut: CRC and size lost
    assert truncation(b"10", None, b"0123456789") is None and truncation(b"junk", None, b"abc") is None
    assert truncation(b"5000", None, b"", method="HEAD") is None


def test_robots_errors_are_one_line_without_a_traceback() -> None:
    try:
        raise OSError("DNS lookup failed: no results for hostname lookup: example.invalid")
    except OSError:
        record = logging.LogRecord(
            "scrapy.downloadermiddlewares.robotstxt",
            logging.ERROR,
            __file__,
            1,
            "Error downloading <GET https://example.invalid/robots.txt>",
            None,
            sys.exc_info(),
        )
    assert OneLineErrors().filter(record)
    assert record.exc_info is None and record.levelno == logging.WARNING
    assert record.getMessage().endswith("DNS lookup failed: no results for hostname lookup: example.invalid")
