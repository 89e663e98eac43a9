"""Every page rendered by a real headless Chromium at 1366 and 390 px: layout, answers, map, axe-core.

Screenshots of each page at both widths go to test-artifacts/ (git-ignored) for a reviewer to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import lxml.html
import pytest

from monitor.config import Settings
from monitor.query import history
from monitor.query.filters import moment
from monitor.store.engine import make_engine, session_factory
from monitor.web import worldmap
from monitor.web.app import create_app
from tests.dbs import SqliteDatabases
from tests.web.chromium import Browser, needs_chromium
from tests.web.probe import AXE, Probe
from tests.web.scenario import AFTER, BEFORE, NOW, replay_story
from tests.web.server import serving

pytestmark = needs_chromium

WIDTHS = (1366, 390)
PAGES = {
    "overview": "/",
    "overview-then": f"/?as_of={BEFORE}",
    "changes": "/changes",
    "changes-empty": "/changes?window=7d",
    "map": f"/map/acme/api?as_of={AFTER}",
    "map-compare": f"/map/acme/api?as_of={AFTER}&compare={BEFORE}",
    "country-hk-before": f"/country/HK?as_of={BEFORE}",
    "country-hk": "/country/HK",
    "country-cn": "/country/CN",
    "ask": f"/ask?provider=acme&product=api&country=HK&at={AFTER}",
    "provider": "/provider/acme",
    "change": "/change/1",
}


@pytest.fixture(scope="module")
def story_url(sqlite_dbs: SqliteDatabases) -> str:
    url = sqlite_dbs.migrated()
    engine = make_engine(url)
    replay_story(session_factory(engine))
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def site(story_url: str) -> Iterator[str]:
    with serving(Probe(create_app(Settings(database_url=story_url), clock=lambda: NOW))) as base:  # type: ignore[arg-type]
        yield base


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Browser:
    return Browser(tmp_path_factory.mktemp("chromium-profile"))


@pytest.fixture(scope="module")
def rendered(site: str, browser: Browser) -> dict[tuple[str, int], tuple[lxml.html.HtmlElement, dict[str, Any]]]:
    """Every page at every width, rendered once (each is a Chromium process: the 2-core budget)."""
    return {(name, width): browser.probe(site + path, width=width) for name, path in PAGES.items() for width in WIDTHS}


def _texts(dom: lxml.html.HtmlElement, xpath: str) -> list[str]:
    return [" ".join(e.text_content().split()) for e in dom.xpath(xpath)]


def test_no_page_scrolls_sideways(rendered: dict[tuple[str, int], tuple[Any, dict[str, Any]]]) -> None:
    for (name, width), (_dom, measured) in rendered.items():
        assert measured["innerWidth"] == width, (name, measured)
        assert measured["scrollWidth"] <= measured["innerWidth"], (name, width, measured)


@pytest.mark.skipif(not AXE.is_file(), reason="axe-core not fetched: run `make test-assets` (npm)")
def test_axe_finds_no_serious_violation(rendered: dict[tuple[str, int], tuple[Any, dict[str, Any]]]) -> None:
    serious = [
        (name, width, v["id"], v["targets"])
        for (name, width), (_dom, measured) in rendered.items()
        for v in measured["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []


def test_screenshots_of_every_page_at_both_widths(site: str, browser: Browser) -> None:
    for name, path in PAGES.items():
        for width in WIDTHS:
            shot = browser.screenshot(
                site + path, f"{name}-{width}.png", size=f"{width},{1600 if width > 400 else 2400}"
            )
            assert shot.stat().st_size > 10_000


def test_overview_renders_the_matrix_as_of(rendered: dict[tuple[str, int], tuple[Any, dict[str, Any]]]) -> None:
    dom, _ = rendered["overview", 1366]
    (cell,) = dom.xpath('//table[@id="matrix"]//tr[@data-provider="acme"]/td[@data-product="api"]')
    assert cell.get("data-count") == "39" and "−2" in cell.text_content() and "+1" in cell.text_content()
    assert any("acme api: 2 removed, 1 added" in t for t in _texts(dom, '//table[@id="latest"]//td'))
    then, _ = rendered["overview-then", 1366]
    (cell,) = then.xpath('//table[@id="matrix"]//tr[@data-provider="acme"]/td[@data-product="api"]')
    assert cell.get("data-count") == "40" and "−" not in cell.text_content()
    assert _texts(then, '//*[@id="no-moves"]') and not then.xpath('//table[@id="latest"]')  # nothing before it


def test_changes_window_and_its_empty_state(rendered: dict[tuple[str, int], tuple[Any, dict[str, Any]]]) -> None:
    dom, _ = rendered["changes", 1366]
    rows = dom.xpath('//table[@id="changes"]/tbody/tr')
    assert len(rows) == 1 and "− HK MO" in _texts(dom, '//table[@id="changes"]//td[@class="codes"]')[0]
    assert _texts(dom, '//*[@id="held-empty"]') == ["No change is held for review."]
    empty, _ = rendered["changes-empty", 1366]
    assert not empty.xpath('//table[@id="changes"]')
    assert "Nothing changed between 2024-07-25 and 2024-08-01" in " ".join(_texts(empty, '//p[@class="empty"]'))


def test_map_tells_listed_removed_and_unlisted_apart(
    rendered: dict[tuple[str, int], tuple[Any, dict[str, Any]]],
) -> None:
    dom, measured = rendered["map", 1366]
    groups = dom.xpath('//svg[@class="worldmap"]//g[@data-code]')
    assert len(groups) == len(worldmap.geometry().paths)
    states = {g.get("data-code"): g.get("data-status") for g in groups}
    assert (states["HK"], states["MO"], states["VN"], states["CN"]) == (
        "unavailable",
        "unavailable",
        "available",
        "unlisted",
    )
    assert sum(s == "available" for s in states.values()) == 39
    assert measured["tabStops"] < 120  # the map's 200 shapes are not tab stops
    compare, _ = rendered["map-compare", 1366]
    states = {g.get("data-code"): g.get("data-status") for g in compare.xpath("//svg//g[@data-code]")}
    assert (states["HK"], states["MO"], states["VN"], states["DE"]) == ("removed", "removed", "added", "available")
    assert "added VN Vietnam" in _texts(compare, '//*[@id="compare"]')[0]


def test_country_page_and_ask_answer_as_the_command_does(
    rendered: dict[tuple[str, int], tuple[Any, dict[str, Any]]], story_url: str
) -> None:
    sessions = session_factory(make_engine(story_url, read_only=True))
    cases = {
        "country-hk-before": ("HK", BEFORE, "available"),
        "country-hk": ("HK", None, "unavailable"),
        "country-cn": ("CN", None, "unlisted"),
        "ask": ("HK", AFTER, "unavailable"),
    }
    for page, (code, day, state) in cases.items():
        dom, _ = rendered[page, 1366]
        (section,) = dom.xpath('//section[@data-provider="acme"][@data-product="api"]')
        listed = history.availability(sessions, at=moment(day, now=NOW), provider="acme", country=code)
        assert section.get("data-state") == state and (state == "available") == bool(listed), page
        sentence = _texts(section, './/p[@class="sentence"]')[0]
        assert sentence.startswith("Yes:" if listed else "No:"), (page, sentence)
        if page != "ask":
            bars = section.xpath('.//svg[@class="timeline"]/rect[@class="tl-available"]')
            assert len(bars) == (1 if code == "HK" else 0), page
    before, _ = rendered["country-hk-before", 1366]
    assert "listed since 2024-06-01" in _texts(before, '//p[@class="sentence"]')[0]
    after, _ = rendered["country-hk", 1366]
    assert "removed from its list on 2024-07-09" in _texts(after, '//p[@class="sentence"]')[0]
    sessions.kw["bind"].dispose()


def test_change_page_shows_the_diff(rendered: dict[tuple[str, int], tuple[Any, dict[str, Any]]]) -> None:
    dom, _ = rendered["change", 1366]
    assert _texts(dom, '//*[@id="removed"]//li') == ["HK Hong Kong SAR China", "MO Macao SAR China"]
    assert _texts(dom, '//*[@id="added"]//li') == ["VN Vietnam"]
    assert [t.strip() for t in _texts(dom, '//*[@id="words"]/del')] == ["Hong Kong", "Macao"]
    assert [t.strip() for t in _texts(dom, '//*[@id="words"]/ins')] == ["Vietnam"]
    assert "-Hong Kong" in _texts(dom, '//pre[@id="lines"]/span[@class="del"]')
    assert "+Vietnam" in _texts(dom, '//pre[@id="lines"]/span[@class="add"]')
