"""regionwatch held list | accept | reject through the real command (SQLite)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from monitor.store.availability import open_codes
from monitor.store.engine import make_engine, session_factory
from monitor.store.models import AlertRow, ChangeRow
from tests.cli.helpers import run_cli
from tests.dbs import SqliteDatabases
from tests.pages import FORTY, page
from tests.replay import CATALOG_TOML, T0, Replayer


@pytest.fixture
def env(tmp_path: Path, sqlite_dbs: SqliteDatabases) -> dict[str, str]:
    """A 40-country baseline, then a read whose last six countries are cut off: held as damage."""
    db_url = sqlite_dbs.migrated()
    engine = make_engine(db_url)
    replayer = Replayer(session_factory(engine))
    replayer.observe(page(FORTY), T0)
    replayer.observe(page(FORTY[:-6]), T0 + timedelta(days=1))
    engine.dispose()
    catalog = tmp_path / "sources.toml"
    catalog.write_text(CATALOG_TOML)
    return {"REGIONWATCH_DATABASE_URL": db_url, "REGIONWATCH_SOURCES": str(catalog)}


def _held(tmp_path: Path, env: dict[str, str], *args: str) -> list[dict[str, object]]:
    result = run_cli("held", "list", "--format", "json", *args, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


def _open(env: dict[str, str]) -> frozenset[str]:
    engine = make_engine(env["REGIONWATCH_DATABASE_URL"])
    try:
        with session_factory(engine)() as s:
            return open_codes(s, "acme", "api") or frozenset()
    finally:
        engine.dispose()


def test_a_person_accepts_a_held_change_and_it_alerts_once(tmp_path: Path, env: dict[str, str]) -> None:
    (held,) = _held(tmp_path, env)
    assert held["reason"] == "cut_run" and held["damage"] is True and held["status"] == "held"
    assert len(held["removed"]) == 6 and held["added"] == []  # type: ignore[arg-type]
    table = run_cli("held", "list", cwd=tmp_path, env=env)
    assert table.returncode == 0 and "cut_run" in table.stdout
    accepted = run_cli("held", "accept", str(held["id"]), "--by", "alice", cwd=tmp_path, env=env)
    assert accepted.returncode == 0, accepted.stderr
    assert "applied as change" in accepted.stdout
    assert len(_open(env)) == 34 and _held(tmp_path, env) == []
    (resolved,) = _held(tmp_path, env, "--all")
    assert resolved["status"] == "accepted" and resolved["resolved_by"] == "alice" and resolved["change_id"]
    engine = make_engine(env["REGIONWATCH_DATABASE_URL"])
    with session_factory(engine)() as s:
        change = s.get(ChangeRow, resolved["change_id"])
        assert change is not None and change.kind == "availability" and len(change.removed) == 6
        assert change.diff is not None and change.diff["confirmation"] == "accepted by alice"
        assert len(list(s.scalars(select(AlertRow).where(AlertRow.change_id == change.id)))) == 1
    engine.dispose()
    again = run_cli("held", "accept", str(held["id"]), cwd=tmp_path, env=env)
    assert again.returncode == 1 and again.stderr.strip() == f"error: held change {held['id']} is already accepted"


def test_a_rejected_change_applies_nothing_and_stays_quiet(tmp_path: Path, env: dict[str, str]) -> None:
    (held,) = _held(tmp_path, env)
    rejected = run_cli("held", "reject", str(held["id"]), "--by", "bob", cwd=tmp_path, env=env)
    assert rejected.returncode == 0, rejected.stderr
    assert "rejected" in rejected.stdout and len(_open(env)) == 40
    assert _held(tmp_path, env) == []
    engine = make_engine(env["REGIONWATCH_DATABASE_URL"])
    replayer = Replayer(session_factory(engine))
    assert replayer.observe(page(FORTY[:-6]), T0 + timedelta(days=2)) == []  # the same cut: quiet now
    engine.dispose()
    assert _held(tmp_path, env) == [] and len(_open(env)) == 40
    missing = run_cli("held", "reject", "999", cwd=tmp_path, env=env)
    assert missing.returncode == 1 and "no held change 999" in missing.stderr
