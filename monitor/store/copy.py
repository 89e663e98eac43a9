"""Copy a whole Regionwatch database into a new one: SQLite to PostgreSQL (or back), history and all.

Both databases are at the same schema revision (the source must be at head; the target is
migrated to head first) and the target must be empty. Tables are copied parent first, each in
its own transaction, in batches read with ``yield_per`` so a large history never sits in memory
whole. The one foreign-key cycle (``sources.good_snapshot_id`` → ``snapshots``) is closed after
the snapshots are in. On PostgreSQL the id sequences are moved past the copied ids, so the
daemon's next insert does not collide. Every table's row count is compared at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, Table, func, insert, select, text, update

from monitor.errors import StoreError
from monitor.store import migrate
from monitor.store.engine import database_url, make_engine
from monitor.store.models import Base, SourceRow

BATCH = 2000
#: Columns left out on the first pass and set once the rows they point at are copied.
DEFERRED = {"sources": ("good_snapshot_id",)}


@dataclass(frozen=True, slots=True)
class Copied:
    table: str
    rows: int


Progress = Callable[[str, int, int], None]  # table, rows copied so far, rows in all


def copy_database(
    source_url: str, target_url: str, *, batch: int = BATCH, progress: Progress | None = None
) -> list[Copied]:
    """Copy every row of the source database into the (new, empty) target; the counts per table."""
    if database_url(source_url) == database_url(target_url):
        raise StoreError("the source and the target are the same database")
    source = make_engine(source_url, create=False, read_only=True)
    try:
        migrate.require_head(source, source_url)
        target = make_engine(target_url)
        try:
            recorded = migrate.recorded_revisions(target)
            if recorded:  # never migrate a database that holds something: check first
                migrate.require_head(target, target_url)
                _require_empty(target)
            else:
                migrate.upgrade(target_url)
            done = [_copy_table(source, target, table, batch, progress) for table in Base.metadata.sorted_tables]
            _close_cycles(source, target)
            _move_sequences(target)
            _verify(source, target, done)
        finally:
            target.dispose()
    finally:
        source.dispose()
    return done


def _rows(conn: Connection, table: Table) -> int:
    return conn.scalar(select(func.count()).select_from(table)) or 0


def _require_empty(target: Engine) -> None:
    with target.connect() as conn:
        for table in Base.metadata.sorted_tables:
            count = _rows(conn, table)
            if count:
                raise StoreError(
                    f"the target database is not empty ({count} rows in {table.name}): copy into a new, empty database"
                )


def _copy_table(source: Engine, target: Engine, table: Table, batch: int, progress: Progress | None) -> Copied:
    deferred = set(DEFERRED.get(table.name, ()))
    columns = [c for c in table.columns if c.name not in deferred]
    order = list(table.primary_key.columns)
    with source.connect() as reader, target.begin() as writer:
        total = _rows(reader, table)
        copied = 0
        result = reader.execution_options(yield_per=batch).execute(select(*columns).order_by(*order))
        for rows in result.partitions():
            writer.execute(insert(table), [row._asdict() for row in rows])
            copied += len(rows)
            if progress is not None:
                progress(table.name, copied, total)
    if progress is not None and total == 0:
        progress(table.name, 0, 0)
    return Copied(table.name, copied)


def _close_cycles(source: Engine, target: Engine) -> None:
    """Set the columns the first pass left out (sources' last good snapshot)."""
    with source.connect() as reader, target.begin() as writer:
        pairs = reader.execute(
            select(SourceRow.id, SourceRow.good_snapshot_id).where(SourceRow.good_snapshot_id.is_not(None))
        ).all()
        for source_id, snapshot_id in pairs:
            writer.execute(update(SourceRow).where(SourceRow.id == source_id).values(good_snapshot_id=snapshot_id))


def _move_sequences(target: Engine) -> None:
    """PostgreSQL: each serial id's sequence past the largest copied id (SQLite needs nothing)."""
    if target.dialect.name != "postgresql":
        return
    with target.begin() as conn:
        for table in Base.metadata.sorted_tables:
            key = list(table.primary_key.columns)
            if len(key) != 1 or not key[0].autoincrement or key[0].type.python_type is not int:
                continue
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', '{key[0].name}'), "  # noqa: S608 - our names
                    f"COALESCE(MAX({key[0].name}), 1), MAX({key[0].name}) IS NOT NULL) FROM {table.name}"
                )
            )


def _verify(source: Engine, target: Engine, done: list[Copied]) -> None:
    with source.connect() as a, target.connect() as b:
        for copied in done:
            table = Base.metadata.tables[copied.table]
            want, have = _rows(a, table), _rows(b, table)
            if want != have:
                raise StoreError(
                    f"{copied.table}: {have} rows in the target, {want} in the source "
                    "(was the source written to during the copy? stop the daemon first)"
                )
