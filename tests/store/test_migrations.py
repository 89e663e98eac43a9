"""Migrations on SQLite and PostgreSQL: one head, up, down, up again, no drift."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from monitor.store import migrate
from monitor.store.engine import make_engine
from monitor.store.models import Base

TABLES = {"sources", "fetches", "snapshots", "availability", "changes", "news_items", "alerts", "digests"}


def test_single_head(tmp_path) -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config(f"sqlite:///{tmp_path}/x.db"))
    assert len(script.get_heads()) == 1


def test_upgrade_downgrade_upgrade(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    assert migrate.current(engine) is None
    migrate.upgrade(empty_db_url)
    assert migrate.current(engine) == migrate.head(empty_db_url)
    assert TABLES <= set(inspect(engine).get_table_names())
    migrate.downgrade(empty_db_url, "base")
    assert not TABLES & set(inspect(engine).get_table_names())
    migrate.upgrade(empty_db_url)
    assert TABLES <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_models_match_migrations(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_alembic_check_reports_no_drift(db_url: str) -> None:
    command.check(migrate.alembic_config(db_url))


def test_partial_unique_index_allows_one_open_row(sessions) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    import pytest
    from sqlalchemy.exc import IntegrityError

    from monitor.store.engine import transaction
    from monitor.store.models import AvailabilityRow

    factory = sessions
    t0, t1 = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 2, 1, tzinfo=UTC)

    def row(valid_to: datetime | None) -> AvailabilityRow:
        return AvailabilityRow(
            provider="openai", product="api", country="HK", valid_from=t0, valid_to=valid_to, recorded_at=t0
        )

    with transaction(factory) as session:
        session.add_all([row(t1), row(t1), row(None)])  # closed rows may repeat
    with pytest.raises(IntegrityError), transaction(factory) as session:
        session.add(row(None))
