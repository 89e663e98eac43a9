"""availability, changes, extract and reextract through the real command."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.cli.helpers import run_cli
from tests.pages import FORTY, page
from tests.replay import CATALOG_TOML, T0, Replayer


@pytest.fixture
def env(tmp_path: Path, db_url: str) -> dict[str, str]:
    catalog = tmp_path / "sources.toml"
    catalog.write_text(CATALOG_TOML)
    return {"REGIONWATCH_DATABASE_URL": db_url, "REGIONWATCH_SOURCES": str(catalog)}


@pytest.fixture
def replayed(sessions: sessionmaker[Session]) -> None:
    r = Replayer(sessions)
    r.observe(page(FORTY), T0)
    r.observe(page([n for n in FORTY if n not in ("Hong Kong", "Macao")] + ["Vietnam"]), T0 + timedelta(days=38))


def test_availability_before_and_after(tmp_path: Path, env: dict[str, str], replayed: None) -> None:
    before = run_cli(
        "availability", "--as-of", "2024-07-08", "--country", "香港", "--format", "json", cwd=tmp_path, env=env
    )
    assert before.returncode == 0, before.stderr
    rows = json.loads(before.stdout)
    assert [(r["provider"], r["product"], r["country"]) for r in rows] == [("acme", "api", "HK")]
    assert rows[0]["valid_from"].startswith("2024-06-01") and rows[0]["valid_to"].startswith("2024-07-09")
    after = run_cli(
        "availability", "--as-of", "2024-07-10", "--country", "HK", "--format", "json", cwd=tmp_path, env=env
    )
    assert json.loads(after.stdout) == []
    vn = json.loads(run_cli("availability", "--country", "Vietnam", "--format", "json", cwd=tmp_path, env=env).stdout)
    assert [r["country"] for r in vn] == ["VN"] and vn[0]["valid_to"] is None


def test_changes_json_and_csv(tmp_path: Path, env: dict[str, str], replayed: None) -> None:
    result = run_cli("changes", "--since", "2024-01-01", "--format", "json", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    (change,) = [c for c in json.loads(result.stdout) if c["kind"] == "availability"]
    assert change["source"] == "acme-api" and change["provider"] == "acme"
    assert change["removed"] == ["HK", "MO"] and change["added"] == ["VN"]
    assert {"countries", "effective_date", "url", "title"} <= set(change)
    table = list(
        csv.reader(
            io.StringIO(run_cli("changes", "--format", "csv", "--kind", "availability", cwd=tmp_path, env=env).stdout)
        )
    )
    assert table[0][:3] == ["id", "detected_at", "kind"] and len(table) == 2


def test_bad_arguments_are_one_line(tmp_path: Path, env: dict[str, str]) -> None:
    bad_date = run_cli("availability", "--as-of", "yesterday-ish", cwd=tmp_path, env=env)
    assert bad_date.returncode == 1 and "bad date" in bad_date.stderr and "Traceback" not in bad_date.stderr
    ambiguous = run_cli("availability", "--country", "Korea", cwd=tmp_path, env=env)
    assert ambiguous.returncode == 1 and "ambiguous" in ambiguous.stderr


def test_extract_a_saved_page(tmp_path: Path, env: dict[str, str]) -> None:
    saved = tmp_path / "saved.html"
    saved.write_bytes(page([*FORTY[:5], "Atlantis"]))
    result = run_cli("extract", str(saved), "--source", "acme-api", "--format", "json", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    (claim,) = json.loads(result.stdout)
    assert claim["codes"] == ["AL", "AR", "AT", "AU", "BD"] and claim["unmapped"] == ["Atlantis"]
    missing = run_cli("extract", str(saved), "--source", "nope", cwd=tmp_path, env=env)
    assert missing.returncode == 1 and "no source 'nope'" in missing.stderr


def test_reextract_records_no_alerts(tmp_path: Path, env: dict[str, str], replayed: None) -> None:
    result = run_cli("reextract", "--source", "acme-api", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert "2 snapshots re-read, 0 claims changed; availability unchanged" in result.stdout


@pytest.mark.parametrize("width", [60, 80, 120])
def test_a_terminal_table_never_cuts_ids_or_timestamps(
    tmp_path: Path, env: dict[str, str], replayed: None, width: int
) -> None:
    every = json.loads(run_cli("changes", "--format", "json", cwd=tmp_path, env=env).stdout)
    shown = run_cli("changes", cwd=tmp_path, env={**env, "FORCE_COLOR": "1", "COLUMNS": str(width)})
    assert shown.returncode == 0, shown.stderr
    text = re.sub(r"\x1b\[[0-9;]*m", "", shown.stdout)
    assert "…" not in text and max(len(line) for line in text.splitlines()) <= width
    for change in every:
        stamp = change["detected_at"][:19].replace("T", " ") + "Z"
        assert any(line.split()[:3] == [str(change["id"]), *stamp.split()] for line in text.splitlines()), stamp
    if width < 120:
        assert "not shown at this width:" in text and "--format csv|json" in text
