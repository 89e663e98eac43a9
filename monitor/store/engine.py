"""Engines and sessions: SQLite tuned for a monitor (WAL, foreign keys, busy timeout)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from monitor.errors import StoreError

SQLITE_BUSY_TIMEOUT_MS = 30_000


def database_url(raw: str) -> URL:
    """Parse a database URL; plain ``postgresql://`` means psycopg 3."""
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise StoreError(f"database URL {raw!r} is not valid: {exc}") from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreError(f"database {url.get_backend_name()!r} is not supported: use sqlite or postgresql")
    return url


def sqlite_file(url: URL) -> Path | None:
    """The file a SQLite URL names; None for PostgreSQL and for an in-memory database."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def make_engine(raw_url: str, *, read_only: bool = False, create: bool = True) -> Engine:
    """One engine per process; SQLite gets its pragmas on every connection.

    With ``create=False`` a SQLite file that does not exist is an error, not a new empty
    database: commands that only read or check never leave a stray file behind.
    """
    url = database_url(raw_url)
    if url.get_backend_name() == "sqlite":
        path = sqlite_file(url)
        if not create and path is not None and not path.exists():
            raise StoreError(
                f"no database at {path}: run 'regionwatch init' (or 'regionwatch db upgrade') "
                "first, or set database_url"
            )
        return _sqlite_engine(url, path, read_only=read_only)
    engine = create_engine(url, pool_pre_ping=True)
    if read_only:
        event.listen(engine, "connect", _postgres_read_only)
    return engine


def _sqlite_engine(url: URL, path: Path | None, *, read_only: bool) -> Engine:
    if path is not None:
        parent = path.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the database's directory {parent}: {exc.strerror or exc} (check database_url)"
            ) from None
    if read_only and url.database:
        url = url.set(database=f"file:{url.database}?mode=ro", query={"uri": "true"})
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _postgres_read_only(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    cursor.close()
    dbapi_connection.commit()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: committed as a whole or not at all."""
    with factory.begin() as session:
        yield session
