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
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from monitor.fetch.failures import RedirectRefusedError

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

log = logging.getLogger(__name__)

STARTED_META = "regionwatch_started"


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
        infos: list[Any] = await asyncio.get_running_loop().getaddrinfo(
            host, None, type=socket.SOCK_STREAM)
    except OSError:
        return False  # the download itself will fail and say so (outcome dns)
    return any(is_private_host(str(info[4][0])) for info in infos)
