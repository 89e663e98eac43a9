"""Schema migrations through Alembic's API: upgrade, current revision, head."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from monitor.errors import StoreError

ROOT = Path(__file__).resolve().parents[2]


def alembic_config(url: str) -> Config:
    """Alembic's Config pointing at the project's migrations, for the given database."""
    ini = ROOT / "alembic.ini"
    if not ini.is_file() or not (ROOT / "migrations" / "env.py").is_file():
        raise StoreError(f"migrations not found beside {ROOT}: install from a checkout (pip install -e .)")
    config = Config(str(ini))
    config.attributes["url"] = url
    config.attributes["configure_logging"] = False
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database to the revision (head by default)."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def head(url: str) -> str:
    """The newest revision the code knows."""
    heads = ScriptDirectory.from_config(alembic_config(url)).get_heads()
    if len(heads) != 1:
        raise StoreError(f"migrations have {len(heads)} heads; expected one")
    return heads[0]


def current(engine: Engine) -> str | None:
    """The revision the database is at, None when it was never migrated."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def require_head(engine: Engine, url: str) -> None:
    """Refuse to work on a database that is not at head, with the command that fixes it."""
    at, want = current(engine), head(url)
    if at != want:
        raise StoreError(
            f"database is at revision {at or 'none'}, code needs {want}: run 'regionwatch db upgrade'"
        )
