"""The provider table: data in every script, extended by a catalog's [[provider]] entries."""

from __future__ import annotations

from importlib import resources

import pytest

from monitor.errors import CatalogError
from monitor.extract.providers import bundled, is_regulator, match_providers, with_catalog
from monitor.extract.signals import extract_signal
from monitor.sources.catalog import load_catalog, parse_catalog
from monitor.types import Provider

ISSUE_PROVIDERS = {"apple", "meta", "microsoft", "xai", "baidu", "alibaba", "tencent", "zhipu", "moonshot", "deepseek"}


def test_the_bundled_table_covers_the_catalog_and_the_issue() -> None:
    slugs = {p.slug for p in bundled()}
    assert ISSUE_PROVIDERS <= slugs
    assert {s.provider for s in load_catalog().sources} <= slugs


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("오픈AI는 중국에서 API 접속을 차단한다", ("openai",)),
        ("챗GPT를 쓸 수 없다", ("openai",)),
        ("オープンAIとグーグル", ("openai", "google")),
        ("앤트로픽의 클로드", ("anthropic",)),
        ("딥시크와 바이두", ("deepseek", "baidu")),
        ("腾讯混元与智谱", ("tencent", "zhipu")),
        ("騰訊與智譜", ("tencent", "zhipu")),
        ("月之暗面的Kimi", ("moonshot",)),
        ("xAI's Grok", ("xai",)),
        ("Apple Intelligence", ("apple",)),
        # a Korean name takes a particle, not another syllable; katakana not more katakana
        ("애플은 애플리케이션을", ("apple",)),
        ("메타버스", ()),
        ("メタバース", ()),
        ("an apple a day", ()),
        ("美國商務部產業安全局", ("us-bis",)),
    ],
)
def test_names_in_every_script(text: str, expected: tuple[str, ...]) -> None:
    assert match_providers(text) == expected


def test_regulators_are_marked() -> None:
    assert is_regulator("us-bis") and is_regulator("eu-commission")
    assert not is_regulator("openai") and not is_regulator("nobody")


def test_a_catalog_adds_a_provider_and_names_to_a_known_one() -> None:
    acme = Provider(slug="acme", name="Acme AI", aliases=("Acme AI", "아크미"))
    more = Provider(slug="openai", aliases=("OAI",))
    table = with_catalog((acme, more))
    assert match_providers("Acme AI and OAI", (acme, more)) == ("acme", "openai")
    assert match_providers("Acme AI and OAI") == ()  # the bundled table alone knows neither
    assert next(p for p in table if p.slug == "openai").aliases[0] == "OpenAI"


def test_a_regulators_item_is_its_signal_with_the_providers_it_names() -> None:
    signal = extract_signal(
        title="Commerce adds Chinese AI firm DeepSeek to the Entity List, restricting exports to China",
        text="",
        published=None,
        default_provider="us-bis",
    )
    assert signal is not None and signal.providers == ("us-bis", "deepseek") and "CN" in signal.countries


CATALOG = """
[[source]]
id = "acme-news"
kind = "feed"
url = "https://acme.example/news.xml"
provider = "acme"
"""


def test_catalog_provider_entries_are_read_and_checked() -> None:
    good = parse_catalog(
        CATALOG + '[[provider]]\nslug = "acme"\nname = "Acme AI"\naliases = ["Acme AI"]\nexact = ["Acme"]\n',
        origin="c.toml",
    )
    assert good.providers == (Provider(slug="acme", name="Acme AI", aliases=("Acme AI",), exact=("Acme",)),)
    with pytest.raises(CatalogError) as bad:
        parse_catalog(
            CATALOG
            + '[[provider]]\nname = "no slug"\naliases = ["X"]\n'
            + '[[provider]]\nslug = "empty"\n'
            + '[[provider]]\nslug = "acme"\naliases = ["A"]\n[[provider]]\nslug = "acme"\naliases = ["B"]\n'
            + '[[provider]]\nslug = "odd"\nkind = "vendor"\naliases = ["Odd"]\ncolour = "red"\n',
            origin="c.toml",
        )
    problems = "\n".join(bad.value.problems)
    assert "c.toml: provider #1: key 'slug': missing" in problems
    assert "c.toml: provider 'empty': key 'aliases': needs at least one name in 'aliases' or 'exact'" in problems
    assert "c.toml: provider 'acme': key 'slug': duplicate slug" in problems
    assert "c.toml: provider 'odd': key 'kind': 'provider' or 'regulator', not 'vendor'" in problems
    assert "c.toml: provider 'odd': key 'colour': unknown key (allowed: " in problems


def test_the_bundled_table_reads_as_a_catalogs_provider_entries_would() -> None:
    """bundled() trusts its own file; here the file meets the same checks as a team's entries."""
    text = resources.files("monitor.extract").joinpath("data/providers.toml").read_text(encoding="utf-8")
    assert parse_catalog(text, origin="providers.toml").providers == bundled()
