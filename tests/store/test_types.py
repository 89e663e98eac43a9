"""The UTC column type: aware in, aware out, naive refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import StatementError

from monitor.store.engine import make_engine, session_factory, transaction
from monitor.store.models import DigestRow


def test_aware_datetimes_round_trip_as_utc(db_url: str) -> None:
    engine = make_engine(db_url)
    factory = session_factory(engine)
    plus8 = timezone(timedelta(hours=8))
    with transaction(factory) as session:
        session.add(DigestRow(period="2024-W28", created_at=datetime(2024, 7, 10, 8, 0, tzinfo=plus8)))
    with factory() as session:
        row = session.query(DigestRow).one()
        assert row.created_at == datetime(2024, 7, 10, 0, 0, tzinfo=UTC)
        assert row.created_at.tzinfo is not None
    engine.dispose()


def test_naive_datetime_is_refused(db_url: str) -> None:
    engine = make_engine(db_url)
    with pytest.raises(StatementError, match="naive datetime"), transaction(session_factory(engine)) as s:
        s.add(DigestRow(period="2024-W29", created_at=datetime(2024, 7, 10)))
    engine.dispose()


def test_sqlite_pragmas(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/p.db")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    engine.dispose()
