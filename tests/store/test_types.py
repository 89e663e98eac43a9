"""The UTC column type: aware in, aware out, naive refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session, sessionmaker

from monitor.store.engine import make_engine, transaction
from monitor.store.models import DigestRow


def test_aware_datetimes_round_trip_as_utc(sessions: sessionmaker[Session]) -> None:
    factory = sessions
    plus8 = timezone(timedelta(hours=8))
    with transaction(factory) as session:
        session.add(DigestRow(period="2024-W28", created_at=datetime(2024, 7, 10, 8, 0, tzinfo=plus8)))
    with factory() as session:
        row = session.query(DigestRow).one()
        assert row.created_at == datetime(2024, 7, 10, 0, 0, tzinfo=UTC)
        assert row.created_at.tzinfo is not None


def test_naive_datetime_is_refused(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(StatementError, match="naive datetime"), transaction(sessions) as s:
        s.add(DigestRow(period="2024-W29", created_at=datetime(2024, 7, 10)))


def test_sqlite_pragmas(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/p.db")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    engine.dispose()
