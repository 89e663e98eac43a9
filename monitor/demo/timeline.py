"""The demo's timeline: what the web said, step by step, and what Regionwatch should make of it.

Modelled on real events, told in the project's own words: OpenAI's notice of 25 June 2024
that API traffic from unsupported regions (China, Hong Kong, Macau...) is blocked from 9 July,
carried by its newsroom and then by the press in Chinese and Indonesian; Anthropic's notice of
4 September 2025 that companies majority-owned from unsupported regions may no longer buy
Claude. Steps marked *modelled* invent an ordinary occurrence to show how it is handled: a
cosmetic edit, a bot wall, Gemini gaining six Balkan countries, a redesign that breaks a
selector. Pure data and functions: the runner serves ``state(i)`` and crawls every source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from monitor.demo import pages
from monitor.demo.pages import BALKANS, COMMON, Post
from monitor.sources.catalog import load_catalog
from monitor.types import Catalog, Source, SourceKind

OPENAI_PAGE = "/developers.openai.com/api/docs/supported-countries"
ANTHROPIC_PAGE = "/docs.claude.com/en/api/supported-regions"
GEMINI_PAGE = "/ai.google.dev/gemini-api/docs/available-regions"
OPENAI_FEED = "/openai.com/news/rss.xml"
ANTHROPIC_NEWS = "/www.anthropic.com/news"
PRESS_ZH = "/press-zh.example/feed.xml"
PRESS_ID = "/press-id.example/feed.xml"
ROBOTS = "/robots.txt"
#: Where the demo's feed items link to: a reserved domain (RFC 2606), never a made-up page of a real site.
DEMO_LINKS = "https://demo.regionwatch.invalid"

#: Bundled catalog entries the demo serves locally (their real selectors, a loopback URL).
BUNDLED = {
    "openai-api-countries": OPENAI_PAGE,
    "anthropic-api-regions": ANTHROPIC_PAGE,
    "gemini-api-regions": GEMINI_PAGE,
    "openai-news": OPENAI_FEED,
    "anthropic-news": ANTHROPIC_NEWS,
}
#: Two press feeds only the demo has: the same news, in Chinese and in Indonesian.
PRESS = (("press-zh", PRESS_ZH, "zh"), ("press-id", PRESS_ID, "id"))


@dataclass(frozen=True, slots=True, kw_only=True)
class Resource:
    """What one path answers."""

    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """One moment of the timeline: what changed on the web, and what should follow."""

    at: datetime
    title: str
    story: str
    expect: str
    alerts: int = 0  # Slack messages the step should post (alerts and operator notices)
    modelled: bool = False
    serve: Mapping[str, Resource] = field(default_factory=dict)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _html(body: bytes, status: int = 200) -> Resource:
    return Resource(body=body, status=status)


def _feed(title: str, link: str, language: str, posts: list[Post]) -> Resource:
    return Resource(
        body=pages.rss(title=title, link=link, language=language, posts=posts),
        content_type="application/rss+xml; charset=utf-8",
    )


def _openai_feed(posts: list[Post]) -> Resource:
    return _feed("OpenAI News", DEMO_LINKS + "/openai.com/news", "en", posts)


def _zh_feed(posts: list[Post]) -> Resource:
    return _feed("科技快讯", DEMO_LINKS + "/press-zh", "zh", posts)


def _id_feed(posts: list[Post]) -> Resource:
    return _feed("Kabar Teknologi", DEMO_LINKS + "/press-id", "id", posts)


OPENAI_LIST = pages.names(COMMON, BALKANS, without=["Kosovo"])
ANTHROPIC_LIST = pages.names(COMMON, BALKANS, without=["Kosovo"])
GEMINI_BEFORE = pages.names(COMMON)
GEMINI_AFTER = pages.names(COMMON, BALKANS)

OPENAI_POSTS = [
    Post(
        slug="cheaper-batch",
        title="Cheaper batch processing for API developers",
        published=_at("2024-04-15 16:00"),
        summary="Developers can now send large jobs that finish within 24 hours, at half the usual price.",
    ),
    Post(
        slug="flagship-model",
        title="A new flagship model for text, audio and vision",
        published=_at("2024-05-13 17:00"),
        summary="The model is rolling out to developers in the API today, with higher rate limits than before.",
    ),
]
OPENAI_NOTICE = Post(
    slug="unsupported-regions",
    title="Blocking API traffic from unsupported regions",
    published=_at("2024-06-25 17:00"),
    summary="From 9 July 2024, OpenAI will block API traffic from regions that are not on its list of supported "
    "countries and territories, such as mainland China, Hong Kong and Macau. Developers there were told by "
    "e-mail this week; organisations affected should plan their migration.",
)
ZH_POSTS = [
    Post(
        slug="price-cuts",
        title="国内大模型厂商新一轮降价",
        published=_at("2024-06-10 03:00"),
        summary="多家国内厂商下调了大模型 API 的价格，开发者的使用成本进一步降低。",
    )
]
ZH_REPORT = Post(
    slug="openai-block",
    title="OpenAI：7月9日起封锁来自不支持地区的API流量",
    published=_at("2024-06-26 02:00"),
    summary="OpenAI 向开发者发出邮件通知，自2024年7月9日起，将封锁来自中国大陆、香港和澳门等不支持地区的 API 请求。"
    "多家国内模型厂商随即推出迁移优惠。",
)
ID_POSTS = [
    Post(
        slug="model-lokal",
        title="Startup lokal berlomba membangun model bahasa Indonesia",
        published=_at("2024-06-03 04:00"),
        summary="Sejumlah perusahaan rintisan mengembangkan model bahasa untuk layanan pelanggan.",
    )
]
ID_REPORT = Post(
    slug="openai-blokir",
    title="OpenAI akan memblokir akses API dari China mulai 9 Juli",
    published=_at("2024-06-27 04:00"),
    summary="Pengembang di China, Hong Kong dan Makau menerima surel dari OpenAI: mulai 9 Juli 2024, lalu lintas API "
    "dari wilayah yang tidak didukung akan diblokir.",
)
ANTHROPIC_POSTS = [
    Post(
        slug="claude-europe",
        title="Claude comes to Europe",
        published=_at("2024-05-14 09:00"),
        summary="People and businesses across Europe can now use Claude.",
    ),
    Post(
        slug="new-models",
        title="A faster model for everyday work",
        published=_at("2025-08-05 16:00"),
        summary="Our newest model is better at coding and long tasks.",
    ),
]
ANTHROPIC_NOTICE = Post(
    slug="unsupported-regions",
    title="Updating restrictions of sales to unsupported regions",
    published=_at("2025-09-04 15:00"),
    summary="Effective immediately, Anthropic no longer sells Claude to companies that are majority-owned by "
    "entities in unsupported regions such as China, wherever those companies are based.",
)

STEPS: tuple[Step, ...] = (
    Step(
        at=_at("2024-06-20 09:00"),
        title="Baseline: the first crawl",
        story="Seven sources: three availability lists (abridged), OpenAI's newsroom feed, Anthropic's newsroom "
        "page, and two press feeds, one in Chinese and one in Indonesian.",
        expect="Lists recorded as history, old feed items read; nothing to alert (a baseline is not news).",
        modelled=True,
        serve={
            ROBOTS: Resource(body=b"User-agent: *\nAllow: /\n", content_type="text/plain"),
            OPENAI_PAGE: _html(
                pages.openai_countries(
                    OPENAI_LIST,
                    intro="We support access to the API from the countries and territories listed below (abridged).",
                )
            ),
            ANTHROPIC_PAGE: _html(pages.anthropic_regions(ANTHROPIC_LIST)),
            GEMINI_PAGE: _html(pages.gemini_regions(GEMINI_BEFORE, updated="2024-06-01")),
            OPENAI_FEED: _openai_feed(OPENAI_POSTS),
            ANTHROPIC_NEWS: _html(pages.newsroom(ANTHROPIC_POSTS)),
            PRESS_ZH: _zh_feed(ZH_POSTS),
            PRESS_ID: _id_feed(ID_POSTS),
        },
    ),
    Step(
        at=_at("2024-06-25 18:00"),
        title="OpenAI: API traffic from unsupported regions blocked from 9 July",
        story="OpenAI's newsroom says API traffic from regions it does not support, China, Hong Kong and Macau "
        "among them, is blocked from 2024-07-09. Its supported-countries list does not change.",
        expect="One alert: openai, block, CN HK MO, effective 2024-07-09.",
        alerts=1,
        serve={OPENAI_FEED: _openai_feed([*OPENAI_POSTS, OPENAI_NOTICE])},
    ),
    Step(
        at=_at("2024-06-26 08:00"),
        title="The Chinese-language press reports it",
        story="A Chinese technology news feed carries the same notice.",
        expect="The same event (provider, countries, action, date): kept with its news item, no second alert.",
        serve={PRESS_ZH: _zh_feed([*ZH_POSTS, ZH_REPORT])},
    ),
    Step(
        at=_at("2024-06-27 11:00"),
        title="The Indonesian press reports it",
        story="An Indonesian technology news feed carries it too.",
        expect="Again the same event: no alert.",
        serve={PRESS_ID: _id_feed([*ID_POSTS, ID_REPORT])},
    ),
    Step(
        at=_at("2024-06-28 10:00"),
        title="OpenAI's list page gets a new look",
        story="The supported-countries page is restyled and its introduction reworded; the countries are the same.",
        expect="A low-severity text change for the weekly digest; no alert.",
        modelled=True,
        serve={
            OPENAI_PAGE: _html(
                pages.openai_countries(
                    OPENAI_LIST,
                    theme="docs-v2",
                    intro="API access is offered from the countries and territories listed on this page (abridged).",
                )
            )
        },
    ),
    Step(
        at=_at("2024-07-10 09:00"),
        title="The day after the block: a bot wall on Google's page",
        story="The block is in force; OpenAI's list still has not changed. Google's page answers with a "
        "challenge page instead of the list.",
        expect="A failed fetch (blocked), recorded as such: never an availability change, no alert.",
        modelled=True,
        serve={GEMINI_PAGE: Resource(body=pages.challenge_page(), status=403)},
    ),
    Step(
        at=_at("2024-07-18 09:00"),
        title="Gemini API adds six Balkan countries",
        story="Google's page is back, listing Albania, Bosnia and Herzegovina, Kosovo, Montenegro, North Macedonia "
        "and Serbia for the first time.",
        expect="One availability alert: google gemini-api, 6 added.",
        alerts=1,
        modelled=True,
        serve={GEMINI_PAGE: _html(pages.gemini_regions(GEMINI_AFTER, updated="2024-07-17"))},
    ),
    Step(
        at=_at("2025-09-04 20:00"),
        title="Anthropic: no sales to companies controlled from unsupported regions",
        story="A new post on Anthropic's newsroom page (which has no feed): companies majority-owned from "
        "unsupported regions such as China may no longer buy Claude, effective immediately.",
        expect="One alert: anthropic, restrict, CN, effective 2025-09-04.",
        alerts=1,
        serve={ANTHROPIC_NEWS: _html(pages.newsroom([*ANTHROPIC_POSTS, ANTHROPIC_NOTICE]))},
    ),
    Step(
        at=_at("2025-10-01 09:00"),
        title="Anthropic's docs are redesigned",
        story="The regions page now shows its countries as a grid; the catalog's selector finds no list.",
        expect="The empty reading is held as suspect, not applied; no alert yet (it may be a glitch).",
        modelled=True,
        serve={ANTHROPIC_PAGE: _html(pages.anthropic_redesign(ANTHROPIC_LIST))},
    ),
    Step(
        at=_at("2025-10-01 15:00"),
        title="Six hours later: still no list",
        story="The next fetch reads the same redesigned page.",
        expect="Still suspect on a second fetch: one operator notice (the selector needs fixing); "
        "Anthropic's countries stay as they were.",
        alerts=1,
        modelled=True,
    ),
)


def state(upto: int) -> dict[str, Resource]:
    """What every path answers once steps 0..upto have happened."""
    served: dict[str, Resource] = {}
    for step in STEPS[: upto + 1]:
        served.update(step.serve)
    return served


def catalog(base_url: str) -> Catalog:
    """The demo's sources: bundled entries pointed at the loopback server, and two press feeds."""
    bundled = load_catalog().by_id()
    sources = [replace(bundled[ident], url=base_url + path) for ident, path in BUNDLED.items()]
    sources += [
        Source(id=ident, kind=SourceKind.FEED, url=base_url + path, provider="press", language=language)
        for ident, path, language in PRESS
    ]
    return Catalog(sources=tuple(sources), origin="<regionwatch demo>")
