"""Scrapy and Twisted download errors, each named by the outcome it records."""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from twisted.internet.error import DNSLookupError, TCPTimedOutError
from twisted.internet.error import TimeoutError as TxTimeoutError

from monitor.types import Outcome

_BY_TYPE: tuple[tuple[tuple[type[BaseException], ...], Outcome], ...] = (
    ((CannotResolveHostError, DNSLookupError), Outcome.DNS),
    ((DownloadTimeoutError, TxTimeoutError, TCPTimedOutError, TimeoutError), Outcome.TIMEOUT),
    ((ResponseDataLossError,), Outcome.TRUNCATED),
)


class RedirectRefusedError(IgnoreRequest):
    """A redirect that the fetch settings do not allow (to a private address)."""


def classify_failure(exc: BaseException, *, stopping: bool = False) -> tuple[Outcome, str]:
    """The outcome of a download that brought no usable response, and a one-line reason."""
    message = _message(exc)
    if stopping:
        return Outcome.TIMEOUT, f"crawl stopped before the download finished ({message})"
    if isinstance(exc, IgnoreRequest):
        return _ignored(exc, message)
    if isinstance(exc, DownloadCancelledError):
        return Outcome.TOO_LARGE, message or "body larger than fetch.max_bytes"
    for types, outcome in _BY_TYPE:
        if isinstance(exc, types):
            return outcome, message
    return Outcome.CONNECT, message


def _ignored(exc: IgnoreRequest, message: str) -> tuple[Outcome, str]:
    """IgnoreRequest covers robots.txt, size limits during decompression and redirects."""
    if message.startswith("Forbidden by robots.txt"):
        return Outcome.ROBOTS, "disallowed by robots.txt"
    if "DOWNLOAD_MAXSIZE" in message or "max size" in message:
        return Outcome.TOO_LARGE, message
    if message.startswith("max redirections reached"):
        return Outcome.HTTP_4XX, "redirect loop (too many redirects)"
    if isinstance(exc, RedirectRefusedError):
        return Outcome.HTTP_4XX, message
    return Outcome.CONNECT, message or "request ignored"


def _message(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:500]
