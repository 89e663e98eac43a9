"""The catalog: the bundled one validates; every problem names file, entry and key."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from monitor.errors import CatalogError
from monitor.sources.catalog import load_catalog, parse_catalog
from monitor.types import SourceKind

GOOD = """
[[source]]
id = "openai-api-countries"
kind = "page"
url = "https://developers.openai.com/api/docs/supported-countries"
provider = "OpenAI"
product = "api"
every = "6h"
[source.availability]
select = "main li"
exclude = ["nav", "footer"]

[[source]]
id = "openai-news"
kind = "feed"
url = "https://openai.com/news/rss.xml"
provider = "openai"
every = "1h"

[[route]]
providers = ["openai", "anthropic"]
countries = ["cn", "HK", "MO"]
slack_channel = "#ai-access"
"""


def test_bundled_catalog_validates() -> None:
    catalog = load_catalog()
    assert catalog.sources
    assert len({s.id for s in catalog.sources}) == len(catalog.sources)


def test_parse_good_catalog() -> None:
    catalog = parse_catalog(GOOD, origin="good.toml")
    page, feed = catalog.sources
    assert page.kind is SourceKind.PAGE and page.provider == "openai"
    assert page.every == timedelta(hours=6)
    assert page.availability is not None and page.availability.exclude == ("nav", "footer")
    assert feed.kind is SourceKind.FEED and feed.availability is None
    assert catalog.routes[0].countries == ("CN", "HK", "MO")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (('kind = "page"', 'kind = "pdf"', 1), "source 'openai-api-countries': key 'kind': unknown kind 'pdf'"),
        (('every = "6h"', 'every = "6x"', 1), "source 'openai-api-countries': key 'every': bad duration '6x'"),
        (
            ('select = "main li"', 'select = ""', 1),
            "source 'openai-api-countries': key 'availability.select': missing selector",
        ),
        (('select = "main li"', 'select = "main li"\nsection = " "', 1), "key 'availability.section': empty"),
        (('select = "main li"', 'select = "main li["', 1), "key 'availability.select': bad CSS selector 'main li['"),
        (('select = "main li"', 'select = "xpath://li[@class="', 1), "key 'availability.select': bad XPath"),
        (('exclude = ["nav", "footer"]', 'exclude = ["nav", "foot>>er"]', 1), "key 'availability.exclude': bad CSS"),
        (
            ('url = "https://openai.com/news/rss.xml"', 'url = "ftp://openai.com/x"', 1),
            "source 'openai-news': key 'url': bad URL",
        ),
        (
            ('id = "openai-news"', 'id = "openai-api-countries"', 1),
            "source 'openai-api-countries': key 'id': duplicate id",
        ),
        (('every = "1h"', 'every = "1h"\ncolour = "red"', 1), "source 'openai-news': key 'colour': unknown key"),
        (
            ('exclude = ["nav", "footer"]', 'exclude = ["nav"]\nselector = "x"', 1),
            "key 'availability.selector': unknown key",
        ),
        (('slack_channel = "#ai-access"', "email = []", 1), "route #1: key 'slack_channel'"),
        (('countries = ["cn", "HK", "MO"]', 'countries = ["China"]', 1), "route #1: key 'countries'"),
    ],
)
def test_each_problem_names_file_entry_and_key(edit: tuple[str, str, int], message: str) -> None:
    old, new, count = edit
    assert old in GOOD
    with pytest.raises(CatalogError) as info:
        parse_catalog(GOOD.replace(old, new, count), origin="bad.toml")
    assert any(p.startswith("bad.toml: ") and message in p for p in info.value.problems), info.value.problems


def test_all_problems_reported_together() -> None:
    text = GOOD.replace('kind = "page"', 'kind = "pdf"').replace('every = "1h"', 'every = "soon"')
    with pytest.raises(CatalogError) as info:
        parse_catalog(text, origin="bad.toml")
    assert len(info.value.problems) == 2


def test_not_toml_and_unreadable(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="not valid TOML"):
        parse_catalog("[[source]\n", origin="x.toml")
    with pytest.raises(CatalogError, match="cannot read"):
        load_catalog(tmp_path / "missing.toml")


def test_a_section_is_read_into_the_spec() -> None:
    catalog = parse_catalog(
        GOOD.replace('select = "main li"', 'select = "main li"\nsection = "Which countries"', 1), origin="good.toml"
    )
    spec = catalog.by_id()["openai-api-countries"].availability
    assert spec is not None and spec.section == "Which countries"
