"""Replaying pages through detection the way a crawl does, for store and CLI tests."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from monitor.config import Settings
from monitor.cycle import detector
from monitor.fetch.record import record_batch
from monitor.sources.catalog import parse_catalog
from monitor.store.availability import as_of
from monitor.store.catalog import sync_sources
from monitor.store.detections import DIFF_CHARS
from monitor.store.engine import transaction
from monitor.store.models import ChangeRow
from monitor.types import Capture, Catalog, Outcome, Source

CATALOG_TOML = """
[[source]]
id = "acme-api"
kind = "page"
url = "https://acme.example/countries"
provider = "acme"
product = "api"
[source.availability]
select = "ul.countries li"
exclude = ["nav", "footer"]

[[route]]
providers = ["acme"]
countries = ["HK", "MO"]
slack_channel = "#ai-access"
"""

CATALOG = parse_catalog(CATALOG_TOML, origin="test")
SOURCE = CATALOG.sources[0]
T0 = datetime(2024, 6, 1, tzinfo=UTC)


class Replayer:
    """Feeds page bodies through recording and the crawl's detection hook, as a crawl does.

    Each ``observe`` is one read of the page (a 200 with that body, recorded by
    ``record_batch``, then detected by ``cycle.detector``). With ``confirm`` (the default), a
    read whose set change is held for confirmation is read again at once, fresh and
    unconditional, as ``regionwatch crawl`` does with ``detect.confirm_after = 0s``: a real
    change is applied, a damage signature stays held.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        confirm: bool = True,
        settings: Settings | None = None,
        catalog: Catalog = CATALOG,
        source: Source = SOURCE,
    ) -> None:
        self.sessions, self.catalog, self.source = sessions, catalog, source
        self.confirm = confirm
        self.settings = settings or Settings(detect={"confirm_after": "0s"})
        self.outcomes: list[Outcome] = []
        with transaction(sessions) as s:
            sync_sources(s, catalog, now=T0)

    def observe(
        self,
        body: bytes,
        at: datetime,
        *,
        diff_chars: int = DIFF_CHARS,
        final_url: str | None = None,
        conditional: bool = False,
    ) -> list[ChangeRow]:
        """One read of ``body`` at ``at`` (and its confirming read); the changes recorded."""
        settings = self.settings.model_copy(
            update={"limits": self.settings.limits.model_copy(update={"diff_chars": diff_chars})}
        )
        detect = detector(self.catalog, settings)
        changes = self._read(detect, body, at, final_url, conditional)
        if self.confirm and self.outcomes[-1] is Outcome.HELD:
            changes += self._read(detect, body, at, final_url, False)
        return changes

    def _read(
        self, detect: object, body: bytes, at: datetime, final_url: str | None, conditional: bool
    ) -> list[ChangeRow]:
        source = self.source
        capture = Capture(
            source_id=source.id,
            url=source.url,
            final_url=final_url or source.url,
            fetched_at=at,
            elapsed=0.1,
            status=200,
            headers={"content-type": "text/html; charset=utf-8"},
            body=body,
            conditional=conditional,
        )
        with transaction(self.sessions) as s:
            results = record_batch(s, [capture], {source.id: source})
            before = {c.id for c in s.query(ChangeRow.id)}
            outcomes = detect(s, results)  # type: ignore[operator]
            self.outcomes.append(outcomes.get(source.id, results[0].outcome))
            s.flush()
            return [c for c in s.query(ChangeRow).order_by(ChangeRow.id) if c.id not in before]


def codes_at(sessions: sessionmaker[Session], at: datetime) -> set[str]:
    with sessions() as s:
        return {i.country for i in as_of(s, at, provider="acme", product="api")}
