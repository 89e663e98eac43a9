"""A crawl batch's detection: preloaded sets answer as the database would, queued writes land in order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.store.availability import SetChange, apply_set_change, as_of, open_codes
from monitor.store.batch import begin, current, release
from monitor.store.changes import change_row
from monitor.store.engine import transaction
from monitor.store.models import AlertRow, ChangeRow
from monitor.types import Change, ChangeKind, Route, Severity

T0 = datetime(2025, 3, 1, tzinfo=UTC)
ROUTES = (Route(providers=("acme",), slack_channel="#acme"),)


def _begin(session: Session, products: list[tuple[str, str]]) -> None:
    begin(session, source_ids=[], snapshot_ids=[], products=products, earliest=T0,
          signal_lookback=timedelta(days=60))


def _set(product: str, *, added: tuple[str, ...] = (), removed: tuple[str, ...] = (),
         at: datetime = T0) -> SetChange:
    return SetChange(provider="acme", product=product, added=added, removed=removed, valid_from=at,
                     recorded_at=at, change_id=None, snapshot_id=None)


def test_preloaded_sets_match_the_database(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s:
        apply_set_change(s, provider="acme", product="open", added=["FR", "DE"], removed=(), valid_from=T0,
                         recorded_at=T0, change_id=None, snapshot_id=None)
        apply_set_change(s, provider="acme", product="closed", added=["FR"], removed=(), valid_from=T0,
                         recorded_at=T0, change_id=None, snapshot_id=None)
        apply_set_change(s, provider="acme", product="closed", added=(), removed=["FR"],
                         valid_from=T0 + timedelta(days=1), recorded_at=T0, change_id=None, snapshot_id=None)
    with transaction(sessions) as s:
        products = [("acme", "open"), ("acme", "closed"), ("acme", "never"), ("other", "open")]
        _begin(s, products)
        batch = current(s)
        assert batch is not None
        for provider, product in products:
            assert batch.open_codes(s, provider, product) == open_codes(s, provider, product)
        assert batch.open_codes(s, "acme", "open") == {"FR", "DE"}
        assert batch.open_codes(s, "acme", "closed") == frozenset()
        assert batch.open_codes(s, "acme", "never") is None
        release(s)
        assert current(s) is None


def test_queued_changes_of_one_product_land_in_order(sessions: sessionmaker[Session]) -> None:
    """Two sources of one product in one batch: FR opened by the first, closed by the second."""
    later = T0 + timedelta(hours=1)
    with transaction(sessions) as s:
        _begin(s, [("acme", "api")])
        batch = current(s)
        assert batch is not None
        batch.defer(_set("api", added=("FR", "DE")))
        assert batch.open_codes(s, "acme", "api") == {"FR", "DE"}
        change = Change(kind=ChangeKind.AVAILABILITY, source_id=None, provider="acme", product="api",
                        removed=("FR",), severity=Severity.HIGH, title="FR removed")
        row = change_row(change, detected_at=later)
        batch.defer(_set("api", removed=("FR",), at=later), row=row, change=change, routes=ROUTES)
        assert batch.open_codes(s, "acme", "api") == {"DE"}
        batch.write(s)
        assert batch.deferred == []
        release(s)
    with sessions() as s:
        assert {i.country for i in as_of(s, T0 + timedelta(minutes=30), provider="acme")} == {"FR", "DE"}
        assert {i.country for i in as_of(s, later, provider="acme")} == {"DE"}
        stored = s.scalars(select(ChangeRow)).one()
        assert stored.id == row.id and stored.removed == ["FR"]
        alert = s.scalars(select(AlertRow)).one()
        assert (alert.change_id, alert.destination, alert.dedup_key) == (row.id, "#acme",
                                                                        f"change:{row.id}:slack:#acme")


def test_a_signal_recorded_in_the_batch_is_seen_by_later_lookups(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s:
        _begin(s, [])
        batch = current(s)
        assert batch is not None
        assert batch.dated_signals(s, "acme", T0 - timedelta(days=60)) == []
        signal = ChangeRow(kind=ChangeKind.SIGNAL.value, provider="acme", countries=["CN"], action="block",
                           effective_date=(T0 + timedelta(days=9)).date(), detected_at=T0, severity=30,
                           correction=False, title="blocking CN from the 9th", added=[], removed=[])
        s.add(signal)
        s.flush()
        batch.signal_recorded(signal)
        assert batch.dated_signals(s, "acme", T0 - timedelta(days=60)) == [signal]
        assert batch.dated_signals(s, "acme", T0 + timedelta(seconds=1)) == []
        # An earlier window than the one loaded is asked of the database, not guessed.
        assert batch.dated_signals(s, "acme", T0 - timedelta(days=90)) == [signal]
        release(s)
