"""Download errors, each recorded as the outcome that names it."""

from __future__ import annotations

import pytest
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from twisted.internet.error import ConnectionLost, DNSLookupError, TCPTimedOutError

from monitor.fetch.failures import RedirectRefusedError, classify_failure
from monitor.types import Outcome


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (CannotResolveHostError("nope.invalid"), Outcome.DNS),
        (DNSLookupError("nope.invalid"), Outcome.DNS),
        (DownloadTimeoutError("took longer than 1.5 seconds"), Outcome.TIMEOUT),
        (TCPTimedOutError(), Outcome.TIMEOUT),
        (DownloadConnectionRefusedError("refused"), Outcome.CONNECT),
        (DownloadFailedError("reset"), Outcome.CONNECT),
        (ConnectionLost(), Outcome.CONNECT),
        (
            DownloadCancelledError("Expected to receive 300000 bytes which is larger than download max size (200000)"),
            Outcome.TOO_LARGE,
        ),
        (IgnoreRequest("Forbidden by robots.txt"), Outcome.ROBOTS),
        (
            IgnoreRequest(
                "Ignored response <200 x> because its body (4892 B compressed, 262144 B "
                "decompressed so far) exceeded DOWNLOAD_MAXSIZE (200000 B)"
            ),
            Outcome.TOO_LARGE,
        ),
        (IgnoreRequest("max redirections reached"), Outcome.HTTP_4XX),
        (RedirectRefusedError("redirect to a private address refused"), Outcome.HTTP_4XX),
        (RuntimeError("something else"), Outcome.CONNECT),
    ],
)
def test_each_failure_has_its_outcome(exc: BaseException, expected: Outcome) -> None:
    outcome, reason = classify_failure(exc)
    assert outcome is expected
    assert reason and "\n" not in reason


def test_a_download_cut_short_by_the_crawl_stopping_is_a_timeout() -> None:
    outcome, reason = classify_failure(DownloadCancelledError(""), stopping=True)
    assert outcome is Outcome.TIMEOUT and "stopped" in reason
