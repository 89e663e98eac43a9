"""Detection through the crawl's hook and the store: one change per real set change, confirmed by a
second read; damage held for a person; as-of answers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.store.changes import record_change
from monitor.store.engine import transaction
from monitor.store.held import accept, held_changes
from monitor.store.models import AlertRow, ChangeRow, SourceRow
from monitor.types import Change, ChangeKind, Outcome
from tests.pages import CHALLENGE, FORTY, NAVIGATION, REDESIGN, page
from tests.replay import CATALOG, SOURCE, T0, Replayer, codes_at


def test_eight_step_replay_gives_exactly_one_availability_change(sessions: sessionmaker[Session]) -> None:
    r = Replayer(sessions)
    day = timedelta(days=1)
    step2 = [n for n in FORTY if n not in ("Hong Kong", "Macao")] + ["Vietnam"]
    restyled = page(list(reversed(step2)), item_class="item-v2")
    r.observe(page(FORTY), T0)  # 1: baseline of 40
    first = r.observe(page(step2), T0 + day)  # 2: HK, MO out; VN in
    r.observe(restyled, T0 + 2 * day)  # 3: reorder and restyle only
    # 4 (403 challenge) never reaches detection: it is a failed fetch
    r.observe(CHALLENGE, T0 + 4 * day)  # 5: 200 challenge page
    r.observe(REDESIGN, T0 + 5 * day)  # 6: the list is gone
    r.observe(NAVIGATION, T0 + 6 * day)  # 7: selector reads navigation
    r.observe(restyled, T0 + 7 * day)  # 8: back to 3
    with sessions() as s:
        kinds = dict(s.execute(select(ChangeRow.kind, func.count()).group_by(ChangeRow.kind)).all())
        assert kinds.get("availability") == 1
        change = s.scalars(select(ChangeRow).where(ChangeRow.kind == "availability")).one()
        assert change.removed == ["HK", "MO"] and change.added == ["VN"]
        assert [c.id for c in first] == [change.id]
        alerts = s.scalars(select(AlertRow).where(AlertRow.change_id == change.id)).all()
        assert [a.destination for a in alerts] == ["#ai-access"]
        state = s.get(SourceRow, SOURCE.id)
        assert state is not None and state.suspect_since is None
    assert r.outcomes[1:3] == [Outcome.HELD, Outcome.CONFIRMED]
    assert len(codes_at(sessions, T0 + timedelta(hours=12))) == 40
    before, after = codes_at(sessions, T0 + timedelta(hours=23)), codes_at(sessions, T0 + day * 3)
    assert {"HK", "MO"} <= before and "VN" not in before
    assert not {"HK", "MO"} & after and "VN" in after and len(after) == 39
    assert codes_at(sessions, T0 + 10 * day) == after


def test_suspect_that_persists_raises_one_operator_alert(sessions: sessionmaker[Session]) -> None:
    r = Replayer(sessions)
    r.observe(page(FORTY), T0)
    for i in range(1, 5):
        assert all(c.kind == "operator" for c in r.observe(REDESIGN if i % 2 else NAVIGATION, T0 + timedelta(days=i)))
    with sessions() as s:
        ops = s.scalars(select(ChangeRow).where(ChangeRow.kind == "operator")).all()
        assert len(ops) == 1 and "looks broken" in ops[0].title
        assert s.scalar(select(func.count()).select_from(ChangeRow).where(ChangeRow.kind == "availability")) == 0
        assert [a.destination for a in s.scalars(select(AlertRow))] == ["operator"]
    assert len(codes_at(sessions, T0 + timedelta(days=9))) == 40


def test_a_collapse_never_confirms_itself_and_waits_for_a_person(sessions: sessionmaker[Session]) -> None:
    r = Replayer(sessions)
    half = FORTY[:20]
    r.observe(page(FORTY), T0)
    for day in (1, 2, 3):
        assert [c.kind for c in r.observe(page(half), T0 + timedelta(days=day))] == (["operator"] if day == 1 else [])
    assert r.outcomes[1:] == [Outcome.HELD] * 6  # each read and its re-read: held, never confirmed
    assert len(codes_at(sessions, T0 + timedelta(days=4))) == 40
    with sessions() as s:
        [held] = held_changes(s)
        assert held.reason == "collapse" and held.damage and held.reads == 6 and len(held.removed) == 20
    with transaction(sessions) as s:
        change = accept(s, held.id, catalog=CATALOG, now=T0 + timedelta(days=5), by="test", diff={})
        assert len(change.removed) == 20 and change.diff is not None and change.diff["first_seen"]
    assert len(codes_at(sessions, T0 + timedelta(days=1, hours=1))) == 20  # from its first sighting
    with sessions() as s:
        alerts = s.scalars(select(AlertRow).where(AlertRow.change_id == change.id))
        assert [a.destination for a in alerts] == ["#ai-access"]  # Macao is among the removed


def test_cosmetic_edit_is_a_low_text_change_without_alert(sessions: sessionmaker[Session]) -> None:
    r = Replayer(sessions)
    r.observe(page(FORTY), T0)
    changes = r.observe(page(FORTY, title="Supported countries and territories"), T0 + timedelta(days=1))
    assert [(c.kind, c.severity) for c in changes] == [("text", 10)]
    assert changes[0].diff is not None and changes[0].diff.get("lines")
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(AlertRow)) == 0


def _announce(sessions: sessionmaker[Session], at: datetime, **signal: Any) -> None:
    """An acme signal about HK, recorded as the news reader would record it."""
    with transaction(sessions) as s:
        change = Change(
            kind=ChangeKind.SIGNAL, source_id=SOURCE.id, provider="acme", countries=("HK",), action="block", **signal
        )
        record_change(s, change, routes=(), detected_at=at)


@pytest.mark.parametrize(
    ("scope", "dated"),
    [("territory", True), ("ownership", False)],
)
def test_a_month_announced_dates_a_removal_from_its_first_day_and_says_so(
    sessions: sessionmaker[Session], scope: str, dated: bool
) -> None:
    """'From July 2024' dates a later HK removal from 2024-07-01, with a note that only a month
    was given; a restriction on companies owned from HK dates nothing (no list drops HK for it)."""
    r = Replayer(sessions)
    r.observe(page(FORTY), T0)
    _announce(
        sessions, T0 + timedelta(days=19), effective_date=date(2024, 7, 1), effective_precision="month", scope=scope
    )
    removal = T0 + timedelta(days=44)  # July 15
    r.observe(page([n for n in FORTY if n != "Hong Kong"]), removal)
    with sessions() as s:
        change = s.scalars(select(ChangeRow).where(ChangeRow.kind == "availability")).one()
        assert change.removed == ["HK"]
        note = (change.diff or {}).get("dated_from")
    if dated:
        assert note == "2024-07, a month: from its first day"
        assert "HK" not in codes_at(sessions, datetime(2024, 7, 2, tzinfo=UTC))
    else:
        assert note is None
        assert "HK" in codes_at(sessions, datetime(2024, 7, 2, tzinfo=UTC))
    assert "HK" not in codes_at(sessions, removal + timedelta(hours=1))
