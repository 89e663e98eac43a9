"""The outbox's SQL on SQLite and PostgreSQL: leases, marks, retry, and claims that never overlap."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from monitor.errors import StoreError
from monitor.store import outbox
from monitor.store.engine import transaction
from monitor.types import Route
from tests.notify.alerts import T, add, change, one, rows

LEASE = timedelta(minutes=5)
EMAIL_ROUTE = Route(providers=("acme",), slack_channel="#ai-access", email=("ops@example.com",))


def claim(sessions: sessionmaker[Session], owner: str, *, now=T, limit: int = 10, **kw: object) -> list[outbox.Claimed]:
    with transaction(sessions) as s:
        return outbox.claim_due(s, owner=owner, now=now, lease=LEASE, limit=limit, **kw)  # type: ignore[arg-type]


def test_claim_leases_slack_rows_only(sessions: sessionmaker[Session]) -> None:
    add(sessions, change(1), routes=[EMAIL_ROUTE])
    (claimed,) = claim(sessions, "a")
    assert (claimed.channel, claimed.destination, claimed.attempts) == ("slack", "#ai-access", 1)
    assert not claimed.unsure
    row = one(sessions, claimed.id)
    assert (row.status, row.lease_owner, row.lease_until) == ("sending", "a", T + LEASE)
    assert [r.status for r in rows(sessions, channel="email")] == ["pending"]
    assert claim(sessions, "b") == []  # leased: nobody else gets it


def test_rows_not_yet_due_and_skipped_destinations_stay(sessions: sessionmaker[Session]) -> None:
    add(sessions, change(1), at=T + timedelta(hours=1))
    add(sessions, change(2))  # no route: the "default" destination
    assert claim(sessions, "a", skip_destinations=("default",)) == []
    (now_due,) = claim(sessions, "a")
    assert now_due.destination == "default"
    later = claim(sessions, "a", now=T + timedelta(hours=1))  # and the first one's lease ran out meanwhile
    assert [(c.id, c.attempts) for c in later] == [(1, 1), (now_due.id, 2)]


def test_an_expired_lease_is_taken_over(sessions: sessionmaker[Session]) -> None:
    add(sessions, change(1))
    (first,) = claim(sessions, "crashed")
    with transaction(sessions) as s:
        assert outbox.mark_unsure(s, first, owner="crashed", lease_until=T + LEASE)
    assert claim(sessions, "b", now=T + LEASE - timedelta(seconds=1)) == []
    (again,) = claim(sessions, "b", now=T + LEASE + timedelta(seconds=1))
    assert again.id == first.id and again.attempts == 2 and again.unsure
    with transaction(sessions) as s:  # the old owner can no longer mark it
        assert not outbox.mark_sent(s, first, owner="crashed", ts="1.0", now=T)
        assert outbox.mark_sent(s, again, owner="b", ts="2.0", now=T + LEASE)
    row = one(sessions, first.id)
    assert (row.status, row.slack_ts, row.lease_owner) == ("sent", "2.0", None)


def test_failed_rows_come_back_when_due_and_dead_ones_only_by_retry(sessions: sessionmaker[Session]) -> None:
    add(sessions, change(1))
    (c,) = claim(sessions, "a")
    with transaction(sessions) as s:
        outbox.mark_failed(s, c, owner="a", error="boom", next_attempt_at=T + timedelta(minutes=1), unsure=True)
    row = one(sessions, c.id)
    assert (row.status, row.last_error, row.attempts, row.payload) == ("pending", "boom", 1, {"unsure": True})
    assert claim(sessions, "a") == []
    (c,) = claim(sessions, "a", now=T + timedelta(minutes=1))
    with transaction(sessions) as s:
        outbox.mark_dead(s, c, owner="a", error="gone", unsure=True)
    assert claim(sessions, "a", now=T + timedelta(days=9)) == []
    with transaction(sessions) as s:
        outbox.retry_alert(s, c.id, now=T + timedelta(days=1))
    row = one(sessions, c.id)
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 0, T + timedelta(days=1))
    (c,) = claim(sessions, "a", now=T + timedelta(days=1))
    assert c.unsure, "a retried row still looks before it posts"


def test_retry_refuses_sent_and_unknown_alerts(sessions: sessionmaker[Session]) -> None:
    add(sessions, change(1))
    (c,) = claim(sessions, "a")
    with transaction(sessions) as s:
        outbox.mark_sent(s, c, owner="a", ts="1.5", now=T)
    with pytest.raises(StoreError, match="is sent"), transaction(sessions) as s:
        outbox.retry_alert(s, c.id, now=T)
    with pytest.raises(StoreError, match="no alert 999"), transaction(sessions) as s:
        outbox.retry_alert(s, 999, now=T)


def test_concurrent_dispatchers_never_claim_a_row_twice(sessions: sessionmaker[Session]) -> None:
    add(sessions, *[change(n) for n in range(40)])
    taken: dict[str, list[int]] = {"a": [], "b": [], "c": []}
    errors: list[BaseException] = []

    def work(owner: str) -> None:
        try:
            while batch := claim(sessions, owner, limit=3):
                taken[owner] += [c.id for c in batch]
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(o,)) for o in taken]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    every = [i for ids in taken.values() for i in ids]
    assert len(every) == 40 and len(set(every)) == 40


def test_skip_locked_on_postgres(engine: Engine, sessions: sessionmaker[Session]) -> None:
    """A dispatcher holding rows mid-claim does not block another, which takes the others."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite serialises writers")
    add(sessions, *[change(n) for n in range(10)])
    holder = sessions()
    try:
        held = outbox.claim_due(holder, owner="a", now=T, lease=LEASE, limit=4)  # not committed yet
        other: list[outbox.Claimed] = []
        worker = threading.Thread(target=lambda: other.extend(claim(sessions, "b", limit=10)))
        worker.start()
        worker.join(5)
        assert not worker.is_alive(), "the second dispatcher waited for the first one's locks"
        holder.commit()
    finally:
        holder.close()
    assert len(held) == 4 and len(other) == 6
    assert not {c.id for c in held} & {c.id for c in other}
    assert {r.lease_owner for r in rows(sessions)} == {"a", "b"}
