"""What an answer means: statuses, challenge and WAF pages, login walls, non-pages, Retry-After."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.fetch.classify import classify_response, is_login_url, retry_after_seconds
from monitor.types import Outcome, SourceKind

HTML = {"content-type": "text/html; charset=utf-8"}
URL = "https://docs.example.com/regions"


def judge(
    status: int = 200,
    body: bytes = b"<html><body>Albania</body></html>",
    headers: dict[str, str] | None = None,
    *,
    kind: SourceKind = SourceKind.PAGE,
    final_url: str = URL,
) -> Outcome | None:
    outcome, _reason = classify_response(
        kind=kind, status=status, headers=headers or HTML, body=body, url=URL, final_url=final_url
    )
    return outcome


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (200, None),
        (304, Outcome.NOT_MODIFIED),
        (429, Outcome.RATE_LIMITED),
        (404, Outcome.HTTP_4XX),
        (410, Outcome.HTTP_4XX),
        (302, Outcome.HTTP_4XX),
        (500, Outcome.HTTP_5XX),
        (503, Outcome.HTTP_5XX),
        (206, Outcome.PARTIAL),
        (203, Outcome.PARTIAL),
        (204, Outcome.PARTIAL),  # never the whole page
    ],
)
def test_statuses(status: int, expected: Outcome | None) -> None:
    assert judge(status) is expected


@pytest.mark.parametrize(
    "body",
    [
        b"<html><head><title>Just a moment...</title></head><body></body></html>",
        b"<html><head><title>Attention Required! | Cloudflare</title></head></html>",
        b"<html><body><p>Please verify you are human</p></body></html>",
        b"<html><body><div class='captcha'>Solve the CAPTCHA</div></body></html>",
        b"<html><body><script>window._cf_chl_opt={}</script></body></html>",
    ],
)
@pytest.mark.parametrize("status", [200, 403, 503])
def test_challenge_pages_are_blocked_whatever_the_status(status: int, body: bytes) -> None:
    assert judge(status, body) is Outcome.BLOCKED


def test_waf_headers_and_login_redirects_are_blocked() -> None:
    assert judge(403, b"denied", {"cf-mitigated": "challenge"}) is Outcome.BLOCKED
    assert judge(405, b"", {"x-amzn-waf-action": "captcha"}) is Outcome.BLOCKED
    assert judge(final_url="https://docs.example.com/login?next=/regions") is Outcome.BLOCKED
    assert judge(final_url="https://auth.example.com/authorize") is Outcome.BLOCKED
    assert judge(final_url="https://docs.example.com/authors/jane") is None


def test_captcha_scripts_and_big_pages_are_not_challenges() -> None:
    recaptcha = b"<html><body>Albania<script src='https://www.google.com/recaptcha/api.js'>"
    assert judge(200, recaptcha) is None
    big = b"<html><body>" + b"<li>Albania</li>" * 20_000 + b"captcha</body></html>"
    assert judge(200, big) is None


def test_a_feed_mentioning_captcha_is_not_blocked() -> None:
    rss = b"<?xml version='1.0'?><rss><channel><item><title>New captcha</title></item></channel></rss>"
    assert judge(200, rss, {"content-type": "application/rss+xml"}, kind=SourceKind.FEED) is None


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/pdf", b"%PDF-1.7"),
        ("application/json", b'{"a": 1}'),
        (None, b"%PDF-1.4 x"),
        ("", b'[{"country": "AL"}]'),
        ("image/png", b"\x89PNG..."),
        ("text/html", b"  \n"),
    ],
)
def test_what_is_not_a_page_is_a_decode_failure(content_type: str | None, body: bytes) -> None:
    headers = {"content-type": content_type} if content_type is not None else {}
    assert judge(200, body, headers) is Outcome.DECODE
    assert judge(200, body, headers, kind=SourceKind.FEED) in (None, Outcome.DECODE)


def test_xml_or_json_is_fine_for_a_feed() -> None:
    assert judge(200, b"<rss/>", {"content-type": "application/xml"}, kind=SourceKind.FEED) is None


def test_retry_after_as_seconds_or_date() -> None:
    now = datetime(2025, 9, 4, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("120", now=now) == 120
    assert retry_after_seconds("Thu, 04 Sep 2025 12:10:00 GMT", now=now) == 600
    assert retry_after_seconds("Thu, 04 Sep 2025 11:00:00 GMT", now=now) == 0
    assert retry_after_seconds("soon", now=now) is None
    assert retry_after_seconds(None, now=now) is None


def test_login_urls() -> None:
    assert is_login_url("https://example.com/signin")
    assert is_login_url("https://example.com/u/log-in/")
    assert is_login_url("https://login.example.com/")
    assert is_login_url("https://example.com/oauth2/authorize")
    assert is_login_url("https://example.com/users/sign_in")
    assert is_login_url("https://example.com/login.php?next=/x")
    assert not is_login_url("https://example.com/docs/authentication-guide")
    assert not is_login_url("https://example.com/blog/login-tips-from-authors")
