"""regionwatch demo through the real command: offline, unconfigured, and saying what happened.

The demo runs once for the module (about ten seconds) in a folder holding a regionwatch.toml
and an environment that point elsewhere (a production database, a production channel): the
demo must use neither. Its output and the database it keeps (--keep-db) are then checked.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from monitor.store.engine import make_engine, session_factory
from monitor.store.models import AlertRow, ChangeRow, FetchRow, NewsItemRow
from tests.cli.helpers import run_cli

PANEL = re.compile(r"╭─ Slack (#[\w-]+).*?╰", re.DOTALL)


@dataclass(frozen=True)
class Demo:
    result: subprocess.CompletedProcess[str]
    folder: Path
    database: Path

    def panels(self) -> list[tuple[str, str]]:
        """(channel, text) of every Slack message the local Slack printed."""
        return [(m.group(1), m.group(0)) for m in PANEL.finditer(self.result.stdout)]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    folder = tmp_path_factory.mktemp("demo")
    (folder / "regionwatch.toml").write_text(
        'database_url = "sqlite:///production.db"\n[slack]\nchannel = "#production"\n', encoding="utf-8"
    )
    env = {
        "REGIONWATCH_SLACK__CHANNEL": "#production",
        "REGIONWATCH_SLACK__API_URL": "http://127.0.0.1:9/api/",
        "REGIONWATCH_FETCH__DELAY": "5",
        "COLUMNS": "120",
    }
    database = folder / "kept.db"
    result = run_cli("demo", "--keep-db", str(database), cwd=folder, env=env, timeout=120)
    return Demo(result=result, folder=folder, database=database)


def test_the_demo_succeeds_without_configuration(demo: Demo) -> None:
    assert demo.result.returncode == 0, demo.result.stdout[-3000:] + demo.result.stderr
    assert "✗" not in demo.result.stdout
    assert not (demo.folder / "production.db").exists()
    assert "#production" not in demo.result.stdout


def test_openai_china_notice_alerted_once_with_its_date(demo: Demo) -> None:
    block = [text for _, text in demo.panels() if "openai: announcement (block)" in text]
    assert len(block) == 1
    assert "Effective: 2024-07-09" in block[0]
    assert "China (CN)" in block[0] and "Hong Kong" in block[0] and "Macao" in block[0]


def test_only_the_events_alert(demo: Demo) -> None:
    """No alert for the press echoes, the cosmetic edit, the bot wall or the broken selector."""
    panels = demo.panels()
    assert [channel for channel, _ in panels] == ["#demo", "#demo", "#demo", "#demo-ops"]
    assert "google gemini-api: availability changed" in panels[1][1]
    assert "anthropic: announcement (restrict)" in panels[2][1] and "Effective: 2025-09-04" in panels[2][1]
    assert not any("page text changed" in text for _, text in panels)
    assert "Slack received 4 messages (3 in #demo, 1 in #demo-ops)" in demo.result.stdout


def test_operator_notice_for_the_broken_selector(demo: Demo) -> None:
    channel, text = demo.panels()[-1]
    assert channel == "#demo-ops"
    assert "extractor for source anthropic-api-regions" in text and "looks broken (empty)" in text


def test_the_digest_is_written_where_it_says(demo: Demo) -> None:
    digest = demo.folder / "regionwatch-demo-digest.html"
    assert f"to {digest}" in " ".join(demo.result.stdout.split())
    html = digest.read_text("utf-8")
    assert "2024-W26" in html and "Blocking API traffic from unsupported regions" in html
    assert "anthropic-api-regions" in html  # source health: still suspect


def test_as_of_answers(demo: Demo) -> None:
    out = " ".join(demo.result.stdout.replace("│", " ").split())
    assert "Who served China (CN) on 2024-07-10?" in out
    assert "none of the providers watched; announced: openai block from 2024-07-09" in out
    assert "no: not on its list; announced: openai block from 2024-07-09" in out


def test_what_the_database_holds(demo: Demo) -> None:
    engine = make_engine(f"sqlite:///{demo.database}")
    try:
        with session_factory(engine)() as s:
            kinds = dict(s.execute(select(ChangeRow.kind, func.count()).group_by(ChangeRow.kind)).all())
            assert kinds == {"signal": 2, "availability": 1, "text": 2, "operator": 1}
            alerts = s.scalars(select(AlertRow)).all()
            assert len(alerts) == 4 and {a.status for a in alerts} == {"sent"}
            alerted = {s.get(ChangeRow, a.change_id).kind for a in alerts if a.change_id}  # type: ignore[union-attr]
            assert alerted == {"signal", "availability", "operator"}
            echoes = s.scalars(
                select(NewsItemRow).where(
                    NewsItemRow.source_id.in_(["press-zh", "press-id"]), NewsItemRow.signal.is_not(None)
                )
            ).all()
            assert len(echoes) == 2 and all((e.signal or {}).get("repeats_change") for e in echoes)
            assert s.scalar(select(func.count()).select_from(FetchRow).where(FetchRow.outcome == "blocked")) == 1
    finally:
        engine.dispose()
