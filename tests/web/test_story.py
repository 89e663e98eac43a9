"""Done when: after acme drops HK and MO and adds VN, every view tells the same story.

The command line (availability before and after, history of HK), the web overview, the country
pages and the JSON API agree, on SQLite and PostgreSQL; and the API refuses to be written to.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import lxml.html
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import Settings
from monitor.web.app import create_app
from tests.cli.helpers import run_cli
from tests.replay import CATALOG_TOML
from tests.web.scenario import AFTER, BEFORE, NOW, replay_story
from tests.web.server import serving


def test_every_view_tells_the_same_story(tmp_path: Path, db_url: str, sessions: sessionmaker[Session]) -> None:
    replay_story(sessions)
    catalog = tmp_path / "sources.toml"
    catalog.write_text(CATALOG_TOML)
    env = {"REGIONWATCH_DATABASE_URL": db_url, "REGIONWATCH_SOURCES": str(catalog)}

    def cli(*args: str) -> list[dict[str, object]]:
        result = run_cli(*args, "--format", "json", cwd=tmp_path, env=env)
        assert result.returncode == 0, result.stderr
        rows: list[dict[str, object]] = json.loads(result.stdout)
        return rows

    before = {r["country"] for r in cli("availability", "--as-of", BEFORE, "--provider", "acme")}
    after = {r["country"] for r in cli("availability", "--as-of", AFTER, "--provider", "acme")}
    assert before - after == {"HK", "MO"} and after - before == {"VN"}
    (hk,) = cli("history", "--country", "HK")
    assert str(hk["valid_to"]).startswith("2024-07-09") and str(hk["ended_by"]).startswith("change ")

    with serving(create_app(Settings(database_url=db_url), clock=lambda: NOW)) as base:
        overview = lxml.html.fromstring(httpx.get(f"{base}/").text)
        (cell,) = overview.xpath('//tr[@data-provider="acme"]/td[@data-product="api"]')
        assert cell.get("data-count") == str(len(after))
        then = lxml.html.fromstring(httpx.get(f"{base}/", params={"as_of": BEFORE}).text)
        assert then.xpath('//tr[@data-provider="acme"]/td[@data-product="api"]')[0].get("data-count") == str(
            len(before)
        )
        hk_page = lxml.html.fromstring(httpx.get(f"{base}/country/HK").text)
        assert [s.get("data-state") for s in hk_page.xpath('//section[@data-provider="acme"]')] == ["unavailable"]
        hk_then = lxml.html.fromstring(httpx.get(f"{base}/country/HK", params={"as_of": BEFORE}).text)
        assert [s.get("data-state") for s in hk_then.xpath('//section[@data-provider="acme"]')] == ["available"]
        vn_page = lxml.html.fromstring(httpx.get(f"{base}/country/VN").text)
        assert [s.get("data-state") for s in vn_page.xpath('//section[@data-provider="acme"]')] == ["available"]
        for day, code in ((BEFORE, "HK"), (AFTER, "HK"), (BEFORE, "VN"), (AFTER, "VN")):
            listed = cli("availability", "--as-of", day, "--provider", "acme", "--country", code)
            (answer,) = httpx.get(f"{base}/api/ask", params={"provider": "acme", "country": code, "at": day}).json()
            assert (answer["state"] == "available") == bool(listed), (day, code)
            assert answer["sentence"].startswith("Yes:" if listed else "No:")
        api = httpx.get(f"{base}/api/availability", params={"country": "VN"}).json()
        assert [(r["provider"], r["product"], r["country"]) for r in api] == [("acme", "api", "VN")]
        assert api == cli("availability", "--country", "VN", "--as-of", NOW.isoformat())
        for path in ("/api/availability", "/api/history", "/api/changes", "/api/sources"):
            assert httpx.post(f"{base}{path}", json={"country": "HK"}).status_code == 405
