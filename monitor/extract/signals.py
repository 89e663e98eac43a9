"""Access-policy signals in news items: who, where, what and from when, in ten languages.

An item is read sentence by sentence (the title is the first sentence), in the vocabulary of
data/signal_terms.toml. A sentence *reads* as an access action when:

- it holds an action term, in any of the languages the file has. A term may be a frame whose
  parts stand apart within one clause ("stellt … ein", "停止 … 提供"), and a Latin-script stem
  takes its language's endings (``[inflection]``), so forms need not be listed;
- it places the action in geography (monitor.extract.places): a country named in any text
  locale or the item's own language, a group ("the EU", 欧盟, expanded to its members as of the
  item's date), a region word, or, for a reducing action only, a nationality ("Chinese users").
  A widening action needs its place after a locative ("available in Brazil", "在香港上线",
  "日本で提供開始", "한국에 출시"), so "available in Japanese" or "expanded access for the U.S.
  government" is no launch; a place that describes the provider ("Chinese start-up DeepSeek")
  is its origin, not a place the action touches;
- no cue of its language undoes it: a negation of the action ("will not block", "ne bloquera
  pas", "不会限制", "차단하지 않는다"), a denial, a rumour or hedge, a look back at an old
  event (``[cues.*]``); a sentence about abusers or a provider's offices is no access action.
  A denial or a rumour in the title undoes the whole item.

The item's reading is the title's (unless it rests on a weak term such as "unsupported regions"
and another sentence has a strong one), else the first reducing one that names a provider, else
the first that names a provider, else the first. Its providers are that sentence's, else the
title's, else the source's (``default_provider``), else any the item names. Its countries are
those of that sentence and of the other sentences of the same direction about the same
providers or naming none; when none are named but
the item says "unsupported regions", the provider's known unsupported set stands in
(providers.UNSUPPORTED_REGIONS). A reducing reading whose sentence speaks of ownership
("companies majority-owned by Chinese entities") has ``scope = "ownership"``. Every signal
keeps the words that made it (``Signal.evidence``).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cache
from typing import Any

from monitor.extract.dates import (
    LATIN,
    LATIN_EDGE,
    alternation,
    compile_lowered,
    load_terms,
    lowered,
    resolve_effective,
)
from monitor.extract.places import CJK_CHAR, Place, find_places, language_of, origin
from monitor.extract.providers import UNSUPPORTED_REGIONS, find_provider_spans, is_regulator
from monitor.types import RESTRICTIVE_ACTIONS, Provider, Scope, Signal

RESTRICTIVE = RESTRICTIVE_ACTIONS
WIDENING = frozenset({"launch", "expand", "available"})
MAX_TITLE = 1_000  # characters read from untrusted text; the lead holds the news
MAX_TEXT = 20_000  # a long article; hostile text costs at most ~0.1 s
#: Languages written without spaces: terms match anywhere.
CJK = ("zh", "zh_hant", "ja", "ko")
LANGUAGES = ("en", "id", "de", "fr", "es", "pt", "zh", "ja", "ko")
# Sentence ends: a CJK full stop, or a Latin one before a capital, a digit, an opening quote or
# a CJK character (Korean ends its sentences with ". ").
_SENTENCES = re.compile(r"\n+|[。！？；]|[.!?]\s+(?=[\"'“‘(\[A-ZÀ-ÖØ-Þ0-9¿¡\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af])")
_CLAUSE_MARKS = ",;:()，、；：（）"
_CLAUSES = re.compile(f"[{re.escape(_CLAUSE_MARKS)}]|\\s[-–—]\\s")
_LATIN_WORDS = re.compile(r"[A-Za-z\u00c0-\u024f]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_CJK_WINDOW = re.compile(r"[^，。；！？,;.!?\n]{1,10}")
_WORD = re.compile(r"[\s,]+([^\s,;:.!?–—]+)")  # the next word of a place window, across list commas
_WINDOW_WORDS = 8  # how far after "in"/"di" a place may be named
_MAX_LOCATIVES = 24  # per sentence: bounds the work on hostile text
_FRAME_WORDS = 4  # a frame's parts, at most this many words apart (Latin scripts)
_FRAME_CHARS = 12  # or characters (CJK)
_LEAD_SENTENCES = 2  # the title and the first two sentences: where the news is dated
_NEAR = 80  # characters between a widening action and the place it opens in
_LIST_GAP = 24  # characters between two places of one list
_NEGATION_BEFORE = 8  # characters before a Chinese action a negation may stand in (不会在欧盟提供)
_NEGATION_AFTER = 10  # characters after a Japanese or Korean action


# --- the vocabulary ---------------------------------------------------------------------------


def _expand(term: str, lang: str, endings: dict[str, str]) -> str:
    """One term as a regex fragment: ``stem~`` takes the language's endings, ``a … b`` is a frame."""
    latin = lang in LATIN
    parts = [p.strip() for p in term.split("…")]
    if latin:
        suffix = f"(?:{endings[lang]})?" if lang in endings else ""
        parts = [p.replace("~", suffix) for p in parts]
        # up to four words between the parts; the second may carry an elided article (l'accès)
        gap = rf"(?![{LATIN_EDGE}])(?:\s+[^\s,;:.!?]+){{0,{_FRAME_WORDS}}}?\s+(?:(?:[dlnsjmtc]|qu)['’])?"
    else:
        gap = f"[^{re.escape(_CLAUSE_MARKS)}。！？.!?\\n]{{0,{_FRAME_CHARS}}}?"
    return gap.join(f"(?:{p})" for p in parts)


def _terms(table: dict[str, list[str]], langs: Iterable[str]) -> tuple[list[str], list[str]]:
    """(Latin-script fragments, CJK fragments) of ``table`` for ``langs``, expanded."""
    endings = load_terms()["inflection"]
    latin: list[str] = []
    cjk: list[str] = []
    for lang in langs:
        for term in table.get(lang, ()):
            (latin if lang in LATIN else cjk).append(_expand(term, lang, endings))
    return latin, cjk


def _pattern(table: dict[str, list[str]], langs: Iterable[str]) -> re.Pattern[str] | None:
    """One regex over lowered text: Latin terms as whole words, CJK terms anywhere."""
    latin, cjk = _terms(table, langs)
    parts = []
    if latin:
        parts.append(f"(?<![{LATIN_EDGE}])(?:{alternation(latin)})(?![{LATIN_EDGE}])")
    if cjk:
        parts.append(f"(?:{alternation(cjk)})")
    return compile_lowered("|".join(parts)) if parts else None


_NEVER = re.compile(r"(?!x)x")


@dataclass(frozen=True, slots=True)
class _Actions:
    """The action terms a text is searched for, and each action's own pattern."""

    latin: re.Pattern[str]  # the item's language, English and Indonesian
    cjk: re.Pattern[str]  # Chinese, Japanese and Korean, searched in text that is not ASCII
    kinds: tuple[tuple[str, re.Pattern[str]], ...]  # action name ("weak:"/"reversal:" prefix), whole term
    frames: re.Pattern[str]  # the frame terms alone: a negation between a frame's parts counts


@cache
def _actions(lang: str) -> _Actions:
    terms = load_terms()
    tables = [
        *((f"reversal:{n}", t) for n, t in terms["reversal"].items()),  # first: "lifts ban" is no ban
        *terms["actions"].items(),
        *((f"weak:{n}", t) for n, t in terms["weak"].items()),
    ]
    every: dict[str, list[str]] = {}
    for _, table in tables:
        for key, words in table.items():
            every.setdefault(key, []).extend(words)
    latin = [key for key in _family(lang) if key in LATIN]
    return _Actions(
        latin=_pattern(every, latin) or _NEVER,
        cjk=_pattern(every, CJK) or _NEVER,
        kinds=tuple((name, _pattern(table, [*latin, *CJK]) or _NEVER) for name, table in tables),
        frames=_pattern({k: [t for t in v if "…" in t] for k, v in every.items()}, [*latin, *CJK]) or _NEVER,
    )


@dataclass(frozen=True, slots=True)
class _Context:
    """What a sentence in one language is read with, besides the actions."""

    region: re.Pattern[str]
    unsupported: re.Pattern[str]
    locative: re.Pattern[str]  # before a place (Latin scripts, Chinese)
    after: re.Pattern[str] | None  # after a place (日本で, 한국에)
    stop: frozenset[str]
    exclude: re.Pattern[str]
    presence: re.Pattern[str]
    negation: re.Pattern[str]
    negation_after: bool  # ja, ko: the negation follows the verb
    undo: re.Pattern[str]  # denial, rumour: in a sentence, or in the title for the item
    lookback: re.Pattern[str]  # an old event recalled: in an action's clause, or in the title
    as_written: re.Pattern[str]  # undoing cues matched with their case ("may")
    ownership: re.Pattern[str]
    continuity: re.Pattern[str]
    list_gap: re.Pattern[str]  # what may stand between two places of one list


def _family(lang: str) -> tuple[str, ...]:
    """The languages a text in ``lang`` is read with: its own, English, and its script's kin."""
    if lang == "zh":
        return ("zh", "zh_hant", "en")
    if lang in ("ja", "ko"):
        return (lang, "en")
    return tuple(dict.fromkeys((lang if lang in LATIN else "en", "en", "id")))


@cache
def _context(lang: str) -> _Context:
    terms = load_terms()
    context, cues = terms["context"], terms["cues"]
    langs = _family(lang)

    def pattern(table: dict[str, list[str]], strip_written: bool = False) -> re.Pattern[str]:
        if strip_written:
            table = {k: [t for t in v if not t.startswith("=")] for k, v in table.items()}
        return _pattern(table, langs) or _NEVER

    def written(*tables: dict[str, list[str]]) -> re.Pattern[str]:
        found = [t[1:] for table in tables for k in langs for t in table.get(k, ()) if t.startswith("=")]
        return re.compile(f"(?<![{LATIN_EDGE}])(?:{alternation(found)})(?![{LATIN_EDGE}])") if found else _NEVER

    locative = context["locative"]
    after = [t for k in langs for t in locative.get("after", {}).get(k, ())]
    undo = {k: [*cues["denial"].get(k, ()), *cues["rumour"].get(k, ())] for k in langs}
    lookback = {k: list(cues["lookback"].get(k, ())) for k in langs}
    return _Context(
        region=pattern(context["region"]),
        unsupported=pattern(context["unsupported"]),
        locative=pattern({k: v for k, v in locative.items() if isinstance(v, list) and k != "stop"}),
        after=re.compile(f"\\s?(?:{alternation(after)})") if after else None,
        stop=frozenset(s.casefold() for s in locative["stop"]),
        exclude=pattern(context["exclude"]),
        presence=pattern(context["presence"]),
        negation=pattern({k: v for k, v in cues["negation"].items() if isinstance(v, list)}),
        negation_after=lang in cues["negation"].get("after_action", ()),
        undo=pattern(undo, strip_written=True),
        lookback=pattern(lookback),
        as_written=written(cues["rumour"]),
        ownership=pattern(cues["ownership"]),
        continuity=pattern(cues["continuity"]),
        list_gap=_list_gap(langs, locative),
    )


def _list_gap(langs: tuple[str, ...], locative: dict[str, Any]) -> re.Pattern[str]:
    """Separators, conjunctions, articles and locatives: the words of a list of places
    ("in Brazil, the UK and in Japan", "au Ghana, en Ouganda", "英国、巴西和日本")."""
    words = [w for k in langs for w in load_terms()["lists"].get(k, ())]
    words += [w for k in langs if k in LATIN for w in locative.get(k, ())]
    latin = f"(?<![{LATIN_EDGE}])(?:{alternation(words)})(?![{LATIN_EDGE}])"
    return compile_lowered(f"(?:[\\s,;/&、，及和与與や와과및]|{latin})*")


def detect_language(text: str) -> str:
    """A cheap guess: Japanese by kana, Korean by hangul, Chinese by Han characters, else the
    Latin-script language with most stopwords (``[language]``), English on a tie."""
    sample = text[:4_000]
    tokens = [t.casefold() for t in _LATIN_WORDS.findall(sample)]
    kana, hangul, han = len(_KANA.findall(sample)), len(_HANGUL.findall(sample)), len(_HAN.findall(sample))
    if hangul > len(tokens) and hangul >= kana:
        return "ko"
    if kana and kana + han > len(tokens):
        return "ja"
    if han > len(tokens):  # a Han character is about a word's worth
        return "zh"
    scores = dict.fromkeys(LATIN, 0.0)
    stopwords = _stopwords()
    for token in tokens:
        for lang in stopwords.get(token, ()):
            scores[lang] += 1
    for lang, letters in load_terms()["language"]["letters"].items():
        scores[lang] += 0.5 * sum(sample.count(letter) for letter in letters)
    best = max(scores.values())
    if best == 0 or scores["en"] == best:
        return "en"
    return next(lang for lang, score in scores.items() if score == best)


@cache
def _stopwords() -> dict[str, tuple[str, ...]]:
    """Each stopword and the languages it belongs to (``[language]``)."""
    found: dict[str, list[str]] = {}
    for lang, words in load_terms()["language"].items():
        if lang == "letters":
            continue
        for stopword in words:
            found.setdefault(stopword, []).append(lang)
    return {stopword: tuple(langs) for stopword, langs in found.items()}


# --- one item, read once ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Action:
    start: int
    end: int
    action: str
    weak: bool
    frame: bool = False  # a frame's parts stand apart: words between them are read
    reversal: bool = False  # a restriction lifted: its place is the clause's, locative or not


@dataclass(frozen=True, slots=True)
class _Item:
    """One news item, read once: its text, the text lowered, and where things are in it."""

    text: str
    lower: str  # lowered(text)
    spans: list[tuple[int, int]]  # sentences; the title first
    actions: list[_Action]
    providers: list[tuple[int, str]]  # offset, slug
    names: list[tuple[int, int]]  # where the providers' names stand: no place inside one (美國商務部)
    language: str
    on: date | None  # the day of publication: groups have the members of that day
    _places: dict[int, list[Place]]  # per sentence, read when first asked for

    @classmethod
    def read(
        cls, title: str, body: str, language: str, published: datetime | None, table: Sequence[Provider] = ()
    ) -> _Item:
        text = f"{title}\n{body}"
        lower = lowered(text)
        spans, start = [(0, len(title))], len(title) + 1
        for match in _SENTENCES.finditer(text, start):
            spans.append((start, match.start()))
            start = match.end()
        spans.append((start, len(text)))
        vocab = _actions(language)
        matches = list(vocab.latin.finditer(lower))
        if not text.isascii() and CJK_CHAR.search(text):
            matches = sorted([*matches, *vocab.cjk.finditer(lower)], key=lambda m: m.start())
        actions = []
        for match in matches:
            name = next((n for n, p in vocab.kinds if p.fullmatch(match.group())), None)
            if name is not None:
                flag, _, action = name.rpartition(":")
                frame = vocab.frames.fullmatch(match.group()) is not None
                actions.append(_Action(match.start(), match.end(), action, flag == "weak", frame, flag == "reversal"))
        names = find_provider_spans(text, table) if actions else []
        providers = [(start, slug) for start, _, slug in names]
        named = [(start, end) for start, end, _ in names]
        on = published.date() if published else None
        return cls(text, lower, spans, actions, providers, named, language, on, {})

    def providers_in(self, start: int, end: int) -> tuple[str, ...]:
        return tuple(dict.fromkeys(slug for at, slug in self.providers if start <= at < end))

    def actions_in(self, start: int, end: int) -> list[_Action]:
        """The actions of one span: strong terms first, then reducing before widening."""
        first = bisect_left([a.start for a in self.actions], start)
        hits = [a for a in self.actions[first:] if a.start < end]
        return sorted(hits, key=lambda a: (a.weak, a.action not in RESTRICTIVE))

    def places_in(self, index: int) -> list[Place]:
        """The places of sentence ``index``, less those that describe a provider named after them."""
        if index not in self._places:
            start, end = self.spans[index]
            found = [
                replace(p, start=p.start + start, end=p.end + start)
                for p in find_places(self.text[start:end], self.language, self.on)
            ]
            self._places[index] = [
                p
                for p in found
                if not any(origin(self.text, self.lower, p, start, end) for start, end in self.names)
                and not any(start <= p.start < end for start, end in self.names)
            ]
        return self._places[index]


@dataclass(frozen=True, slots=True)
class _Reading:
    """One sentence that reads as an access action."""

    index: int
    action: str
    weak: bool
    providers: tuple[str, ...]
    places: tuple[Place, ...]
    unsupported: bool
    scope: Scope
    words: tuple[str, ...]

    @property
    def countries(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(code for place in self.places for code in place.codes))


def _clause(item: _Item, action: _Action, start: int, end: int) -> tuple[int, int]:
    """The bounds of the clause around ``action`` within the sentence ``start``..``end``."""
    left = start
    for match in _CLAUSES.finditer(item.text, start, action.start):
        left = match.end()
    right_match = _CLAUSES.search(item.text, action.end, end)
    return left, right_match.start() if right_match else end


def _negated(context: _Context, item: _Item, action: _Action, start: int, end: int) -> bool:
    """True when a negation cue bears on ``action``. One inside the action's own words ("no
    longer available", "nicht mehr verfügbar") is part of it, unless the action is a frame
    ("kommt vorerst nicht in"). Chinese puts the negation before the verb (a one-character
    cue only right before it), Japanese and Korean after it, the others anywhere in the clause."""
    left, right = _clause(item, action, start, end)
    if context.negation_after:
        window = (action.end, min(right, action.end + _NEGATION_AFTER))
    elif CJK_CHAR.match(item.text, action.start):
        window = (max(left, action.start - _NEGATION_BEFORE), action.start)
    else:
        window = (left, right)
    for match in context.negation.finditer(item.lower, window[0], window[1]):
        if action.start <= match.start() < action.end and not action.frame:
            continue
        if len(match.group()) == 1 and CJK_CHAR.match(match.group()) and match.end() < action.start - 1:
            continue  # 不 two characters away is another word's
        return True
    return False


def _continues(context: _Context, item: _Item, action: _Action, start: int, end: int) -> bool:
    """True when the action's clause says things stay as they are ("remains available") or
    recalls an old event ("a month after it was halted", "距離遭叫停約一個月")."""
    left, right = _clause(item, action, start, end)
    for cues in (context.continuity, context.lookback):
        for match in cues.finditer(item.lower, left, right):
            if not action.start <= match.start() < action.end:  # 无法继续使用: the action's own words
                return True
    return False


def _located(context: _Context, item: _Item, action: _Action, places: list[Place], start: int, end: int) -> list[Place]:
    """The places of the sentence that follow a locative (or, in ja/ko, precede one) near the
    action, with the places listed after them, and the region words so placed, as pseudo-places
    without codes."""
    lower, text = item.lower, item.text
    found: list[Place] = []
    for count, match in enumerate(context.locative.finditer(lower, start, end)):
        if count == _MAX_LOCATIVES:
            break
        if CJK_CHAR.match(text, match.start()):
            window = _CJK_WINDOW.match(text, match.end(), end)
            stop = window.end() if window else match.end()
        else:
            stop = match.end()
            for _ in range(_WINDOW_WORDS):
                next_word = _WORD.match(lower, stop, end)
                if next_word is None or next_word.group(1) in context.stop:
                    break
                stop = next_word.end()
        if stop <= match.end():
            continue
        found += [p for p in places if match.end() <= p.start and p.end <= stop]
        if context.region.search(lower, match.end(), stop):
            found.append(Place(match.end(), stop, (), "country"))
    if context.after is not None:
        found += [p for p in places if context.after.match(text, p.end, end)]
        for region in context.region.finditer(lower, start, end):
            if CJK_CHAR.match(text, region.start()) and context.after.match(text, region.end(), end):
                found.append(Place(region.start(), region.end(), (), "country"))
    near = [p for p in found if _distance(p, action) <= _NEAR]
    return _chained(context, item, near, places)


def _distance(place: Place, action: _Action) -> int:
    return max(place.start - action.end, action.start - place.end, 0)


def _chained(context: _Context, item: _Item, found: list[Place], places: list[Place]) -> list[Place]:
    """``found`` and every place listed with one of them, after it ("in Ghana, Uganda and
    Zambia") or before it, as in Japanese and Korean, where the particle follows the last place
    ("英国、ブラジル、フィリピンで")."""
    chosen = {(p.start, p.end): p for p in found}
    growing = True
    while growing:
        growing = False
        for place in places:
            if (place.start, place.end) in chosen:
                continue
            for other in list(chosen.values()):
                first, second = (other, place) if other.end <= place.start else (place, other)
                gap = second.start - first.end
                if 0 <= gap <= _LIST_GAP and context.list_gap.fullmatch(item.lower, first.end, second.start):
                    chosen[(place.start, place.end)] = place
                    growing = True
                    break
    return sorted(chosen.values(), key=lambda p: p.start)


def _read(context: _Context, item: _Item, index: int) -> _Reading | None:
    """The access action sentence ``index`` carries, if it places one in geography."""
    start, end = item.spans[index]
    lower = item.lower
    hits = [hit for hit in item.actions_in(start, end) if not _continues(context, item, hit, start, end)]
    if not hits or context.exclude.search(lower, start, end) or context.undo.search(lower, start, end):
        return None
    if context.as_written.search(item.text, start, end):
        return None
    presence = context.presence.search(lower, start, end) is not None
    unsupported = context.unsupported.search(lower, start, end) is not None
    places: list[Place] | None = None
    for hit in hits:
        negated = _negated(context, item, hit, start, end)
        if negated and hit.action in RESTRICTIVE:
            continue  # "will not block": no restriction
        if hit.action not in RESTRICTIVE and presence:
            continue  # an office, a team: the provider's presence, not its service
        if places is None:
            places = item.places_in(index)
        if hit.action in RESTRICTIVE or hit.reversal:
            where = places if hit.action in RESTRICTIVE else [p for p in places if p.kind != "nationality"]
            if not (where or unsupported or context.region.search(lower, start, end)):
                continue
        else:
            where = _located(context, item, hit, [p for p in places if p.kind != "nationality"], start, end)
            if not where:
                continue
        # "will not launch in the EU", "nicht in der EU anbieten": held back, a withdrawal
        action = "withdraw" if negated else hit.action
        scope: Scope = "territory"
        if action in RESTRICTIVE and context.ownership.search(lower, start, end):
            scope = "ownership"
        named = tuple(p for p in where if p.codes)
        words = (item.text[hit.start : hit.end], *(p.text(item.text) for p in named))
        return _Reading(index, action, hit.weak, item.providers_in(start, end), named, unsupported, scope, words)
    return None


def _primary(readings: list[_Reading]) -> _Reading:
    """The reading that speaks for the item (see the module docstring)."""
    strong = [r for r in readings if not r.weak] or readings
    if readings[0].index == 0 and (not readings[0].weak or strong is readings):
        return readings[0]
    named = [r for r in strong if r.providers]
    reducing = [r for r in named if r.action in RESTRICTIVE]
    return (reducing or named or strong)[0]


def _providers(
    primary: _Reading, item: _Item, default: str | None, table: Sequence[Provider]
) -> tuple[tuple[str, ...], bool]:
    """Who the item is about, and whether the item itself names them (not just its source). A
    regulator's own item is the regulator's signal, with the providers it names beside it."""
    named = primary.providers or item.providers_in(*item.spans[0])
    if default and is_regulator(default, table):
        return tuple(dict.fromkeys((default, *(named or item.providers_in(0, len(item.text)))))), True
    if named:
        return named, True
    if default:
        return (default,), False
    named = item.providers_in(0, len(item.text))
    return named, bool(named)


def _kin(primary: _Reading, readings: list[_Reading], providers: tuple[str, ...]) -> list[_Reading]:
    """The readings that speak of the primary one's change: sentences of the same direction
    about the same providers, or naming none ("the assistant rolls out in Bolivia, Guatemala
    and Paraguay")."""
    same = [r for r in readings if (r.action in RESTRICTIVE) == (primary.action in RESTRICTIVE)]
    return [primary, *(r for r in same if r is not primary and set(r.providers) <= set(providers))]


def _countries(
    primary: _Reading, readings: list[_Reading], kin: list[_Reading], providers: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[Place, ...], bool]:
    """The countries of the item's reading and of its ``kin``, the places behind them; True when
    inferred from the provider's unsupported regions."""
    found = _union(r.countries for r in kin)
    same = [r for r in readings if (r.action in RESTRICTIVE) == (primary.action in RESTRICTIVE)]
    if not found and any(r.unsupported for r in same):
        inferred = next((UNSUPPORTED_REGIONS[p] for p in providers if p in UNSUPPORTED_REGIONS), ())
        return inferred, (), bool(inferred)
    return found, tuple(p for r in kin for p in r.places), False


def _union(groups: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for codes in groups:
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
    providers: Sequence[Provider] = (),
) -> Signal | None:
    """The access signal in one news item, or None when it names no provider or no action.
    ``providers`` are a catalog's additions to the bundled provider table."""
    title = title[:MAX_TITLE].strip()  # shown as given; read in NFKC (full-width digits etc.)
    norm_title = unicodedata.normalize("NFKC", title)
    norm_text = unicodedata.normalize("NFKC", text[:MAX_TEXT])
    lang = language_of(language) or detect_language(f"{norm_title}\n{norm_text}")
    if lang not in LANGUAGES:
        lang = detect_language(f"{norm_title}\n{norm_text}")
    item = _Item.read(norm_title, norm_text, lang, published, providers)
    if not item.actions:
        return None
    context = _context(lang)
    title_end = item.spans[0][1]
    if (
        context.undo.search(item.lower, 0, title_end)
        or context.lookback.search(item.lower, 0, title_end)
        or context.as_written.search(item.text, 0, title_end)
    ):
        return None  # a denial, a rumour, a recap: whatever the body quotes, nothing new was decided
    readings = [r for i in range(len(item.spans)) if (r := _read(context, item, i)) is not None]
    if not readings:
        return None
    primary = _primary(readings)
    slugs, named = _providers(primary, item, default_provider, providers)
    if not slugs:
        return None
    kin = _kin(primary, readings, slugs)
    countries, places, inferred = _countries(primary, readings, kin, slugs)
    lead = item.spans[min(_LEAD_SENTENCES, len(item.spans) - 1)][1]  # where a dated action is looked for
    effective = resolve_effective(item.text, published, lang, lead=lead)
    relevance = _relevance(
        named=named,
        countries=bool(countries),
        inferred=inferred,
        restrictive=primary.action in RESTRICTIVE,
        dated=effective is not None,
        in_title=primary.index == 0,
    )
    groups = tuple(dict.fromkeys(p.group for p in places if p.group))
    return Signal(
        providers=slugs,
        countries=countries,
        action=primary.action,
        effective_date=effective.day if effective else None,
        effective_precision=effective.precision if effective else "day",
        relevance=relevance,
        language=language or lang,
        title=title,
        url=url,
        # "Updating restrictions of sales" and, below it, "to companies majority-owned by ...": one change
        scope="ownership" if any(r.scope == "ownership" for r in kin) else "territory",
        groups=groups,
        evidence=tuple(dict.fromkeys(primary.words)),
    )
