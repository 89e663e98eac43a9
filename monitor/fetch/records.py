"""Records of the fetch stage: what the crawl process is asked for, and what a crawl recorded."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from monitor.types import Claim, Outcome, Source, SourceKind


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchTarget:
    """One source as the crawl process sees it: where to go and the validators to send."""

    source_id: str
    kind: SourceKind
    url: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CrawlJob:
    """Everything the crawl process needs; handed over as one pickle."""

    targets: tuple[FetchTarget, ...]
    scrapy_settings: Mapping[str, Any]
    output_dir: str
    started_at: datetime
    log_level: str = "WARNING"


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceResult:
    """How one source's fetch was recorded, for the detection hook (inside the transaction).

    ``snapshot_id``, ``text`` and ``body`` are set only when the outcome is CHANGED (a new
    snapshot); ``new_items``/``edited_items`` are news_items ids, for feeds.
    """

    source: Source
    outcome: Outcome
    http_status: int | None
    elapsed: float
    fetched_at: datetime
    fetch_id: int | None = None
    error: str | None = None
    snapshot_id: int | None = None
    previous_snapshot_id: int | None = None
    text: str | None = None
    body: bytes | None = None
    content_type: str | None = None
    final_url: str | None = None
    claim: Claim | None = None
    new_items: tuple[int, ...] = ()
    edited_items: tuple[int, ...] = ()
    not_before: datetime | None = None
    conditional: bool = False  # the request carried validators
    complete: bool = True  # the document ran to its end (see assess.document_complete)
    last_modified: str | None = None  # the answer's Last-Modified header, as sent


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceReport:
    """One line of a crawl's summary."""

    source_id: str
    kind: SourceKind
    outcome: Outcome
    http_status: int | None
    elapsed: float
    error: str | None = None
    snapshot_id: int | None = None
    new_items: int = 0
    edited_items: int = 0
    not_before: datetime | None = None
    fetched: bool = True

    @classmethod
    def of(cls, result: SourceResult) -> SourceReport:
        """The summary of a recorded result (bodies and texts left behind)."""
        return cls(
            source_id=result.source.id,
            kind=result.source.kind,
            outcome=result.outcome,
            http_status=result.http_status,
            elapsed=result.elapsed,
            error=result.error,
            snapshot_id=result.snapshot_id,
            new_items=len(result.new_items),
            edited_items=len(result.edited_items),
            not_before=result.not_before,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class CrawlReport:
    """What one crawl did, source by source."""

    started_at: datetime
    elapsed: float
    results: tuple[SourceReport, ...]
    timed_out: bool = False

    def counts(self) -> dict[str, int]:
        """How many sources ended in each outcome."""
        return dict(Counter(r.outcome.value for r in self.results))

    def summary(self) -> str:
        """One line: how many sources, how long, outcomes by count."""
        parts = ", ".join(f"{n} {name}" for name, n in sorted(self.counts().items()))
        late = " (time limit reached)" if self.timed_out else ""
        return f"{len(self.results)} sources in {self.elapsed:.1f}s{late}: {parts or 'nothing'}"
