"""The capture spider: one request per catalog source, one Capture back whatever happens."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar

from scrapy import Request, Spider, signals
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from monitor.fetch.classify import classify_response, retry_after_seconds
from monitor.fetch.failures import classify_failure
from monitor.fetch.middleware import STARTED_META, TRUNCATED_META
from monitor.fetch.records import FetchTarget
from monitor.types import Capture, Outcome, SourceKind


class CaptureSpider(Spider):
    """Fetches each target once (retries and redirects aside) and yields its Capture."""

    name = "captures"
    kind: ClassVar[SourceKind] = SourceKind.PAGE
    accept: ClassVar[str] = "*/*"
    # Every answer reaches the spider except the redirects RedirectMiddleware follows.
    handle_httpstatus_list: ClassVar[list[int]] = [300, 304, 305, 306, *range(400, 600)]

    def __init__(self, *, targets: Sequence[FetchTarget], started_at: datetime, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.targets = tuple(t for t in targets if t.kind is self.kind)
        self.started_at = started_at
        self._clock_origin = time.monotonic()

    async def start(self) -> AsyncIterator[Any]:
        """The requests, handed over as the downloader has room (Scrapy's lazy start pattern):
        a batch of 10,000 sources is not queued whole in memory."""
        for target in self.targets:
            if self.crawler.engine is not None and self.crawler.engine.needs_backout():
                await self.crawler.signals.wait_for(signals.scheduler_empty)
            yield self.request_for(target)

    def request_for(self, target: FetchTarget) -> Request:
        """A conditional GET when validators are known; never filtered as a duplicate."""
        headers = {"Accept": self.accept}
        if target.etag:
            headers["If-None-Match"] = target.etag
        if target.last_modified:
            headers["If-Modified-Since"] = target.last_modified
        return Request(
            target.url,
            headers=headers,
            callback=self.answered,
            errback=self.failed,
            dont_filter=True,
            meta={"target": target, "source_id": target.source_id},
        )

    def now(self) -> datetime:
        """The crawl's start moment (given by the parent) plus the time elapsed since."""
        return self.started_at + timedelta(seconds=time.monotonic() - self._clock_origin)

    def answered(self, response: Response) -> Iterator[Capture]:
        target: FetchTarget = response.meta["target"]
        headers = header_dict(response)
        outcome, error = classify_response(
            kind=self.kind,
            status=response.status,
            headers=headers,
            body=response.body,
            url=target.url,
            final_url=response.url,
        )
        if response.meta.get(TRUNCATED_META) and (outcome is None or outcome.ok):
            outcome, error = Outcome.TRUNCATED, response.meta[TRUNCATED_META]
        now = self.now()
        retry = retry_after_seconds(headers.get("retry-after"), now=now) if outcome is Outcome.RATE_LIMITED else None
        yield Capture(
            source_id=target.source_id,
            url=target.url,
            final_url=response.url,
            fetched_at=now,
            elapsed=self._elapsed(response.meta),
            status=response.status,
            headers=headers,
            body=response.body,
            etag=headers.get("etag"),
            last_modified=headers.get("last-modified"),
            outcome=outcome,
            error=error,
            retry_after=retry,
            conditional=bool(target.etag or target.last_modified),
        )

    def failed(self, failure: Failure) -> Iterator[Capture]:
        exc = failure.value or RuntimeError("download failed for no stated reason")
        if isinstance(exc, HttpError) and exc.response is not None:
            yield from self.answered(exc.response)
            return
        request: Request = failure.request  # type: ignore[attr-defined]
        target: FetchTarget = request.meta["target"]
        outcome, error = classify_failure(exc, stopping=not self.crawler.crawling)
        yield Capture(
            source_id=target.source_id,
            url=target.url,
            final_url=request.url,
            fetched_at=self.now(),
            elapsed=self._elapsed(request.meta),
            outcome=outcome,
            error=error,
            conditional=bool(target.etag or target.last_modified),
        )

    def _elapsed(self, meta: dict[str, Any]) -> float:
        started = meta.get(STARTED_META)
        return max(0.0, time.monotonic() - started) if started is not None else 0.0


def header_dict(response: Response) -> dict[str, str]:
    """Response headers as lower-case names to comma-joined text values."""
    headers: dict[str, str] = {}
    for name in response.headers.keys():
        values = response.headers.getlist(name)
        key = name.decode("latin-1").lower() if isinstance(name, bytes) else str(name).lower()
        headers[key] = ", ".join(v.decode("latin-1") for v in values)
    return headers
