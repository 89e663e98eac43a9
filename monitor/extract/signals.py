"""Access-policy signals in news items: who, where, what and from when.

An item is read sentence by sentence (the title is the first sentence). A sentence *reads* as an
access action when it holds an action term (data/signal_terms.toml) and places it in geography:

- access-reducing actions (restrict, block, suspend, withdraw, ban) need a country or a region
  word anywhere in the sentence ("block API traffic from unsupported regions");
- access-widening actions (launch, expand, available) need the country or region right after a
  locative ("available in Brazil", "在香港上线"), so "expanded access for the U.S. government"
  or "Claude can now block prompt injections" are no signals;
- a sentence about abusers ("bans accounts linked to ...") never reads as an access action, nor
  one about offices and staff as an opening ("expands in Japan with a Tokyo office").

The item's reading is the title's (unless it rests on a weak term such as "unsupported regions"
and another sentence has a strong one), else the first reducing one that names a provider, else
the first that names a provider, else the first. Its providers are that sentence's, else the
title's, else the source's (``default_provider``), else any the item names. Its countries are
those of that sentence and of the other sentences of the same direction about the same
providers, else those of same-direction sentences naming no provider; when none are named but
the item says "unsupported regions", the provider's known unsupported set stands in
(providers.UNSUPPORTED_REGIONS).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from monitor.extract.countries import find_countries
from monitor.extract.dates import (
    any_of,
    compile_lowered,
    load_terms,
    lowered,
    resolve_date,
    word,
)
from monitor.extract.providers import UNSUPPORTED_REGIONS, find_providers
from monitor.types import RESTRICTIVE_ACTIONS, Signal

RESTRICTIVE = RESTRICTIVE_ACTIONS
WIDENING = frozenset({"launch", "expand", "available"})
MAX_TITLE = 1_000  # characters read from untrusted text; the lead holds the news
MAX_TEXT = 20_000  # a long article; hostile text costs at most ~0.1 s
_LANGS = ("en", "id")
_SENTENCES = re.compile(r"\n+|[。！？；]|[.!?]\s+(?=[\"'“‘(\[A-Z0-9])")
_LATIN_WORDS = re.compile(r"[A-Za-z\u00c0-\u024f]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_ZH_WINDOW = re.compile(r"[^，。；！？,;.!?\n]{1,10}")
_WORD = re.compile(r"\s+([^\s,;:.!?]+)")
_WINDOW_WORDS = 6  # how far after "in"/"di" a place may be named
_MAX_LOCATIVES = 24  # per sentence: bounds the work on hostile text


@dataclass(frozen=True, slots=True)
class _Vocab:
    actions: re.Pattern[str]  # Latin-script terms
    zh_actions: re.Pattern[str]
    kinds: tuple[tuple[str, re.Pattern[str]], ...]  # action name ("weak:" prefix), whole term
    region: re.Pattern[str]
    unsupported: re.Pattern[str]
    locative: re.Pattern[str]
    stop: frozenset[str]
    exclude: re.Pattern[str]
    presence: re.Pattern[str]
    stopwords: dict[str, frozenset[str]]


def _either(table: dict[str, list[str]]) -> str:
    """One regex for a {language: terms} table: whole words for en/id, anywhere for zh."""
    latin = [t for lang in _LANGS for t in table.get(lang, ())]
    parts = [word(latin)] if latin else []
    if table.get("zh"):
        parts.append(any_of(table["zh"]))
    return "|".join(parts)


@cache
def _vocab() -> _Vocab:
    terms = load_terms()
    tables = [*terms["actions"].items(), *((f"weak:{n}", t) for n, t in terms["weak"].items())]
    every = {lang: [t for _, table in tables for t in table.get(lang, ())] for lang in (*_LANGS, "zh")}
    context = terms["context"]
    locative = context["locative"]
    return _Vocab(
        actions=compile_lowered(word(every["en"] + every["id"])),
        zh_actions=re.compile(any_of(every["zh"])),
        kinds=tuple((name, compile_lowered(_either(table))) for name, table in tables),
        region=compile_lowered(_either(context["region"])),
        unsupported=compile_lowered(_either(context["unsupported"])),
        locative=compile_lowered(
            f"(?P<latin>{word(locative['en'] + locative['id'])})|(?P<zh>{any_of(locative['zh'])})"
        ),
        stop=frozenset(s.casefold() for s in locative["stop"]),
        exclude=compile_lowered(_either(context["exclude"])),
        presence=compile_lowered(_either(context["presence"])),
        stopwords={lang: frozenset(words) for lang, words in terms["language"].items()},
    )


def detect_language(text: str) -> str:
    """A cheap guess: "zh" when Han characters dominate, else "id" or "en" by stopwords."""
    sample = text[:4_000]
    tokens = [t.casefold() for t in _LATIN_WORDS.findall(sample)]
    if len(_HAN.findall(sample)) > len(tokens):  # a Han character is about a word's worth
        return "zh"
    stopwords = _vocab().stopwords
    indonesian = sum(t in stopwords["id"] for t in tokens)
    english = sum(t in stopwords["en"] for t in tokens)
    return "id" if indonesian > english else "en"


@dataclass(frozen=True, slots=True)
class _Item:
    """One news item, read once: its text, the text lowered, and where things are in it."""

    text: str
    lower: str  # lowered(text)
    spans: list[tuple[int, int]]  # sentences; the title first
    actions: list[tuple[int, str, bool]]  # offset, action, weak
    providers: list[tuple[int, str]]  # offset, slug

    @classmethod
    def read(cls, vocab: _Vocab, title: str, body: str) -> _Item:
        text = f"{title}\n{body}"
        lower = lowered(text)
        spans, start = [(0, len(title))], len(title) + 1
        for match in _SENTENCES.finditer(text, start):
            spans.append((start, match.start()))
            start = match.end()
        spans.append((start, len(text)))
        matches = list(vocab.actions.finditer(lower))
        if not text.isascii():
            matches = sorted([*matches, *vocab.zh_actions.finditer(text)], key=lambda m: m.start())
        actions = []
        for match in matches:
            name = next((n for n, p in vocab.kinds if p.fullmatch(match.group())), None)
            if name is not None:
                actions.append((match.start(), name.removeprefix("weak:"), name.startswith("weak:")))
        return cls(text, lower, spans, actions, find_providers(text))

    def providers_in(self, start: int, end: int) -> tuple[str, ...]:
        return tuple(dict.fromkeys(slug for at, slug in self.providers if start <= at < end))

    def actions_in(self, start: int, end: int) -> list[tuple[str, bool]]:
        """(action, weak) in one span: strong terms first, then reducing before widening."""
        first = bisect_left(self.actions, (start,))
        hits = [(a, w) for at, a, w in self.actions[first:] if at < end]
        return sorted(hits, key=lambda hit: (hit[1], hit[0] not in RESTRICTIVE))


@dataclass(frozen=True, slots=True)
class _Reading:
    """One sentence that reads as an access action."""

    index: int
    action: str
    weak: bool
    providers: tuple[str, ...]
    countries: tuple[str, ...]
    unsupported: bool


def _locative_ok(vocab: _Vocab, sentence: str, lower: str) -> bool:
    """True when a country or region word follows a locative in ``sentence``."""
    for count, match in enumerate(vocab.locative.finditer(lower)):
        if count == _MAX_LOCATIVES:
            break
        if match["zh"] is not None:
            window = _ZH_WINDOW.match(sentence, match.end())
            end = window.end() if window else match.end()
        else:
            end = match.end()
            for _ in range(_WINDOW_WORDS):
                next_word = _WORD.match(lower, end)
                if next_word is None or next_word.group(1) in vocab.stop:
                    break
                end = next_word.end()
        if end > match.end() and (
            vocab.region.search(lower, match.end(), end) or find_countries(sentence[match.end() : end])
        ):
            return True
    return False


def _read(vocab: _Vocab, item: _Item, index: int) -> _Reading | None:
    """The access action sentence ``index`` carries, if it places one in geography."""
    start, end = item.spans[index]
    hits = item.actions_in(start, end)
    if not hits:
        return None
    sentence, lower = item.text[start:end], item.lower[start:end]
    if vocab.exclude.search(lower):
        return None
    countries = find_countries(sentence)
    unsupported = vocab.unsupported.search(lower) is not None
    if not (countries or unsupported or vocab.region.search(lower)):
        return None
    located: bool | None = None  # a widening action's place, looked up once if needed
    for action, weak in hits:
        if action not in RESTRICTIVE:
            if located is None:
                located = not vocab.presence.search(lower) and _locative_ok(vocab, sentence, lower)
            if not located:
                continue
        return _Reading(index, action, weak, item.providers_in(start, end), countries, unsupported)
    return None


def _primary(readings: list[_Reading]) -> _Reading:
    """The reading that speaks for the item (see the module docstring)."""
    strong = [r for r in readings if not r.weak] or readings
    if readings[0].index == 0 and (not readings[0].weak or strong is readings):
        return readings[0]
    named = [r for r in strong if r.providers]
    reducing = [r for r in named if r.action in RESTRICTIVE]
    return (reducing or named or strong)[0]


def _providers(primary: _Reading, item: _Item, default: str | None) -> tuple[tuple[str, ...], bool]:
    """Who the item is about, and whether the item itself names them (not just its source)."""
    named = primary.providers or item.providers_in(*item.spans[0])
    if named:
        return named, True
    if default:
        return (default,), False
    named = item.providers_in(0, len(item.text))
    return named, bool(named)


def _countries(primary: _Reading, readings: list[_Reading], providers: tuple[str, ...]) -> tuple[tuple[str, ...], bool]:
    """The countries of the item's reading and of its kin; True when inferred."""
    kin = [r for r in readings if (r.action in RESTRICTIVE) == (primary.action in RESTRICTIVE)]
    found = _union(
        [primary.countries], [r.countries for r in kin if r.providers and set(r.providers) <= set(providers)]
    )
    if not found:
        found = _union([r.countries for r in kin if not r.providers])
    if not found and any(r.unsupported for r in kin):
        inferred = next((UNSUPPORTED_REGIONS[p] for p in providers if p in UNSUPPORTED_REGIONS), ())
        return inferred, bool(inferred)
    return found, False


def _union(*groups: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for group in groups:
        for codes in group:
            seen.update(dict.fromkeys(codes))
    return tuple(seen)


def _relevance(
    *, named: bool, countries: bool, inferred: bool, restrictive: bool, dated: bool, in_title: bool
) -> float:
    """0..1: provider named 0.15 (from the source 0.1); countries 0.25 (inferred 0.15, region
    words only 0.1); reducing action 0.35 (widening 0.1); a date 0.15; said in the title 0.1."""
    score = 0.15 if named else 0.1
    score += 0.15 if inferred else 0.25 if countries else 0.1
    score += 0.35 if restrictive else 0.1
    score += 0.15 if dated else 0.0
    score += 0.1 if in_title else 0.0
    return round(min(score, 1.0), 2)


def extract_signal(
    *,
    title: str,
    text: str,
    published: datetime | None,
    url: str | None = None,
    language: str | None = None,
    default_provider: str | None = None,
) -> Signal | None:
    """The access signal in one news item, or None when it names no provider or no action."""
    title = title[:MAX_TITLE].strip()  # shown as given; read in NFKC (full-width digits etc.)
    vocab = _vocab()
    item = _Item.read(vocab, unicodedata.normalize("NFKC", title), unicodedata.normalize("NFKC", text[:MAX_TEXT]))
    if not item.actions:
        return None
    readings = [r for i in range(len(item.spans)) if (r := _read(vocab, item, i)) is not None]
    if not readings:
        return None
    primary = _primary(readings)
    providers, named = _providers(primary, item, default_provider)
    if not providers:
        return None
    countries, inferred = _countries(primary, readings, providers)
    language = language or detect_language(item.text)
    effective = resolve_date(item.text, published, language)
    relevance = _relevance(
        named=named,
        countries=bool(countries),
        inferred=inferred,
        restrictive=primary.action in RESTRICTIVE,
        dated=effective is not None,
        in_title=primary.index == 0,
    )
    return Signal(
        providers=providers,
        countries=countries,
        action=primary.action,
        effective_date=effective,
        relevance=relevance,
        language=language,
        title=title,
        url=url,
    )
