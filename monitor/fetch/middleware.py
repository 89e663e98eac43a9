"""The redirect guard: a downloader middleware that refuses redirects to private addresses.

Rule: unless ``fetch.allow_private`` is set, a redirected request whose host is, or resolves
to, a private, loopback, link-local or otherwise non-global address is refused (outcome
``http_4xx``) when the source's own URL names a public host. A source whose catalog URL is
itself a private address (an IP literal or ``localhost``) was put there by the operator, so
its redirects are not second-guessed. Redirects to schemes other than http/https are never
followed (Scrapy's RedirectMiddleware leaves them as the 3xx answer). The middleware also
stamps when a source's first attempt left, so retries and redirects count in its time.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import time
import zlib
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from monitor.fetch.failures import RedirectRefusedError

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

log = logging.getLogger(__name__)

STARTED_META = "regionwatch_started"
#: Set on a request whose response body was cut short (why, in a few words).
TRUNCATED_META = "regionwatch_truncated"


class RedirectGuardMiddleware:
    """Stamps start times; refuses redirects to private addresses (see the module docstring)."""

    def __init__(self, *, allow_private: bool) -> None:
        self.allow_private = allow_private

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectGuardMiddleware:
        return cls(allow_private=crawler.settings.getbool("REGIONWATCH_ALLOW_PRIVATE"))

    async def process_request(self, request: Request) -> None:
        request.meta.setdefault(STARTED_META, time.monotonic())
        origins: list[str] = request.meta.get("redirect_urls") or []
        if not origins or self.allow_private:
            return
        if is_private_host(urlsplit(origins[0]).hostname or ""):
            return
        host = urlsplit(request.url).hostname or ""
        if is_private_host(host) or await _resolves_private(host):
            source = request.meta.get("source_id", "?")
            log.info("source %s: redirect to private address %s refused", source, host)
            raise RedirectRefusedError(f"redirect to a private address refused: {request.url}")


def is_private_host(host: str) -> bool:
    """True for localhost and IP literals that are not globally routable."""
    if host.lower() in ("localhost", "localhost.") or host.lower().endswith(".localhost"):
        return True
    try:
        return not _is_public(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return False


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


async def _resolves_private(host: str) -> bool:
    """True when any address the host resolves to is not public; False when it cannot resolve."""
    if not host:
        return False
    try:
        infos: list[Any] = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return False  # the download itself will fail and say so (outcome dns)
    return any(is_private_host(str(info[4][0])) for info in infos)


class IntegrityMiddleware:
    """Marks a response whose body is cut short, before Scrapy decompresses it.

    It sits nearer the downloader than HttpCompressionMiddleware (a priority above 590), so it
    sees the bytes as sent: a body shorter than its Content-Length, or a gzip stream that
    never reaches its end (Scrapy's gunzip returns what it could read of one, silently).
    A body cut by a lost connection never gets here: Scrapy fails it as data loss.
    """

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IntegrityMiddleware:
        return cls()

    def process_response(self, request: Request, response: Response) -> Response:
        reason = truncation(
            response.headers.get(b"Content-Length"),
            response.headers.get(b"Content-Encoding"),
            response.body,
            request.method,
        )
        if reason is not None:
            log.info("source %s: %s", request.meta.get("source_id", "?"), reason)
            request.meta[TRUNCATED_META] = reason
        return response


def truncation(length: bytes | None, encoding: bytes | None, body: bytes, method: str = "GET") -> str | None:
    """Why a raw body is cut short, or None: it falls short of its Content-Length, or its gzip
    stream does not reach its end."""
    if length is not None and method != "HEAD":
        try:
            expected = int(length)
        except ValueError:
            expected = None
        if expected is not None and len(body) < expected:
            return f"body cut short: {len(body)} of {expected} bytes (Content-Length)"
    if encoding is not None and encoding.strip().lower() in (b"gzip", b"x-gzip") and body:
        if not _gzip_complete(body):
            return "body cut short: the gzip stream ends before its end"
    return None


def _gzip_complete(body: bytes) -> bool:
    """True when a gzip stream (of one or more members) reaches its end."""
    decompressor = zlib.decompressobj(wbits=31)
    try:
        while True:
            decompressor.decompress(body, 0)
            if not decompressor.eof:
                return False
            body = decompressor.unused_data
            if not body.strip(b"\x00"):
                return True
            decompressor = zlib.decompressobj(wbits=31)
    except zlib.error:
        return False
