"""regionwatch digest preview / send through the real command, with a real SMTP server on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from monitor.store import digests as store
from tests.cli.helpers import run_cli
from tests.notify.digest_week import DIGEST_CATALOG_TOML, OTHER, READER, WEEK, fill_week
from tests.notify.smtp import HOST, free_port, smtp_server


@pytest.fixture
def env(tmp_path: Path, db_url: str, sessions: sessionmaker[Session]) -> dict[str, str]:
    fill_week(sessions)
    catalog = tmp_path / "sources.toml"
    catalog.write_text(DIGEST_CATALOG_TOML)
    return {
        "REGIONWATCH_DATABASE_URL": db_url,
        "REGIONWATCH_SOURCES": str(catalog),
        "REGIONWATCH_DIGEST__RECIPIENTS": f"{READER}, {OTHER}",
        "REGIONWATCH_SMTP__SECURITY": "none",
    }


def test_preview_writes_the_html_without_smtp(tmp_path: Path, env: dict[str, str]) -> None:
    out = tmp_path / "digest.html"
    result = run_cli("digest", "preview", "--out", str(out), "--period", WEEK, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert f"wrote the digest for {WEEK} (2024-07-08 to 2024-07-14) to {out}" in result.stdout
    html = out.read_text("utf-8")
    assert "Vietnam" in html and "Your countries" in html and "Hong Kong SAR China" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script" not in html.lower()


def test_send_twice_sends_once(tmp_path: Path, env: dict[str, str], sessions: sessionmaker[Session]) -> None:
    with smtp_server() as server:
        smtp = {**env, "REGIONWATCH_SMTP__HOST": HOST, "REGIONWATCH_SMTP__PORT": str(server.port)}
        first = run_cli("digest", "send", "--period", WEEK, cwd=tmp_path, env=smtp)
        assert first.returncode == 0, first.stderr
        assert f"sent the digest for {WEEK} to 2 recipient(s): {READER}, {OTHER}" in first.stdout
        second = run_cli("digest", "send", "--period", WEEK, cwd=tmp_path, env=smtp)
    assert second.returncode == 0, second.stderr
    assert f"the digest for {WEEK} was already sent" in second.stdout and "nothing sent" in second.stdout
    assert [m["To"] for m in server.messages] == [READER, OTHER]
    assert server.messages[0].get_content_type() == "multipart/alternative"


def test_send_failures_are_one_line(tmp_path: Path, env: dict[str, str], sessions: sessionmaker[Session]) -> None:
    unconfigured = run_cli("digest", "send", "--period", WEEK, cwd=tmp_path, env=env)
    assert unconfigured.returncode == 1 and "set smtp.host (REGIONWATCH_SMTP__HOST)" in unconfigured.stderr
    down = {
        **env,
        "REGIONWATCH_SMTP__HOST": HOST,
        "REGIONWATCH_SMTP__PORT": str(free_port()),
        "REGIONWATCH_SMTP__PASSWORD": "never-shown",
    }
    failed = run_cli("digest", "send", "--period", WEEK, cwd=tmp_path, env=down)
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert f"error: the digest for {WEEK} was not sent: SMTP server {HOST}:" in failed.stderr
    assert "connection refused" in failed.stderr and "never-shown" not in failed.stderr + failed.stdout
    with sessions() as session:
        row = store.period_row(session, WEEK)
        assert row is not None and row.status == "failed" and "connection refused" in (row.last_error or "")


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ("2024-W99", "bad period '2024-W99': use an ISO week such as 2024-W28"),
        ("2999-W01", "week 2999-W01 is not over yet"),
    ],
)
def test_send_refuses_bad_and_unfinished_weeks(tmp_path: Path, period: str, message: str) -> None:
    env = {
        "REGIONWATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'never-opened.db'}",
        "REGIONWATCH_SMTP__HOST": HOST,
        "REGIONWATCH_SMTP__PORT": str(free_port()),
    }
    result = run_cli("digest", "send", "--period", period, cwd=tmp_path, env=env)
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "never-opened.db").exists()
