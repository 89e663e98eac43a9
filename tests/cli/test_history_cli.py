"""history, diff and sources status through the real command.

The command runs on SQLite here; the queries behind it run on both backends in tests/query/.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from monitor.store.engine import make_engine, session_factory
from tests.cli.helpers import run_cli
from tests.dbs import SqliteDatabases
from tests.replay import CATALOG_TOML
from tests.web.scenario import replay_story


@pytest.fixture
def env(tmp_path: Path, sqlite_dbs: SqliteDatabases) -> dict[str, str]:
    db_url = sqlite_dbs.migrated()
    engine = make_engine(db_url)
    replay_story(session_factory(engine))
    engine.dispose()
    catalog = tmp_path / "sources.toml"
    catalog.write_text(CATALOG_TOML)
    return {"REGIONWATCH_DATABASE_URL": db_url, "REGIONWATCH_SOURCES": str(catalog)}


def test_history_of_a_country_in_any_language(tmp_path: Path, env: dict[str, str]) -> None:
    result = run_cli("history", "--country", "香港", "--format", "json", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    (hk,) = json.loads(result.stdout)
    assert (hk["country"], hk["valid_from"][:10], hk["valid_to"][:10]) == ("HK", "2024-06-01", "2024-07-09")
    assert hk["evidence"].startswith("snapshot ") and hk["ended_by"].startswith(f"change {hk['closed_by_change_id']}:")
    table = run_cli("history", "--country", "Vietnam", "--since", "2024-07-01", cwd=tmp_path, env=env)
    assert table.returncode == 0, table.stderr
    header, line = table.stdout.splitlines()
    assert header.split()[:6] == ["provider", "product", "country", "name", "valid_from", "valid_to"]
    assert "VN" in line and "acme api: 2 removed, 1 added" in line


def test_diff_json_table_and_csv(tmp_path: Path, env: dict[str, str]) -> None:
    (change,) = json.loads(
        run_cli("changes", "--kind", "availability", "--format", "json", cwd=tmp_path, env=env).stdout
    )
    detail = run_cli("diff", str(change["id"]), "--format", "json", cwd=tmp_path, env=env)
    assert detail.returncode == 0, detail.stderr
    (data,) = json.loads(detail.stdout)
    assert data["removed"] == ["HK", "MO"] and data["added"] == ["VN"] and "+Vietnam" in data["diff"]["lines"]
    plain = run_cli("diff", str(change["id"]), cwd=tmp_path, env=env).stdout
    assert "- HK Hong Kong" in plain and "+ VN Vietnam" in plain
    assert "\x1b[" not in plain  # piped: no colour codes
    assert "[-Hong Kong" in plain and "{+Vietnam" in plain  # the word diff in wdiff notation
    coloured = run_cli("diff", str(change["id"]), cwd=tmp_path, env={**env, "FORCE_COLOR": "1"}).stdout
    assert "\x1b[31m-Hong Kong\x1b[0m" in coloured and "\x1b[32m+Vietnam\x1b[0m" in coloured
    assert "[-Hong Kong" not in coloured  # on a terminal the word diff is coloured, not bracketed
    rows = list(
        csv.DictReader(io.StringIO(run_cli("diff", str(change["id"]), "--format", "csv", cwd=tmp_path, env=env).stdout))
    )
    assert {"part": "set", "op": "removed", "text": "HK"} in rows
    lines = [r for r in rows if r["part"] == "line"]
    assert any(r["op"] == "removed" and r["text"] == "'-Hong Kong" for r in lines)  # formula start neutralised
    assert any(r["op"] == "added" and r["text"] == "'+Vietnam" for r in lines)


def test_diff_of_an_unknown_change_is_one_line(tmp_path: Path, env: dict[str, str]) -> None:
    result = run_cli("diff", "999", cwd=tmp_path, env=env)
    assert result.returncode == 1 and result.stderr.strip() == (
        "error: no change 999: list them with 'regionwatch changes'"
    )


def test_sources_status(tmp_path: Path, env: dict[str, str]) -> None:
    result = run_cli("sources", "status", "--format", "json", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    (source,) = json.loads(result.stdout)
    assert source["id"] == "acme-api" and source["health"] == "stale"  # replayed reads, long ago: no read since
    assert source["last_outcome"] == "confirmed" and source["held_change_id"] is None
    assert source["consecutive_failures"] == 0 and source["suspect"] is False
    assert source["last_change_title"] == "acme api: 2 removed, 1 added"
    table = list(csv.reader(io.StringIO(run_cli("sources", "status", "--format", "csv", cwd=tmp_path, env=env).stdout)))
    assert table[0][:3] == ["provider", "id", "health"] and table[1][:3] == ["acme", "acme-api", "stale"]
