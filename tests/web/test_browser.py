"""The pages rendered by a real headless Chromium: matrix, map colours, country timeline, change diff."""

from __future__ import annotations

from collections.abc import Iterator

import lxml.html
import pytest

from monitor.config import Settings
from monitor.store.engine import make_engine, session_factory
from monitor.web import worldmap
from monitor.web.app import create_app
from tests.dbs import SqliteDatabases
from tests.web.chromium import Browser, needs_chromium
from tests.web.scenario import AFTER, BEFORE, NOW, replay_story
from tests.web.server import serving

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def site(sqlite_dbs: SqliteDatabases) -> Iterator[str]:
    url = sqlite_dbs.migrated()
    engine = make_engine(url)
    replay_story(session_factory(engine))
    engine.dispose()
    with serving(create_app(Settings(database_url=url), clock=lambda: NOW)) as base:
        yield base


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Browser:
    return Browser(tmp_path_factory.mktemp("chromium-profile"))


def _texts(dom: lxml.html.HtmlElement, xpath: str) -> list[str]:
    return [" ".join(e.text_content().split()) for e in dom.xpath(xpath)]


def test_overview_renders_the_matrix(site: str, browser: Browser) -> None:
    dom = browser.dom(f"{site}/")
    (cell,) = dom.xpath('//table[@id="matrix"]//tr[@data-provider="acme"]/td[@data-product="api"]')
    assert cell.get("data-count") == "39" and "39" in cell.text_content()
    assert _texts(dom, '//table[@id="matrix"]//tr/th/a') == ["acme"]
    assert any("acme api: 2 removed, 1 added" in t for t in _texts(dom, "//table[contains(@class, 'changes')]//td"))
    browser.screenshot(f"{site}/", "overview.png")


def test_map_has_a_shape_per_country_coloured_by_the_data(site: str, browser: Browser) -> None:
    def states(as_of: str) -> dict[str, str]:
        dom = browser.dom(f"{site}/map/acme/api?as_of={as_of}")
        groups = dom.xpath('//svg[@class="worldmap"]//g[@data-code]')
        assert len(groups) == len(worldmap.geometry().paths)
        assert all(g.xpath("./path") for g in groups)
        return {g.get("data-code"): g.get("data-status") for g in groups}

    before, after = states(BEFORE), states(AFTER)
    assert (before["HK"], before["MO"], before["VN"]) == ("available", "available", "unavailable")
    assert (after["HK"], after["MO"], after["VN"]) == ("unavailable", "unavailable", "available")
    assert after["CN"] == "unavailable" and after["DE"] == "available"
    assert sum(s == "available" for s in after.values()) == 39
    shot = browser.screenshot(f"{site}/map/acme/api?as_of={AFTER}", "map-acme-api-after.png")
    assert shot.stat().st_size > 20_000  # a drawn map, not a blank page


def test_country_page_tells_who_serves_it(site: str, browser: Browser) -> None:
    hk = browser.dom(f"{site}/country/HK")
    assert "No watched provider serves" in _texts(hk, '//*[@id="serving"]')[0]
    assert any("HK MO" in t for t in _texts(hk, '//*[@id="timeline"]//td[@class="removed"]'))
    vn = browser.dom(f"{site}/country/VN")
    assert _texts(vn, '//ul[@id="serving"]/li')[0].startswith("acme api since 2024-07-09")


def test_change_page_shows_the_diff(site: str, browser: Browser) -> None:
    dom = browser.dom(f"{site}/change/1")
    assert _texts(dom, '//*[@id="removed"]//li') == ["HK Hong Kong SAR China", "MO Macao SAR China"]
    assert _texts(dom, '//*[@id="added"]//li') == ["VN Vietnam"]
    assert [t.strip() for t in _texts(dom, '//*[@id="words"]/del')] == ["Hong Kong", "Macao"]
    assert [t.strip() for t in _texts(dom, '//*[@id="words"]/ins')] == ["Vietnam"]
    assert "-Hong Kong" in _texts(dom, '//pre[@id="lines"]/span[@class="del"]')
    assert "+Vietnam" in _texts(dom, '//pre[@id="lines"]/span[@class="add"]')
    browser.screenshot(f"{site}/change/1", "change.png", size="1280,2000")

