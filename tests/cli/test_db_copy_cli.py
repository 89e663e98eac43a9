"""regionwatch db copy: a SQLite history moved into a new database (PostgreSQL too, when configured).

The target is an empty database (no schema) on each backend; the copy must answer every
history question as the source does, and the target must take new writes afterwards.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from monitor.store.engine import make_engine, session_factory
from tests.cli.helpers import run_cli
from tests.dbs import SqliteDatabases
from tests.pages import FORTY, page
from tests.replay import CATALOG_TOML, Replayer
from tests.web.scenario import DROPPED_AT, replay_story

QUESTIONS = (
    ("history", "--format", "json"),
    ("changes", "--format", "json"),
    ("availability", "--as-of", "2024-07-01", "--format", "json"),
    ("alerts", "list", "--format", "json"),
    ("sources", "status", "--format", "json"),
)


def test_a_copy_answers_as_the_source_and_takes_new_writes(
    tmp_path: Path, sqlite_dbs: SqliteDatabases, empty_db_url: str
) -> None:
    source_url = sqlite_dbs.migrated()
    engine = make_engine(source_url)
    replay_story(session_factory(engine))
    engine.dispose()
    catalog = tmp_path / "sources.toml"
    catalog.write_text(CATALOG_TOML)
    source = {"REGIONWATCH_DATABASE_URL": source_url, "REGIONWATCH_SOURCES": str(catalog)}
    target = {**source, "REGIONWATCH_DATABASE_URL": empty_db_url}

    copied = run_cli("db", "copy", "--to", empty_db_url, cwd=tmp_path, env=source)
    assert copied.returncode == 0, copied.stderr
    assert "counts verified" in copied.stdout and "availability: " in copied.stderr
    for question in QUESTIONS:
        asked = [run_cli(*question, cwd=tmp_path, env=env) for env in (source, target)]
        assert all(a.returncode == 0 for a in asked), [a.stderr for a in asked]
        assert json.loads(asked[0].stdout) == json.loads(asked[1].stdout), question
        assert json.loads(asked[0].stdout), question

    again = run_cli("db", "copy", "--to", empty_db_url, cwd=tmp_path, env=source)
    assert again.returncode == 1
    assert again.stderr.strip().splitlines()[-1].startswith("error: the target database is not empty")

    copy = make_engine(empty_db_url)  # the copy takes the next read as its own: ids continue past the copied ones
    Replayer(session_factory(copy)).observe(page([*FORTY, "Vietnam"]), DROPPED_AT + timedelta(days=30))
    copy.dispose()
    history = json.loads(run_cli("changes", "--format", "json", cwd=tmp_path, env=target).stdout)
    assert len(history) == len(json.loads(run_cli("changes", "--format", "json", cwd=tmp_path, env=source).stdout)) + 1
    assert len({c["id"] for c in history}) == len(history)


def test_copying_a_database_onto_itself_is_refused(tmp_path: Path, sqlite_dbs: SqliteDatabases) -> None:
    url = sqlite_dbs.migrated()
    result = run_cli("db", "copy", "--to", url, cwd=tmp_path, env={"REGIONWATCH_DATABASE_URL": url})
    assert result.returncode == 1
    assert result.stderr.strip() == "error: the source and the target are the same database"
