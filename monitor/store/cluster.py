"""What several workers on one PostgreSQL database agree through: advisory locks and "already done?".

On SQLite (one machine, one daemon) every lock here is a no-op: the embedded default has
nobody to agree with. On PostgreSQL:

- ``domain_locks`` holds one session-level advisory lock per domain for as long as a crawl task
  fetches it, on a connection of its own; a worker that dies loses its connection and with it
  the locks, so a redelivered task never waits for a dead one;
- ``lock_products`` serialises detection per (provider, product) inside the chunk's transaction,
  so two workers never both open an interval for one country;
- ``fetched_since`` says which sources were already fetched at or after a due time, which makes a
  redelivered crawl task record nothing twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.orm import Session

from monitor.store.models import SourceRow

#: The first half of the two-int advisory key: which kind of thing is locked.
DOMAIN_SPACE = 0x5257_4400  # "RWD"
PRODUCT_SPACE = 0x5257_5000  # "RWP"


def lock_key(name: str) -> int:
    """A stable signed 32-bit key for a name."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=4).digest(), "big", signed=True)


@contextmanager
def domain_locks(engine: Engine, domains: Iterable[str]) -> Iterator[bool]:
    """Try to hold every domain's lock for the block: True if all were free (then held), else False
    (then none is held)."""
    keys = sorted({lock_key(d) for d in domains})
    if engine.dialect.name != "postgresql" or not keys:
        yield True
        return
    with engine.connect() as conn:
        held = _try_all(conn, keys)
        try:
            yield len(held) == len(keys)
        finally:
            _release(conn, held)


def _try_all(conn: Connection, keys: list[int]) -> list[int]:
    held: list[int] = []
    for key in keys:
        if not conn.execute(text("SELECT pg_try_advisory_lock(:s, :k)"), {"s": DOMAIN_SPACE, "k": key}).scalar():
            _release(conn, held)
            return []
        held.append(key)
    conn.commit()
    return held


def _release(conn: Connection, keys: list[int]) -> None:
    for key in keys:
        conn.execute(text("SELECT pg_advisory_unlock(:s, :k)"), {"s": DOMAIN_SPACE, "k": key})
    conn.commit()


def lock_products(session: Session, products: Iterable[tuple[str, str | None]]) -> None:
    """Wait for, and hold until the transaction ends, each (provider, product)'s detection lock."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in sorted({lock_key(f"{provider}\x00{product or ''}") for provider, product in products}):
        session.execute(text("SELECT pg_advisory_xact_lock(:s, :k)"), {"s": PRODUCT_SPACE, "k": key})


def fetched_since(session: Session, source_ids: Collection[str], since: datetime) -> set[str]:
    """The sources among ``source_ids`` whose last fetch attempt is at or after ``since``."""
    rows = session.scalars(
        select(SourceRow.id).where(SourceRow.id.in_(list(source_ids)), SourceRow.last_fetch_at >= since)
    )
    return set(rows)


def stored(session: Session, source_ids: Collection[str]) -> set[str]:
    """The sources among ``source_ids`` that have a row (the scheduler syncs the catalog before sending)."""
    return set(session.scalars(select(SourceRow.id).where(SourceRow.id.in_(list(source_ids)))))
