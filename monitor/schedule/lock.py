"""Exactly one daemon per database: a PostgreSQL advisory lock, or a lock file beside SQLite."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

from monitor.errors import RegionwatchError
from monitor.store.engine import sqlite_file

ADVISORY_KEY = 0x52_57_41_54  # "RWAT"


@contextmanager
def daemon_lock(engine: Engine) -> Iterator[None]:
    """Hold the database's daemon lock for the block; RegionwatchError if another holds it."""
    if engine.dialect.name == "postgresql":
        with _advisory(engine):
            yield
        return
    database = sqlite_file(engine.url)
    if database is None:
        yield
        return
    with _lock_file(database.with_name(database.name + ".lock")):
        yield


@contextmanager
def _advisory(engine: Engine) -> Iterator[None]:
    with engine.connect() as conn:
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}).scalar()
        conn.commit()
        if not got:
            raise RegionwatchError("another 'regionwatch run' is already running on this database: stop it first")
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
            conn.commit()


@contextmanager
def _lock_file(path: Path) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            raise RegionwatchError(f"another 'regionwatch run' (pid {holder}) holds {path}: stop it first") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)
