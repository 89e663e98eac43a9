"""Shared fixtures: real third-party data from ../shared/realdata (skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REALDATA = ROOT.parent / "shared" / "realdata"


@pytest.fixture(scope="session")
def realdata() -> Path:
    """The shared real-data folder; the test is skipped when a clone has none beside it."""
    if not REALDATA.is_dir():
        pytest.skip(f"real data not present at {REALDATA} (only in the team's workspace)")
    return REALDATA


# --- databases: SQLite always, PostgreSQL when REGIONWATCH_TEST_POSTGRES_URL is set ---------

from collections.abc import Iterator  # noqa: E402

from sqlalchemy import Engine  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from monitor.store.engine import make_engine, session_factory  # noqa: E402
from tests.dbs import PostgresDatabases, SqliteDatabases, postgres_admin_url  # noqa: E402

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(scope="session")
def sqlite_dbs(tmp_path_factory: pytest.TempPathFactory) -> SqliteDatabases:
    return SqliteDatabases(tmp_path_factory.mktemp("sqlite"))


@pytest.fixture(scope="session")
def postgres_dbs() -> Iterator[PostgresDatabases | None]:
    admin = postgres_admin_url()
    if admin is None:
        yield None
        return
    dbs = PostgresDatabases(admin)
    yield dbs
    dbs.close()


def _backend(
    request: pytest.FixtureRequest, sqlite_dbs: SqliteDatabases, postgres_dbs: PostgresDatabases | None
) -> SqliteDatabases | PostgresDatabases:
    if request.param == "postgres":
        if postgres_dbs is None:
            pytest.skip("PostgreSQL not configured: set REGIONWATCH_TEST_POSTGRES_URL")
        return postgres_dbs
    return sqlite_dbs


@pytest.fixture(params=BACKENDS)
def db_url(
    request: pytest.FixtureRequest, sqlite_dbs: SqliteDatabases, postgres_dbs: PostgresDatabases | None
) -> Iterator[str]:
    """A fresh database at head, built by the migrations, on each backend."""
    backend = _backend(request, sqlite_dbs, postgres_dbs)
    url = backend.migrated()
    yield url
    if isinstance(backend, PostgresDatabases):
        backend.drop(url)


@pytest.fixture(params=BACKENDS)
def empty_db_url(
    request: pytest.FixtureRequest, sqlite_dbs: SqliteDatabases, postgres_dbs: PostgresDatabases | None
) -> Iterator[str]:
    """A fresh empty database (no schema), on each backend."""
    backend = _backend(request, sqlite_dbs, postgres_dbs)
    url = backend.empty()
    yield url
    if isinstance(backend, PostgresDatabases):
        backend.drop(url)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on a fresh migrated database; disposed after the test (no leaked connections)."""
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    """A session factory on a fresh migrated database."""
    return session_factory(engine)
