"""The JSON API, the feed and the guards, over real HTTP to uvicorn on loopback (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import feedparser
import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import Settings
from monitor.query import history
from monitor.store.availability import open_codes
from monitor.store.changes import record_change
from monitor.store.engine import transaction
from monitor.types import Change, ChangeKind
from monitor.web.app import create_app
from monitor.web.context import WebContext
from tests.pages import FORTY
from tests.pages import page as list_page
from tests.replay import Replayer
from tests.web.scenario import NOW, replay_story
from tests.web.server import serving

API_PATHS = [
    "/api/availability",
    "/api/history",
    "/api/changes",
    "/api/changes/1",
    "/api/sources",
    "/api/ask",
    "/openapi.json",
]


@pytest.fixture
def story(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    replay_story(sessions)
    return sessions


@pytest.fixture
def base(db_url: str, story: sessionmaker[Session]) -> Iterator[str]:
    with serving(create_app(Settings(database_url=db_url), clock=lambda: NOW)) as url:
        yield url


def _json(rows: Any) -> Any:
    """What ``--format json`` prints for the same rows."""
    return json.loads(json.dumps(rows, default=lambda v: v.isoformat()))


def test_availability_mirrors_the_command(base: str, story: sessionmaker[Session]) -> None:
    vn = httpx.get(f"{base}/api/availability", params={"country": "VN"})
    assert vn.status_code == 200 and vn.headers["content-type"] == "application/json"
    assert vn.json() == _json(history.availability(story, at=NOW, country="VN"))
    assert [r["country"] for r in vn.json()] == ["VN"] and vn.json()[0]["valid_to"] is None
    before = httpx.get(f"{base}/api/availability", params={"country": "香港", "as_of": "2024-07-08"}).json()
    assert [(r["provider"], r["country"], r["valid_to"]) for r in before] == [
        ("acme", "HK", "2024-07-09T00:00:00+00:00")
    ]
    assert httpx.get(f"{base}/api/availability", params={"country": "HK", "as_of": "2024-07-10"}).json() == []
    assert len(httpx.get(f"{base}/api/availability", params={"provider": "acme", "product": "api"}).json()) == 39


def test_history_changes_and_sources(base: str, story: sessionmaker[Session]) -> None:
    (hk,) = httpx.get(f"{base}/api/history", params={"country": "Hong Kong"}).json()
    assert hk["valid_to"].startswith("2024-07-09") and hk["closed_by_change_id"] is not None
    assert httpx.get(f"{base}/api/history").json() == _json(history.intervals(story))
    (change,) = httpx.get(f"{base}/api/changes", params={"since": "2024-07-01", "kind": "availability"}).json()
    assert change["removed"] == ["HK", "MO"] and change["added"] == ["VN"]
    assert httpx.get(f"{base}/api/changes", params={"since": "7d"}).json() == []  # 7 days before NOW
    assert len(httpx.get(f"{base}/api/changes", params={"limit": "1"}).json()) == 1
    detail = httpx.get(f"{base}/api/changes/{change['id']}").json()
    assert "+Vietnam" in detail["diff"]["lines"] and detail["names"]["MO"].startswith("Macao")
    (source,) = httpx.get(f"{base}/api/sources").json()
    assert source["id"] == "acme-api" and source["last_change_id"] == change["id"]


def test_bad_parameters_are_400_with_the_reason(base: str) -> None:
    cases = {
        "/api/availability?as_of=yesterday-ish": "bad date",
        "/api/availability?country=Korea": "ambiguous",
        "/api/history?country=Atlantis": "unknown country",
        "/api/changes?kind=rumour": "unknown kind",
        "/api/changes?limit=0": "limit",
    }
    for path, reason in cases.items():
        response = httpx.get(base + path)
        assert response.status_code == 400, path
        assert reason in response.json()["error"], path
    missing = httpx.get(f"{base}/api/changes/999")
    assert missing.status_code == 404 and missing.json() == {"error": "no change 999"}


def test_writes_are_refused_everywhere(base: str) -> None:
    with httpx.Client(base_url=base) as client:
        for path in [*API_PATHS, "/", "/feed.xml", "/change/1", "/static/style.css", "/no/such/path"]:
            for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
                response = client.request(method, path, content=b"{}")
                assert response.status_code == 405, (method, path)
                assert response.headers["allow"] == "GET, HEAD"
        assert client.head("/api/sources").status_code == 200


def test_the_database_is_opened_read_only(db_url: str, story: sessionmaker[Session]) -> None:
    app = create_app(Settings(database_url=db_url))
    web: WebContext = app.state.web
    with web.sessions() as session, pytest.raises(DBAPIError, match=r"(?i)read.?only"):
        session.execute(text("CREATE TABLE intruder (x INTEGER)"))
    with web.sessions() as session:
        assert session.execute(text("SELECT count(*) FROM availability")).scalar_one() == 41
    web.sessions.kw["bind"].dispose()


def test_openapi_describes_every_api_route(base: str) -> None:
    doc = httpx.get(f"{base}/openapi.json").json()
    assert doc["openapi"].startswith("3.1") and doc["servers"] == [{"url": base}]
    assert set(doc["paths"]) == {p for p in API_PATHS if p.startswith("/api/") and p != "/api/changes/1"} | {
        "/api/changes/{change_id}"
    }
    for path, item in doc["paths"].items():
        assert list(item) == ["get"]
        response = httpx.get(base + path.replace("{change_id}", "1"), params={"country": "HK"})
        assert response.status_code == 200, path
        expected = item["get"]["responses"]["200"]["content"]["application/json"]["schema"]["type"]
        assert isinstance(response.json(), list if expected == "array" else dict), path


def test_bearer_token(db_url: str, story: sessionmaker[Session]) -> None:
    settings = Settings(database_url=db_url, web={"token": "s3cret-token"})
    with serving(create_app(settings, clock=lambda: NOW)) as url:
        assert httpx.get(f"{url}/api/sources").status_code == 401
        assert httpx.get(f"{url}/").headers["www-authenticate"] == "Bearer"
        assert httpx.get(f"{url}/api/sources", headers={"Authorization": "Bearer wrong"}).status_code == 401
        good = {"Authorization": "Bearer s3cret-token"}
        assert httpx.get(f"{url}/api/sources", headers=good).status_code == 200
        assert httpx.get(f"{url}/", headers=good).status_code == 200
        assert httpx.post(f"{url}/api/sources", headers=good).status_code == 405


def test_feed_is_atom(base: str) -> None:
    response = httpx.get(f"{base}/feed.xml")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo and feed.version == "atom10"
    (entry,) = feed.entries
    assert entry.title == "acme api: 2 removed, 1 added" and entry.link.startswith(f"{base}/change/")
    assert "removed HK (Hong Kong" in entry.summary and "added VN (Vietnam)" in entry.summary


def test_untrusted_text_is_escaped_and_only_http_links(db_url: str, story: sessionmaker[Session]) -> None:
    hostile = Change(
        kind=ChangeKind.TEXT,
        source_id="acme-api",
        provider="acme",
        product="api",
        title='<script>alert("t")</script> & co',
        url="javascript:alert(1)",
        diff={
            "lines": "-<b>old</b>\n+<img src=x onerror=alert(2)>",
            "words": [[-1, "<i>gone</i>"], [1, "<img src=y onerror=alert(3)>"]],
        },
    )
    with transaction(story) as s:
        change_id = record_change(s, hostile, routes=(), detected_at=NOW).id
    with serving(create_app(Settings(database_url=db_url), clock=lambda: NOW)) as url:
        pages = [httpx.get(f"{url}{p}").text for p in (f"/change/{change_id}", "/", "/provider/acme", "/feed.xml")]
    for page in pages:
        assert "<script>alert" not in page and "<img src=" not in page and 'href="javascript:' not in page
    change_page = pages[0]
    assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt; &amp; co" in change_page
    assert "<del>&lt;i&gt;gone&lt;/i&gt;</del>" in change_page
    assert "<li>javascript:alert(1)</li>" in change_page  # shown as text, never as a link
    assert 'href="https://acme.example/countries"' in pages[2]  # http(s) URLs are links


def test_pages_answer_and_carry_security_headers(base: str) -> None:
    for path in ("/", "/map/acme/api", "/country/VN", "/provider/acme", "/change/1", "/static/style.css"):
        response = httpx.get(base + path)
        assert response.status_code == 200, path
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
    named = httpx.get(f"{base}/country/Hong Kong", follow_redirects=False)
    assert named.status_code == 307 and named.headers["location"].endswith("/country/HK")
    for path, status in {
        "/country/Atlantis": 404,
        "/provider/nobody": 404,
        "/change/999": 404,
        "/nope": 404,
        "/?as_of=soon": 400,
    }.items():
        response = httpx.get(base + path)
        assert response.status_code == status and "text/html" in response.headers["content-type"], path


def test_held_changes_are_listed_read_only(db_url: str, sessions: sessionmaker[Session]) -> None:
    """A cut list read after the story: held as damage, listed by /api/held and /held, applied nowhere."""
    replayer = Replayer(sessions)
    replayer.observe(list_page(FORTY), NOW - timedelta(days=2))
    replayer.observe(list_page(FORTY[:-4]), NOW - timedelta(days=1))  # the last four cut off: a cut run
    with serving(create_app(Settings(database_url=db_url), clock=lambda: NOW)) as url:
        (held,) = httpx.get(f"{url}/api/held").json()
        assert held["reason"] == "cut_run" and held["damage"] is True and held["status"] == "held"
        assert held["removed"] == ["ES", "SE", "TR", "ZA"] and held["added"] == []
        html = httpx.get(f"{url}/held")
        assert html.status_code == 200 and "cut_run" in html.text and "regionwatch held accept" in html.text
        assert httpx.post(f"{url}/held").status_code == 405
        assert httpx.get(f"{url}/api/held", params={"all": "1"}).json() == [held]
    with sessions() as s:
        assert len(open_codes(s, "acme", "api") or ()) == 40


def test_a_browser_signs_in_once_while_the_api_keeps_the_bearer(db_url: str, story: sessionmaker[Session]) -> None:
    settings = Settings(database_url=db_url, web={"token": "s3cret-token"})
    html = {"Accept": "text/html"}
    with serving(create_app(settings, clock=lambda: NOW)) as url, httpx.Client(base_url=url) as browser:
        sent = browser.get("/country/HK?as_of=2024-07-08", headers=html)
        assert (
            sent.status_code == 303 and sent.headers["location"] == "/signin?next=%2Fcountry%2FHK%3Fas_of%3D2024-07-08"
        )
        assert browser.get(sent.headers["location"], headers=html).status_code == 200
        wrong = browser.post("/signin", data={"token": "nope", "next": "/"}, headers=html)
        assert wrong.status_code == 401 and "not right" in wrong.text and not browser.cookies
        evil = browser.post("/signin", data={"token": "s3cret-token", "next": "//evil.example/"}, headers=html)
        assert evil.status_code == 303 and evil.headers["location"] == "/"
        cookie = evil.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "s3cret-token" not in cookie
        assert browser.get("/country/HK", headers=html).status_code == 200  # the cookie now
        assert browser.get("/changes", headers=html).status_code == 200
        assert browser.put("/signin", data={"token": "s3cret-token"}).status_code == 405
        assert httpx.get(f"{url}/api/sources", headers=html).status_code == 401  # no cookie, no bearer
        assert httpx.get(f"{url}/api/sources", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200


def test_the_feed_links_to_the_public_url(db_url: str, story: sessionmaker[Session]) -> None:
    settings = Settings(database_url=db_url, web={"public_url": "https://rw.example.com/"})
    with serving(create_app(settings, clock=lambda: NOW)) as url:
        feed = feedparser.parse(httpx.get(f"{url}/feed.xml").content)
    assert feed.entries[0].link.startswith("https://rw.example.com/change/")


def test_ask_answers_in_one_sentence(base: str) -> None:
    (before,) = httpx.get(f"{base}/api/ask", params={"provider": "acme", "country": "香港", "at": "2024-07-08"}).json()
    assert before["state"] == "available" and before["sentence"].startswith("Yes: acme api in Hong Kong")
    (after,) = httpx.get(f"{base}/api/ask", params={"country": "HK", "at": "2024-07-10"}).json()
    assert after["state"] == "unavailable" and "removed from its list on 2024-07-09" in after["sentence"]
    (never,) = httpx.get(f"{base}/api/ask", params={"country": "CN"}).json()
    assert never["state"] == "unlisted" and never["sentence"].startswith("No:")
    (early,) = httpx.get(f"{base}/api/ask", params={"country": "HK", "at": "2024-01-01"}).json()
    assert early["state"] == "unwatched" and early["sentence"].startswith("Unknown:")
    assert httpx.get(f"{base}/api/ask").status_code == 400
    page = httpx.get(f"{base}/ask", params={"provider": "acme", "country": "HK", "at": "2024-07-10"}).text
    assert "No: acme api in Hong Kong SAR China (HK) on 2024-07-10" in page


def test_changes_page_filters_and_search(base: str) -> None:
    assert "acme api: 2 removed, 1 added" in httpx.get(f"{base}/changes", params={"country": "MO"}).text
    assert "Nothing changed" in httpx.get(f"{base}/changes", params={"country": "FR"}).text
    assert "Nothing changed" in httpx.get(f"{base}/changes", params={"severity": "high", "kind": "text"}).text
    assert "acme api: 2 removed" in httpx.get(f"{base}/changes", params={"since": "2024-07-01"}).text
    assert "Nothing changed" in httpx.get(f"{base}/changes", params={"as_of": "2024-07-01"}).text
    assert httpx.get(f"{base}/changes", params={"window": "2w"}).status_code == 400
    found = httpx.get(f"{base}/country", params={"q": "Hong Kong"}, follow_redirects=False)
    assert found.status_code == 303 and found.headers["location"].endswith("/country/HK")
    assert httpx.get(f"{base}/country", params={"q": "Atlantis"}).status_code == 400
    svg = httpx.get(f"{base}/map.svg")
    assert svg.headers["content-type"] == "image/svg+xml" and "max-age" in svg.headers["cache-control"]


def test_a_product_resting_on_a_held_source_carries_a_banner(db_url: str, story: sessionmaker[Session]) -> None:
    from monitor.store.models import SourceRow

    with transaction(story) as s:
        row = s.get(SourceRow, "acme-api")
        assert row is not None
        row.last_fetch_at = row.last_success_at = NOW
        row.suspect_since, row.suspect_reason = NOW, "collapse"
    with serving(create_app(Settings(database_url=db_url), clock=lambda: NOW)) as url:
        for path in ("/country/VN", "/map/acme/api", "/provider/acme", "/ask?country=VN"):
            page = httpx.get(url + path).text
            assert "Check before relying on this:" in page and "held as suspect (collapse)" in page, path
        assert httpx.get(f"{url}/api/sources").json()[0]["health"] == "suspect"


def test_tables_are_downloadable_as_csv(base: str) -> None:
    import csv
    import io

    response = httpx.get(f"{base}/api/availability", params={"country": "VN", "format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    (row,) = list(csv.DictReader(io.StringIO(response.text)))
    assert (row["provider"], row["country"], row["valid_from"]) == ("acme", "VN", "2024-07-09T00:00:00+00:00")
    changes = list(csv.DictReader(io.StringIO(httpx.get(f"{base}/api/changes?format=csv").text)))
    assert changes[0]["removed"] == "HK MO" and "diff" not in changes[0]
    assert httpx.get(f"{base}/api/sources?format=xml").status_code == 400
    for path in ("/", "/changes", "/country/HK", "/map/acme/api", "/provider/acme"):
        assert "format=csv" in httpx.get(base + path).text, path


def test_the_map_page_stays_light(base: str) -> None:
    page = httpx.get(f"{base}/map/acme/api", headers={"accept-encoding": "identity"})
    assert page.status_code == 200 and len(page.content) < 200_000  # was 796 KB of inline SVG
    zipped = httpx.get(f"{base}/map/acme/api", headers={"accept-encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip" and int(zipped.headers["content-length"]) < 60_000


def test_a_month_and_an_ownership_restriction_read_as_such_on_the_change_page(
    db_url: str, sessions: sessionmaker[Session]
) -> None:
    """The web view words a month-precision, ownership-scope signal as the messages do."""
    with transaction(sessions) as s:
        change = Change(
            kind=ChangeKind.SIGNAL,
            source_id=None,
            provider="anthropic",
            countries=("CN",),
            action="restrict",
            effective_date=date(2025, 9, 1),
            effective_precision="month",
            scope="ownership",
            title="Anthropic restricts companies majority-owned from China",
        )
        row = record_change(s, change, routes=(), detected_at=NOW)
        s.flush()
        change_id = row.id
    with serving(create_app(Settings(database_url=db_url), clock=lambda: NOW)) as url:
        page = httpx.get(f"{url}/change/{change_id}").text
        api = httpx.get(f"{url}/api/changes/{change_id}").json()
    assert "September 2025" in page and "2025-09-01" not in page
    assert "companies owned or controlled from these countries" in page and "Companies owned from" in page
    assert (api["effective_precision"], api["scope"]) == ("month", "ownership")
