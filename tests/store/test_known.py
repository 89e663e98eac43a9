"""What detection is told about a chunk: open sets as the database answers them, read in bulk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from monitor.store.availability import apply_set_change, open_codes
from monitor.store.engine import transaction
from monitor.store.known import claim_json, claim_of, open_sets
from monitor.types import Claim

T0 = datetime(2025, 3, 1, tzinfo=UTC)


def test_preloaded_sets_match_the_database(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s:
        apply_set_change(
            s,
            provider="acme",
            product="open",
            added=["FR", "DE"],
            removed=(),
            valid_from=T0,
            recorded_at=T0,
            change_id=None,
            snapshot_id=None,
        )
        apply_set_change(
            s,
            provider="acme",
            product="closed",
            added=["FR"],
            removed=(),
            valid_from=T0,
            recorded_at=T0,
            change_id=None,
            snapshot_id=None,
        )
        apply_set_change(
            s,
            provider="acme",
            product="closed",
            added=(),
            removed=["FR"],
            valid_from=T0 + timedelta(days=1),
            recorded_at=T0,
            change_id=None,
            snapshot_id=None,
        )
    with sessions() as s:
        products = [("acme", "open"), ("acme", "closed"), ("acme", "never"), ("other", "open")]
        sets = open_sets(s, products)
        for provider, product in products:
            assert sets[(provider, product)] == open_codes(s, provider, product)
        assert sets[("acme", "open")] == {"FR", "DE"}
        assert sets[("acme", "closed")] == frozenset()
        assert sets[("acme", "never")] is None


def test_a_stored_claim_reads_back_with_its_order_and_shape() -> None:
    claim = Claim(
        codes=frozenset({"FR", "DE"}),
        unmapped=("Atlantis",),
        caveats={"FR": ("except Corsica",)},
        names=3,
        order=("FR", "DE"),
        shape=("ul", "ul"),
    )
    stored = claim_json(claim, complete=False)
    assert claim_of(stored) == claim and stored["complete"] is False
    assert claim_of(None) is None and claim_of({"suspect": "empty"}) is None
