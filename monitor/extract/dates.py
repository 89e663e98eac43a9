"""Effective dates in news text: "starting July 9", "mulai 9 Juli 2024", "自7月9日起".

A date counts only after a word that announces a start (see ``[dates]`` in
data/signal_terms.toml), so a byline or "since Tuesday (15/6/2024)" is never read as one. After
the trigger, a tiny ordered registry of anchored parsers is tried (ISO, numeric, month-day,
day-month, month alone); the first that fits wins, and the first trigger with a date in the text
is the answer. A date without a year takes the publication year, or the next year when that
would put it more than about two months before publication. A month alone means its first day:
the earliest the change can take effect.
"""

from __future__ import annotations

import re
import string
import tomllib
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from importlib.resources import files
from typing import Any

from babel.dates import get_day_names, get_month_names

from monitor.types import Precision

LATIN_EDGE = "A-Za-z0-9\u00c0-\u024f"
LOOKBACK = timedelta(days=62)  # "~2 months": an earlier day-month is read as next year's
ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
#: The languages written with spaces between words that news is read in: their terms match
#: whole words, their stems take endings, and each has its own start words for dates.
LATIN = ("en", "id", "de", "fr", "es", "pt")
_UPPER_OUTSIDE_SYNTAX = re.compile(r"\\.|\(\?P|[A-Z]")


# Shared by the extract modules: the vocabulary, and regexes built from it. Patterns are run
# case-sensitively over ASCII-lowered text, several times faster than re.IGNORECASE.


@cache
def load_terms() -> dict[str, Any]:
    """The bundled vocabulary (data/signal_terms.toml), read once."""
    path = files("monitor.extract").joinpath("data", "signal_terms.toml")
    return tomllib.loads(path.read_text(encoding="utf-8"))


def alternation(terms: Iterable[str]) -> str:
    """``terms`` as one regex alternation, longest first."""
    return "|".join(sorted(terms, key=len, reverse=True))


def word(terms: Iterable[str]) -> str:
    """One regex matching any of ``terms`` as a whole (Latin-script) word."""
    return f"(?<![{LATIN_EDGE}])(?:{alternation(terms)})(?![{LATIN_EDGE}])"


def any_of(terms: Iterable[str]) -> str:
    """One regex matching any of ``terms`` anywhere (for scripts without spaces)."""
    return f"(?:{alternation(terms)})"


def lowered(text: str) -> str:
    """``text`` in lower case, each character where it was (so match offsets carry over)."""
    lower = text.lower()  # C speed; str.translate walks a dict per character
    return lower if len(lower) == len(text) else text.translate(ASCII_LOWER)


def compile_lowered(pattern: str) -> re.Pattern[str]:
    """Compile ``pattern`` to run over ``lowered(text)``."""
    return re.compile(
        _UPPER_OUTSIDE_SYNTAX.sub(lambda m: m.group() if len(m.group()) > 1 else m.group().lower(), pattern)
    )


@dataclass(frozen=True, slots=True)
class Effective:
    """An announced start: the day, or the first day of the month when only a month was given."""

    day: date
    precision: Precision


@dataclass(frozen=True, slots=True)
class _Found:
    year: int | None
    month: int
    day: int | None  # None: a month alone


_Parser = Callable[[re.Match[str], str | None], _Found | None]


@dataclass(frozen=True, slots=True)
class _Grammar:
    latin: re.Pattern[str]  # en/id triggers and "immediately" phrases, over ASCII-lowered text
    filler: re.Pattern[str]  # between a trigger and its date: "on", "the", a weekday, "("
    zh: re.Pattern[str]  # 2024年7月9日 and its suffix (the prefix is looked up behind it)
    zh_prefix: re.Pattern[str]
    zh_immediate: re.Pattern[str]
    month_only: dict[str, re.Pattern[str]]
    forms: tuple[tuple[re.Pattern[str], _Parser], ...]
    announce: re.Pattern[str]  # the verbs of a statement, whose date is not the action's


def _month_names() -> dict[str, int]:
    names: dict[str, int] = {}
    for locale in LATIN:
        for width in ("wide", "abbreviated"):
            for number, name in get_month_names(width, locale=locale).items():
                names[str(name).casefold()] = int(number)
    for extra in load_terms()["dates"]["months"].values():
        names.update({str(k).casefold(): int(v) for k, v in extra.items()})
    return names


def _day_names() -> list[str]:
    return [
        str(name) for loc in LATIN for w in ("wide", "abbreviated") for name in get_day_names(w, locale=loc).values()
    ]


def _int(text: str | None) -> int | None:
    return int(text) if text else None


def _numeric(match: re.Match[str], language: str | None) -> _Found | None:
    first, second, year = int(match["a"]), int(match["b"]), int(match["y"])
    if first > 12 or (language not in (None, "en") and second <= 12):
        return _Found(year, second, first)  # day first
    if second > 12:
        return _Found(year, first, second)
    return None  # 7/9/2024 in English: July 9 or 7 September? Not guessed.


@cache
def _grammar() -> _Grammar:
    terms = load_terms()["dates"]
    months = _month_names()
    mon = word(re.escape(m) for m in months) + r"\.?"
    day = r"(?P<d>\d{1,2})(?:st|nd|rd|th|er|º|°)?\.?(?!\d)"
    year = r"(?:(?:,?\s+|\s+de\s+)(?P<y>\d{4})(?!\d))?"  # "July 9, 2024", "9 de julio de 2024"
    filler = (
        r"(?:\s*d['’]|[\s,]+)?[\s,]*(?:(?:the|on|hari|de|du|del|el)\s+)?(?:" + word(_day_names()) + r"\.?,?\s*)?\(?\s*"
    )

    def md(m: re.Match[str], _: str | None) -> _Found:
        parts = m.groupdict()
        return _Found(_int(parts["y"]), months[parts["m"].rstrip(".").casefold()], _int(parts.get("d")))

    forms: tuple[tuple[re.Pattern[str], _Parser], ...] = (
        (
            re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?!\d)"),
            lambda m, _: _Found(int(m["y"]), int(m["m"]), int(m["d"])),
        ),
        (re.compile(r"(?P<a>\d{1,2})[/.](?P<b>\d{1,2})[/.](?P<y>\d{4})(?!\d)"), _numeric),
        (re.compile(f"(?P<m>{mon})\\s+{day}{year}", re.I), md),
        (re.compile(f"{day}(?:\\s+(?:of|de))?\\s+(?P<m>{mon}){year}", re.I), md),
        (re.compile(f"(?P<m>{mon}){year}", re.I), md),
    )
    latin = "|".join(
        (
            f"(?P<imm>{alternation(t for lang in LATIN for t in terms['immediate'][lang])})",
            *(f"(?P<{lang}>{alternation(terms['triggers'][lang])})" for lang in LATIN),
        )
    )
    return _Grammar(
        latin=compile_lowered(f"(?<![{LATIN_EDGE}])(?:{latin})(?![{LATIN_EDGE}])"),
        filler=re.compile(filler, re.I),
        zh=re.compile(
            r"(?:(?P<zy>\d{4})\s*[年년]\s*)?(?P<zm>\d{1,2})\s*[月월]\s*"
            r"(?:(?P<zd>\d{1,2})\s*[日号號일]\s*(?:[(（][^)）]{1,3}[)）]\s*)?)?"  # a weekday may follow: 9日(火)
            f"(?P<zsuf>{any_of(terms['zh_suffix'] + terms['cjk_suffix'])})?"
        ),
        zh_prefix=re.compile(f"(?:{any_of(terms['zh_prefix'])})\\s*$"),
        zh_immediate=re.compile(any_of(t for lang in ("zh", "ja", "ko") for t in terms["immediate"][lang])),
        month_only={lang: re.compile(word(terms["month_only"][lang]), re.I) for lang in LATIN},
        forms=forms,
        announce=compile_lowered(
            f"{word(t for lang in LATIN for t in terms['announce'][lang])}|{any_of(terms['announce']['cjk'])}"
        ),
    )


def _resolve(found: _Found, published: datetime | None) -> date | None:
    """The calendar day of ``found``, taking the year from publication when it has none."""
    day = found.day or 1
    try:
        if found.year is not None:
            return date(found.year, found.month, day)
        if published is None:
            return None
        pub = published.date()
        resolved = date(pub.year, found.month, day)
        if resolved < pub - LOOKBACK:
            resolved = date(pub.year + 1, found.month, day)
        return resolved
    except (ValueError, OverflowError):
        return None


def _chinese(grammar: _Grammar, match: re.Match[str], text: str) -> _Found | None:
    start = match.start()
    if start and text[start - 1].isdigit():
        return None  # the tail of a longer number
    found = _Found(_int(match["zy"]), int(match["zm"]), _int(match["zd"]))
    if match["zsuf"]:
        return found
    if found.day is not None and grammar.zh_prefix.search(text, max(0, start - 6), start):
        return found
    return None


def _after_trigger(grammar: _Grammar, match: re.Match[str], text: str, language: str | None) -> _Found | None:
    lang = next(lang for lang in LATIN if match[lang] is not None)
    at = grammar.filler.match(text, match.end())
    position = at.end() if at else match.end()
    for pattern, parse in grammar.forms:
        hit = pattern.match(text, position)
        if hit is None:
            continue
        found = parse(hit, language or lang)
        if found is None:
            return None
        if found.day is None and found.year is None:
            if not grammar.month_only[lang].fullmatch(match[lang]):
                return None
        return found
    return None


def _candidates(grammar: _Grammar, text: str) -> list[tuple[int, str, re.Match[str]]]:
    """Every place a date may be announced, in text order."""
    found = [(m.start(), "latin", m) for m in grammar.latin.finditer(lowered(text))]
    if not text.isascii():
        found += [(m.start(), "zh", m) for m in grammar.zh.finditer(text)]
        found += [(m.start(), "now", m) for m in grammar.zh_immediate.finditer(text)]
    return sorted(found, key=lambda candidate: candidate[0])


def resolve_date(text: str, published: datetime | None, language: str | None = None) -> date | None:
    """The first announced effective date in ``text``, resolved against ``published``."""
    effective = resolve_effective(text, published, language)
    return effective.day if effective is not None else None


def resolve_effective(
    text: str, published: datetime | None, language: str | None = None, *, lead: int | None = None
) -> Effective | None:
    """The effective date in ``text`` with its precision ("from July": a month): the first date a
    start word announces; else, when the caller knows the text reports an action and gives
    ``lead`` (the length of its title and first sentences), the first full date there that dates
    the action, not a statement about it, and not after publication. "Immediately" is the
    publication day, unless the action is dated."""
    text = unicodedata.normalize("NFKC", text)
    grammar = _grammar()
    immediate = False
    for _, kind, match in _candidates(grammar, text):
        if kind == "now" or (kind == "latin" and match["imm"] is not None):
            immediate = immediate or published is not None
            continue
        if kind == "zh":
            found = _chinese(grammar, match, text)
        else:
            found = _after_trigger(grammar, match, text, language)
        resolved = _resolve(found, published) if found is not None else None
        if found is not None and resolved is not None:
            return Effective(resolved, "day" if found.day is not None else "month")
    dated = _dated_action(grammar, text[:lead], published, language) if lead is not None else None
    if dated is not None:
        return Effective(dated, "day")
    if immediate and published is not None:
        return Effective(published.date(), "day")
    return None


_STATEMENT_REACH = 24  # characters between a date and the verb of the statement it dates


def _dated_action(grammar: _Grammar, text: str, published: datetime | None, language: str | None) -> date | None:
    """The first full date in ``text`` that dates an action: not beside a statement verb ("said
    on June 25"), not after publication."""
    found: list[tuple[int, int, _Found]] = []
    for pattern, parse in grammar.forms[:4]:  # the forms with a day
        for match in pattern.finditer(text):
            if (hit := parse(match, language)) is not None and hit.day is not None:
                found.append((match.start(), match.end(), hit))
    if not text.isascii():
        for match in grammar.zh.finditer(text):
            if match["zd"] and not (match.start() and text[match.start() - 1].isdigit()):
                found.append(
                    (match.start(), match.end(), _Found(_int(match["zy"]), int(match["zm"]), int(match["zd"])))
                )
    lower = lowered(text)
    for start, end, hit in sorted(found, key=lambda f: f[0]):
        before = grammar.announce.search(lower, max(0, start - _STATEMENT_REACH), start)
        after = grammar.announce.search(lower, end, end + _STATEMENT_REACH)
        if before or after:
            continue
        resolved = _resolve(hit, published)
        if resolved is not None and (published is None or resolved <= published.date()):
            return resolved
    return None
