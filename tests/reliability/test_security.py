"""Issue 9, nobody in: secrets never printed, only catalog URLs fetched, no non-HTTP redirects.

Covered elsewhere and cited in docs/reliability.md, not repeated: the web view refuses writes
(tests/web/test_api.py::test_writes_are_refused_everywhere, tests/cli/test_serve_cli.py::
test_serve_answers_on_loopback_and_refuses_writes); Scrapy's telnet console and remote control
off (tests/fetch/test_settings.py::test_defaults_are_polite_and_the_back_doors_are_shut); CSV
formulas neutralised (tests/cli/test_query_cli.py::test_changes_json_and_csv); scraped
``<!channel>`` escaped (tests/notify/test_render.py::test_web_text_arrives_inert,
tests/cli/test_alerts_cli.py::test_scraped_mentions_and_links_arrive_escaped); redirects to
private addresses (tests/fetch/test_middleware.py::test_a_public_source_may_not_be_redirected_to_a_private_address).
"""

from __future__ import annotations

import socket
from pathlib import Path

from sqlalchemy import select

from monitor.config import FetchSettings
from monitor.fetch.settings import scrapy_settings
from monitor.store.models import AlertRow, FetchRow, SnapshotRow
from tests.fakes.slack import FakeSlack, Fault
from tests.fetch.conftest import Crawler, page
from tests.fetch.server import LocalServer
from tests.pages import FORTY
from tests.pages import page as html_page

TOKEN = "xoxb-SECRET-123"
PASSWORD = "pw-SECRET-456"
WEB_TOKEN = "web-SECRET-789"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _catalog(site: LocalServer, crawler: Crawler) -> None:
    crawler.catalog_path.write_text(
        f"""
[[source]]
id = "acme-api"
kind = "page"
url = "{site.url("/countries")}"
provider = "acme"
product = "api"
[source.availability]
select = "ul.countries li"
exclude = ["nav", "footer"]

[[route]]
slack_channel = "#ai-access"
email = ["ops@example.com"]
""",
        encoding="utf-8",
    )


def test_secrets_never_reach_output_logs_or_the_database(site: LocalServer, crawler: Crawler) -> None:
    _catalog(site, crawler)
    site.set("/countries", html_page(FORTY))
    assert crawler.run("crawl", "--all").returncode == 0
    site.set("/countries", html_page(FORTY[:-1]))
    outputs: list[str] = []
    with FakeSlack() as slack:
        slack.script("chat.postMessage", *[Fault(status=500)] * 3, Fault(error="invalid_auth"))
        env = {
            "REGIONWATCH_SLACK__TOKEN": TOKEN,
            "REGIONWATCH_SLACK__API_URL": slack.api_url,
            "REGIONWATCH_SMTP__HOST": "127.0.0.1",
            "REGIONWATCH_SMTP__PORT": str(_free_port()),
            "REGIONWATCH_SMTP__USERNAME": "regionwatch",
            "REGIONWATCH_SMTP__PASSWORD": PASSWORD,
            "REGIONWATCH_SMTP__SECURITY": "none",
            "REGIONWATCH_DIGEST__RECIPIENTS": "ops@example.com",
            "REGIONWATCH_WEB__TOKEN": WEB_TOKEN,
            "REGIONWATCH_SLACK__BACKOFF": "0",
        }
        commands = [
            ("--debug", "crawl", "--all"),
            ("--debug", "alerts", "dispatch"),
            ("--debug", "alerts", "dispatch"),
            ("--debug", "alerts", "list", "--format", "json"),
            ("--debug", "run", "--once"),
            ("--debug", "digest", "send"),
            ("--debug", "sources", "list"),
        ]
        for args in commands:
            result = crawler.run(*args, env=env)
            outputs += [result.stdout, result.stderr]
        bad = crawler.run("--debug", "alerts", "list", env={**env, "REGIONWATCH_SLACK__TIMEOUT": "soon"})
        assert bad.returncode != 0
        outputs += [bad.stdout, bad.stderr]
        unreachable = {**env, "REGIONWATCH_SLACK__API_URL": f"http://127.0.0.1:{_free_port()}/api/"}
        result = crawler.run("--debug", "alerts", "dispatch", env=unreachable)
        outputs += [result.stdout, result.stderr]
        assert slack.requests("chat.postMessage"), "Slack was never tried"
    with crawler.engine.connect() as conn:
        outputs += [str(e) for e in conn.scalars(select(AlertRow.last_error))]
    outputs += [p.read_text("utf-8", "replace") for p in Path(crawler.workdir).rglob("*.log")]
    text = "\n".join(outputs)
    assert "Traceback" in text or "DEBUG" in text or "debug" in text.lower()  # --debug was on
    assert "error" in text.lower()  # the failures were reported
    for secret in (TOKEN, PASSWORD, WEB_TOKEN, "SECRET"):
        assert secret not in text, secret


def test_only_catalog_urls_are_fetched_and_odd_schemes_refused(site: LocalServer, crawler: Crawler) -> None:
    site.set("/countries", html_page(FORTY))  # its nav links /home, /docs, /pricing are never followed
    site.redirect("/to-file", "file:///etc/passwd")
    site.redirect("/to-data", "data:text/html,<ul class='countries'><li>France</li></ul>")
    site.redirect("/to-js", "javascript:alert(1)")
    crawler.catalog(
        page("list", site.url("/countries")),
        page("file", site.url("/to-file")),
        page("data", site.url("/to-data")),
        page("js", site.url("/to-js")),
    )
    rows = {r["source"]: r for r in crawler.json("crawl", "--all")}
    assert rows["list"]["outcome"] == "changed"
    assert (rows["file"]["outcome"], rows["data"]["outcome"]) == ("http_4xx", "http_4xx")
    assert rows["js"]["outcome"] == "connect"  # refused before any request; classed oddly (see docs)
    assert {h.path for h in site.hits()} <= {"/robots.txt", "/countries", "/to-file", "/to-data", "/to-js"}
    with crawler.engine.connect() as conn:
        snap_sources = set(conn.scalars(select(SnapshotRow.source_id)))
        final_urls = set(conn.scalars(select(FetchRow.final_url)))
    assert snap_sources == {"list"}
    assert all(u is None or u.startswith("http://127.0.0.1") for u in final_urls), final_urls


def test_the_crawler_has_no_back_doors_even_when_tuned() -> None:
    s = scrapy_settings(FetchSettings(delay=0, retries=0, allow_private=True))
    assert s["TELNETCONSOLE_ENABLED"] is False and s["REMOTE_CONTROL_ENABLED"] is False
    assert s["COOKIES_ENABLED"] is False
