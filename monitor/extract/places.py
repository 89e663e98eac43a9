"""Places named in news text, with where they stand: countries, nationalities and groups.

Three readers, one list of ``Place`` records in text order:

- **country names**: the country index of ``countries`` (the curated aliases, ISO names and the
  CLDR names of the text locales), plus the CLDR names of the item's own language when that
  language is written in Latin script and not a text locale already ("Italien", "Italie",
  "Estados Unidos"). Another language's names are left out on purpose: in English prose they
  are words and first names. A Chinese, Japanese or Korean country name followed by the word
  for "language" (日本語, 中文, 한국어) names a language, not a place.
- **nationalities** (``[nationality.<lang>]`` in data/places.toml): "Chinese users",
  "usuarios chinos"; the reader uses them for reducing actions only.
- **groups** (``[group.*]``): "the EU", 欧盟, "EWR", expanded to their members as of a date,
  from a dated membership table.

``origin`` says when a place describes a provider named right after it ("Chinese AI start-up
DeepSeek", "中国AI企业深度求索"): the provider's home, not a place the news is about.
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any, Literal

from monitor.extract.countries import (
    TEXT_LOCALES,
    _Entry,
    _entry,
    _Index,
    _index,
    _key,
    _starts,
    _territories,
    country_spans,
)
from monitor.extract.dates import LATIN_EDGE, alternation, any_of, compile_lowered, lowered, word

PlaceKind = Literal["country", "nationality", "group"]
#: A character of Chinese, Japanese or Korean script (kana, Han, hangul): such text has no spaces.
CJK_CHAR = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_LANGUAGE_WORD = re.compile("[語语어文]")  # 日本語, 中文, 한국어: a language
_TEXT_LANGUAGES = frozenset(locale.split("_")[0] for locale in TEXT_LOCALES)


@dataclass(frozen=True, slots=True)
class Place:
    """One place in the text: where, which codes, and how it was named."""

    start: int
    end: int
    codes: tuple[str, ...]
    kind: PlaceKind
    group: str | None = None  # "EU" for a group

    def text(self, source: str) -> str:
        return source[self.start : self.end]


@dataclass(frozen=True, slots=True)
class _Group:
    name: str
    pattern: re.Pattern[str]  # over lowered text: full names
    abbreviations: re.Pattern[str] | None  # over the text as written: capitals only
    members: Mapping[str, tuple[date, date | None]]  # code -> (joined, left)
    includes: tuple[str, ...]  # other groups whose members belong to this one


@functools.cache
def _data() -> dict[str, Any]:
    source = resources.files("monitor.extract").joinpath("data/places.toml").read_text(encoding="utf-8")
    return tomllib.loads(source)


def language_of(language: str | None) -> str:
    """The primary subtag of a language tag, lower case: "zh-Hant" → "zh", "pt_BR" → "pt"."""
    return (language or "").replace("_", "-").split("-")[0].lower()


# --- country names ----------------------------------------------------------------------------


@functools.cache
def _locale_index(language: str) -> _Index | None:
    """The CLDR names of ``language`` that the shared text index does not hold; None when the
    language's names are in it already (or Babel does not know it)."""
    if not language or language in _TEXT_LANGUAGES:
        return None
    core = _index().text
    entries: dict[str, _Entry] = {}
    for code, name in _territories(language).items():
        key = _key(name)
        if key and key not in core:
            entries[key] = _entry(key, {code}, {unicodedata.normalize("NFKC", name)})
    if not entries:
        return None
    return _Index(names={}, text=entries, starts=_starts(entries))


def _country_places(text: str, language: str) -> list[Place]:
    locale = _locale_index(language)
    return [
        Place(start, end, (code,), "country")
        for start, end, code in country_spans(text, [locale] if locale else [], elisions=True)
        if not (CJK_CHAR.match(text, end - 1) and _LANGUAGE_WORD.match(text, end))
    ]


# --- nationalities ----------------------------------------------------------------------------


@functools.cache
def _nationalities(language: str) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    """One pattern for English (capitalised, matched as written) and one for the item's language
    (over lowered text); each alternative is a group named for its code."""

    def pattern(lang: str, lowered_text: bool) -> re.Pattern[str] | None:
        table = _data()["nationality"].get(lang, {})
        if not table:
            return None
        alternatives = "|".join(f"(?P<{code}>{fragment})" for code, fragment in table.items())
        # A word start, then a cheap look at the first letter before the alternatives are tried.
        first = "A-Z" if not lowered_text else re.escape("".join(sorted(_first_letters(table.values()))))
        source = f"(?<![{LATIN_EDGE}])(?=[{first}])(?:{alternatives})(?![{LATIN_EDGE}])"
        return compile_lowered(source) if lowered_text else re.compile(source)

    return pattern("en", False), pattern(language, True) if language != "en" else None


def _first_letters(fragments: Iterable[str]) -> set[str]:
    """The letters the top-level alternatives of regex ``fragments`` start with (plain words)."""
    letters = set()
    for fragment in fragments:
        depth, start = 0, True
        for char in fragment:
            if start:
                if not char.isalpha():
                    raise ValueError(f"a nationality must start with a letter: {fragment!r}")
                letters.add(char)
                start = False
            depth += {"(": 1, ")": -1}.get(char, 0)
            start = char == "|" and depth == 0
    return letters


def _nationality_places(text: str, lower: str, language: str) -> list[Place]:
    english, own = _nationalities(language)
    places = []
    for pattern, source in ((english, text), (own, lower)):
        if pattern is not None:
            places += [
                Place(m.start(), m.end(), (str(m.lastgroup).upper(),), "nationality") for m in pattern.finditer(source)
            ]
    return places


# --- groups -----------------------------------------------------------------------------------


@functools.cache
def _groups() -> tuple[_Group, ...]:
    groups = []
    for name, table in _data()["group"].items():
        latin = [n for n in table["names"] if not CJK_CHAR.search(n)]
        cjk = [n for n in table["names"] if CJK_CHAR.search(n)]
        parts = [word(latin)] if latin else []
        if cjk:
            parts.append(any_of(cjk))
        abbreviations = table.get("abbreviations", [])
        members = {
            code: (
                date.fromisoformat(joined),
                date.fromisoformat(table["left"][code]) if code in table.get("left", {}) else None,
            )
            for code, joined in table["members"].items()
        }
        groups.append(
            _Group(
                name=name,
                pattern=compile_lowered("|".join(parts)),
                abbreviations=re.compile(word(abbreviations)) if abbreviations else None,
                members=members,
                includes=tuple(table.get("with", ())),
            )
        )
    return tuple(groups)


@functools.lru_cache(maxsize=1024)
def members(group: str, on: date | None) -> tuple[str, ...]:
    """The members of ``group`` on ``on`` (today's membership when None), sorted."""
    table = {g.name: g for g in _groups()}
    found: set[str] = set()
    for name in (group, *table[group].includes):
        for code, (joined, left) in table[name].members.items():
            if on is None:
                if left is None:
                    found.add(code)
            elif joined <= on and (left is None or on <= left):
                found.add(code)
    return tuple(sorted(found))


def _group_places(text: str, lower: str, on: date | None) -> list[Place]:
    places = []
    for group in _groups():
        hits = [(m.start(), m.end()) for m in group.pattern.finditer(lower)]
        if group.abbreviations is not None:
            hits += [(m.start(), m.end()) for m in group.abbreviations.finditer(text)]
        for start, end in hits:
            places.append(Place(start, end, members(group.name, on), "group", group.name))
    return places


# --- together ---------------------------------------------------------------------------------


def find_places(text: str, language: str | None = None, on: date | None = None) -> list[Place]:
    """Every place named in ``text`` (NFKC-normalised by the caller), in text order; a group's
    members are those of ``on``. Overlaps go to the longer mention (a group over a country). A
    place taken out by an "outside" word is left out; a "domestic" word names its language's
    country."""
    lang = language_of(language)
    lower = lowered(text)
    found = _group_places(text, lower, on) + _country_places(text, lang) + _nationality_places(text, lower, lang)
    found.sort(key=lambda p: (p.start, -(p.end - p.start)))
    places: list[Place] = []
    for place in found:
        if places and place.start < places[-1].end:
            continue
        places.append(place)
    places += _domestic(text, lang, places)
    places += [a for a in _abbreviations(text) if not any(p.start <= a.start < p.end for p in places)]
    places.sort(key=lambda p: p.start)
    outside_before, outside_after = _outside()
    return [
        p
        for p in places
        if not outside_after.match(text, p.end)
        and not outside_before.search(lower, max(0, p.start - _OUTSIDE_REACH), p.start)
    ]


_OUTSIDE_REACH = 16  # characters between an "outside" word and its place ("outside of mainland China")


@functools.cache
def _outside() -> tuple[re.Pattern[str], re.Pattern[str]]:
    table = _data()["outside"]
    before = compile_lowered(f"{word(table['before'])}[\\s\\w]{{0,{_OUTSIDE_REACH}}}$")
    return before, re.compile(f"\\s?(?:{alternation(table['after'])})")


@functools.cache
def _abbreviation_pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    table = dict(_data()["abbreviation"]["zh"])
    strong, weak, unambiguous = table.pop("prepositions"), table.pop("weak_prepositions"), table.pop("only_after_weak")
    letters = {letter: code for code, chars in table.items() for letter in chars}
    every = "".join(letters)
    pattern = re.compile(
        f"(?:(?<=[{''.join(strong)}])[{every}]|(?<=[{''.join(weak)}])[{''.join(unambiguous)}])(?![{every}])"
    )
    return pattern, letters


def _abbreviations(text: str) -> list[Place]:
    """对华, 在俄: one-character country names after a Chinese preposition."""
    if not CJK_CHAR.search(text):
        return []
    pattern, letters = _abbreviation_pattern()
    return [Place(m.start(), m.end(), (letters[m.group()],), "country") for m in pattern.finditer(text)]


def _domestic(text: str, language: str, places: list[Place]) -> list[Place]:
    table = _data()["domestic"].get(language)
    if not table:
        return []
    found = []
    for match in re.finditer(alternation(table["words"]), text):
        if not any(p.end == match.start() or p.end + 1 == match.start() for p in places):
            found.append(Place(match.start(), match.end(), (table["country"],), "country"))
    return found


@functools.cache
def _origin_words() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(descriptor words, articles) of ``[origin]``."""
    table = _data()["origin"]
    latin = [t for lang, terms in table.items() if lang not in ("cjk", "articles") for t in terms]
    descriptors = compile_lowered(f"{word(latin)}|{alternation(table['cjk'])}")
    return descriptors, compile_lowered(word(table["articles"]))


_GAP_SPACE = re.compile(r"[\s\-'’·,()（）]+")  # "중국 인공지능(AI) 스타트업 딥시크"
_SENTENCE_BREAK = re.compile(r"[\n.!?。！？;；]")
_ORIGIN_REACH = 40  # characters between a place and the provider it describes


def origin(text: str, lower: str, place: Place, provider_at: int, provider_end: int) -> bool:
    """True when ``place`` describes the provider named at ``provider_at`` (..``provider_end``):
    a nationality right before the name ("Chinese DeepSeek"), a Chinese or Japanese name written
    against it (中国DeepSeek), or a place and the name with descriptor words between them
    (data/places.toml ``[origin]``), either way round, within one sentence: "Chinese AI start-up
    DeepSeek", "中国AI企业深度求索", "DeepSeek, la start-up chinoise". A country name and a
    provider apart by a space alone ("이탈리아 딥시크 차단") are not origin: Korean headlines
    write "Italy: DeepSeek blocked" that way."""
    if provider_at >= place.end:
        gap_start, gap_end = place.end, provider_at
    elif provider_end <= place.start:
        gap_start, gap_end = provider_end, place.start
    else:
        return False
    if gap_end - gap_start > _ORIGIN_REACH or _SENTENCE_BREAK.search(text, gap_start, gap_end):
        return False
    gap = lower[gap_start:gap_end]
    before = gap_start == place.end
    if not gap:  # 中国DeepSeek, 中国ディープシーク: side by side, unspaced, is a description
        return before and (place.kind == "nationality" or bool(CJK_CHAR.match(text, place.end - 1)))
    if not _GAP_SPACE.sub("", gap):
        return before and place.kind == "nationality" and "," not in gap
    descriptors, articles = _origin_words()
    if before and place.kind == "country" and articles.search(gap):
        return False  # "in Deutschland den Chatbot DeepSeek": an article opens another phrase
    described = descriptors.sub(" ", gap)
    if described == gap:
        return False  # no descriptor: an article or a comma alone describes nothing
    return not _GAP_SPACE.sub("", articles.sub(" ", described))
