"""init, db and sources through the real command, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.helpers import run_cli


def test_init_creates_config_and_database_at_head(tmp_path: Path) -> None:
    result = run_cli("init", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "regionwatch.toml").is_file()
    assert (tmp_path / "regionwatch.db").is_file()
    current = run_cli("db", "current", cwd=tmp_path)
    assert current.returncode == 0
    assert "(head)" in current.stdout
    again = run_cli("init", cwd=tmp_path)
    assert again.returncode != 0
    assert again.stderr.strip().splitlines() == [
        "error: regionwatch.toml already exists: not overwritten (edit it, or remove it first)"
    ]


def test_db_upgrade_and_current_on_a_configured_database(tmp_path: Path, empty_db_url: str) -> None:
    env = {"REGIONWATCH_DATABASE_URL": empty_db_url}
    assert "run 'regionwatch db upgrade'" in run_cli("db", "current", cwd=tmp_path, env=env).stdout
    upgraded = run_cli("db", "upgrade", cwd=tmp_path, env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "(head)" in run_cli("db", "current", cwd=tmp_path, env=env).stdout


def test_validate_bad_catalog_names_entry_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[source]]\nid = "x-page"\nkind = "page"\nurl = "https://example.com"\n'
                   'provider = "example"\nevery = "often"\n')
    result = run_cli("sources", "validate", str(bad), cwd=tmp_path)
    assert result.returncode == 1
    assert "source 'x-page'" in result.stderr and "key 'every'" in result.stderr
    assert "Traceback" not in result.stderr
    debug = run_cli("--debug", "sources", "validate", str(bad), cwd=tmp_path)
    assert debug.returncode == 1 and "Traceback" in debug.stderr


def test_validate_and_list_bundled_catalog(tmp_path: Path) -> None:
    ok = run_cli("sources", "validate", cwd=tmp_path)
    assert ok.returncode == 0 and ok.stdout.startswith("ok: ")
    listed = run_cli("sources", "list", "--format", "json", cwd=tmp_path)
    rows = json.loads(listed.stdout)
    assert {"provider", "id", "kind", "url"} <= set(rows[0])
    assert [r["provider"] for r in rows] == sorted(r["provider"] for r in rows)


def test_unmigrated_or_unreachable_database_is_one_line(tmp_path: Path) -> None:
    env = {"REGIONWATCH_DATABASE_URL": "mysql://nobody@localhost/x"}
    result = run_cli("db", "current", cwd=tmp_path, env=env)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "not supported" in result.stderr


def test_bad_setting_in_environment(tmp_path: Path) -> None:
    result = run_cli("sources", "list", cwd=tmp_path, env={"REGIONWATCH_FETCH__DELAY": "soon"})
    assert result.returncode == 1
    assert "fetch.delay" in result.stderr and "Traceback" not in result.stderr


def test_python_dash_m_and_help(tmp_path: Path) -> None:
    result = run_cli("--help", cwd=tmp_path)
    assert result.returncode == 0 and "init" in result.stdout
