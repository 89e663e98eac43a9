"""Test databases: a fresh migrated database per test, on SQLite and (if configured) PostgreSQL.

Each test run creates its own PostgreSQL databases with a unique prefix and drops them at
the end, so concurrent runs never collide.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from monitor.store import migrate

POSTGRES_ENV = "REGIONWATCH_TEST_POSTGRES_URL"


def postgres_admin_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


def _conninfo(url: str) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def _with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


@contextmanager
def _admin(url: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(_conninfo(url), autocommit=True) as conn:
        yield conn


class PostgresDatabases:
    """Creates databases from a migrated template; drops them all at close()."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.prefix = f"rw_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        self.template = f"{self.prefix}_tmpl"
        self.created: list[str] = []
        self._counter = 0
        self._template_ready = False

    def empty(self) -> str:
        return self._create(None)

    def migrated(self) -> str:
        if not self._template_ready:
            with _admin(self.admin_url) as conn:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.template)))
            self.created.append(self.template)
            migrate.upgrade(_with_database(self.admin_url, self.template))
            self._template_ready = True
        return self._create(self.template)

    def _create(self, template: str | None) -> str:
        self._counter += 1
        name = f"{self.prefix}_{self._counter}"
        query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            query = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
        with _admin(self.admin_url) as conn:
            conn.execute(query)
        self.created.append(name)
        return _with_database(self.admin_url, name)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        with _admin(self.admin_url) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if name in self.created:
            self.created.remove(name)

    def close(self) -> None:
        with _admin(self.admin_url) as conn:
            for name in reversed(self.created):
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        self.created.clear()


class SqliteDatabases:
    """SQLite files copied from one migrated template."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.template: Path | None = None
        self._counter = 0

    def _path(self) -> Path:
        self._counter += 1
        return self.root / f"db{self._counter}.sqlite3"

    def empty(self) -> str:
        return f"sqlite:///{self._path()}"

    def migrated(self) -> str:
        if self.template is None:
            self.template = self.root / "template.sqlite3"
            migrate.upgrade(f"sqlite:///{self.template}")
        path = self._path()
        shutil.copyfile(self.template, path)
        return f"sqlite:///{path}"
