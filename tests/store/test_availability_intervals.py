"""The interval algebra: one open row per key, no overlaps, as-of(T) = the set last observed."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.detect.availability import diff_sets
from monitor.store.availability import apply_set_change, as_of, history, open_codes
from monitor.store.engine import transaction
from monitor.store.models import AvailabilityRow

T0 = datetime(2024, 1, 1, tzinfo=UTC)
CODES = ["CN", "HK", "MO", "VN", "ID", "DE"]
_providers = itertools.count()


def observe(session: Session, provider: str, codes: frozenset[str], at: datetime) -> None:
    """What the pipeline does with a confirmed observation."""
    previous = open_codes(session, provider, "api") or frozenset()
    added, removed = diff_sets(previous, codes)
    apply_set_change(
        session,
        provider=provider,
        product="api",
        added=added,
        removed=removed,
        valid_from=at,
        recorded_at=at,
        change_id=None,
        snapshot_id=None,
    )


observations = st.lists(
    st.tuples(st.integers(min_value=1, max_value=30), st.frozensets(st.sampled_from(CODES))),
    min_size=1,
    max_size=8,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=observations, probes=st.lists(st.integers(min_value=0, max_value=300), max_size=10))
def test_interval_invariants(
    sessions: sessionmaker[Session], steps: list[tuple[int, frozenset[str]]], probes: list[int]
) -> None:
    provider = f"p{next(_providers)}"
    timeline: list[tuple[datetime, frozenset[str]]] = []
    at = T0
    with transaction(sessions) as session:
        for gap, codes in steps:
            at += timedelta(days=gap)
            observe(session, provider, codes, at)
            timeline.append((at, codes))
    with sessions() as session:
        open_per_key = session.execute(
            select(AvailabilityRow.country, func.count())
            .where(AvailabilityRow.provider == provider, AvailabilityRow.valid_to.is_(None))
            .group_by(AvailabilityRow.country)
        ).all()
        assert all(count == 1 for _, count in open_per_key)
        rows = history(session, provider=provider)
        for code in CODES:
            spans = sorted((r.valid_from, r.valid_to) for r in rows if r.country == code)
            for (_, end), (start, _) in itertools.pairwise(spans):
                assert end is not None and end <= start
            assert all(end is None or start < end for start, end in spans)
        for probe in probes:
            moment = T0 + timedelta(days=probe, hours=12)
            expected = frozenset()
            for when, codes in timeline:
                if when <= moment:
                    expected = codes
            got = frozenset(i.country for i in as_of(session, moment, provider=provider))
            assert got == expected


def test_never_observed_is_none_and_emptied_is_empty(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        assert open_codes(session, "nobody", "api") is None
        observe(session, "x", frozenset({"HK"}), T0)
        observe(session, "x", frozenset(), T0 + timedelta(days=1))
        assert open_codes(session, "x", "api") == frozenset()
