"""What an HTTP answer means for a source: usable, not modified, or which kind of failure.

Rules, in order (pure functions; the crawl process applies them to every response):

1. 304 is ``not_modified``; 429 is ``rate_limited`` (its Retry-After is kept).
2. ``blocked``: a challenge or WAF answer recognised by a header (``cf-mitigated``,
   ``x-amzn-waf-action``), by a phrase in an HTML body under 256 KB ("Just a moment...",
   "Attention Required", "verify you are human", "captcha", ...), or a redirect that ended on
   a login page (a path segment login, signin, auth, oauth, sso..., or a host login.*,
   auth.*, accounts.*).
3. 5xx is ``http_5xx``; 4xx, an unfollowed 3xx and anything else not 2xx is ``http_4xx``;
   a 2xx other than 200 (206 Partial Content above all) is ``partial``.
4. For a page: a PDF, JSON, image or other non-document body is ``decode``, so is an empty
   one. A feed's body is judged by the feed parser later.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from monitor.types import Outcome, SourceKind

_PHRASES = (
    b"just a moment...",
    b"attention required",
    b"verify you are human",
    b"checking if the site connection is secure",
    b"checking your browser",
    b"enable javascript and cookies to continue",
    b"_cf_chl_opt",
    b"/cdn-cgi/challenge-platform/",
    b"pardon our interruption",
    b"request unsuccessful. incapsula",
)
_CAPTCHA = re.compile(rb"\bcaptcha\b")
_PHRASE_WINDOW = 32_768
_PHRASE_MAX_BODY = 262_144
_WAF_HEADERS = {"cf-mitigated": None, "x-amzn-waf-action": ("captcha", "challenge", "block")}
_LOGIN_PATH = re.compile(
    r"(?:^|/)(?:log[-_]?in|sign[-_]?in|auth|oauth2?|sso|saml|authorize|authenticate)"
    r"(?:\.\w+)?(?:/|;|$)"
)
_LOGIN_HOSTS = frozenset({"login", "signin", "auth", "sso", "accounts", "account"})
_DOCUMENT_TYPES = (
    "text/",
    "application/xhtml",
    "application/xml",
    "application/rss",
    "application/atom",
    "application/rdf",
)
_NOT_DOCUMENT_SNIFF = (b"%PDF-", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04")


def classify_response(
    *, kind: SourceKind, status: int, headers: Mapping[str, str], body: bytes, url: str, final_url: str
) -> tuple[Outcome | None, str | None]:
    """The outcome an answer settles, with a reason; (None, None) when the body is to be read."""
    if status == 304:
        return Outcome.NOT_MODIFIED, None
    if status == 429:
        return Outcome.RATE_LIMITED, "429 Too Many Requests"
    reason = blocked_reason(headers, body, url=url, final_url=final_url)
    if reason is not None:
        return Outcome.BLOCKED, reason
    if status >= 500:
        return Outcome.HTTP_5XX, f"HTTP {status}"
    if not 200 <= status < 300:
        return Outcome.HTTP_4XX, f"HTTP {status}"
    if status != 200:  # 206 Partial Content, 203, 204...: never the whole page as it stands
        return Outcome.PARTIAL, f"HTTP {status}: not a complete answer"
    if kind is SourceKind.PAGE:
        problem = not_a_page(headers.get("content-type"), body)
        if problem is not None:
            return Outcome.DECODE, problem
    return None, None


def blocked_reason(headers: Mapping[str, str], body: bytes, *, url: str, final_url: str) -> str | None:
    """Why an answer looks like a challenge, a WAF block or a login wall; None if it does not."""
    for name, values in _WAF_HEADERS.items():
        value = headers.get(name)
        if value is not None and (values is None or value.strip().lower() in values):
            return f"{name}: {value}"
    if final_url != url and is_login_url(final_url):
        return f"redirected to a login page: {final_url}"
    if len(body) <= _PHRASE_MAX_BODY and _looks_like_html(headers.get("content-type"), body):
        phrase = challenge_phrase(body[:_PHRASE_WINDOW].lower())
        if phrase is not None:
            return f"challenge page ({phrase.decode('ascii', 'replace')!r})"
    return None


def challenge_phrase(lowered: bytes) -> bytes | None:
    """The first challenge phrase found in a lower-cased body, if any."""
    for phrase in _PHRASES:
        if phrase in lowered:
            return phrase
    match = _CAPTCHA.search(lowered)
    return match.group(0) if match is not None else None


def is_login_url(url: str) -> bool:
    """True when a URL names a login, sign-in or auth page."""
    parts = urlsplit(url)
    host = (parts.hostname or "").split(".", 1)[0]
    return host in _LOGIN_HOSTS or _LOGIN_PATH.search(parts.path.lower()) is not None


def not_a_page(content_type: str | None, body: bytes) -> str | None:
    """Why a body is not an HTML or text page (a PDF, JSON, an image, nothing at all)."""
    if not body.strip():
        return "empty body"
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    if kind and not kind.startswith(_DOCUMENT_TYPES):
        return f"expected HTML, got {kind}"
    head = body.lstrip()[:8]
    if head.startswith(_NOT_DOCUMENT_SNIFF):
        return "expected HTML, got binary data"
    if not kind and head[:1] in (b"{", b"["):
        return "expected HTML, got JSON"
    return None


def retry_after_seconds(value: str | None, *, now: datetime) -> float | None:
    """Seconds a Retry-After header asks to wait (delta or HTTP date); None if absent or bad."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, (moment - now).total_seconds())


def _looks_like_html(content_type: str | None, body: bytes) -> bool:
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    if kind:
        return kind in ("text/html", "application/xhtml+xml", "text/plain")
    return b"<html" in body[:2048].lower() or b"<!doctype html" in body[:2048].lower()
