"""Which providers a piece of text names: the provider table and one matcher.

The table is data: monitor/extract/data/providers.toml, which a catalog extends with its own
``[[provider]]`` entries (a new slug adds a provider; a known slug adds names to it). Names
are written in every script the press uses. Latin-script names match as whole words, in any
case (``aliases``) or only as written when they are also ordinary words (``exact``: "Meta",
"Claude", "Gemini"). Chinese, Japanese and Korean names match anywhere, except that a Korean
name may be followed by a particle but not by another syllable (구글은, but not the 애플 in
애플리케이션) and a katakana name not by more katakana (メタ is not in メタバース). A longer
name wins over a shorter one at the same place, so "Azure OpenAI" names Microsoft and not
OpenAI as well.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources

from monitor.extract.dates import lowered
from monitor.types import Provider

# Countries each provider's own notices call its "unsupported regions", used only when an item
# says "unsupported regions" and names no country (a title-only feed entry). Every code here is
# absent from the provider's latest supported-countries page (checked against the copies in
# shared/realdata/availability) and China is the one the 2024 and 2025 notices named first.
UNSUPPORTED_REGIONS: dict[str, tuple[str, ...]] = {
    slug: ("CN", "HK", "MO", "RU", "BY", "IR", "KP", "SY", "CU") for slug in ("openai", "anthropic", "google")
}

_LETTERS = "a-z\u00c0-\u024f"
_HANGUL = "\uac00-\ud7af"
_KATAKANA = "\u30a0-\u30ff"
# What may follow a Korean name: a particle or the start of one (은/는, 이/가, 의, 을/를, 와/과,
# 도, 에/에서, 로/으로, 측 "side", 만, 까지, 보다, 처럼, 이라), never another syllable of a word.
_KOREAN_AFTER = "은는이가의을를와과도에로측만까보처라랑"


@cache
def bundled() -> tuple[Provider, ...]:
    """The bundled table (data/providers.toml), read once. The file is checked like a catalog's
    ``[[provider]]`` entries by tests/extract/test_providers.py."""
    text = resources.files("monitor.extract").joinpath("data/providers.toml").read_text(encoding="utf-8")
    return tuple(
        Provider(
            slug=table["slug"],
            name=table.get("name", table["slug"]),
            kind=table.get("kind", "provider"),
            aliases=tuple(table.get("aliases", ())),
            exact=tuple(table.get("exact", ())),
            products=tuple(table.get("products", ())),
        )
        for table in tomllib.loads(text)["provider"]
    )


@cache
def with_catalog(extra: tuple[Provider, ...]) -> tuple[Provider, ...]:
    """The bundled table with a catalog's entries: new slugs added, known ones given more names."""
    table = {p.slug: p for p in bundled()}
    for entry in extra:
        known = table.get(entry.slug)
        if known is None:
            table[entry.slug] = entry
            continue
        table[entry.slug] = replace(
            known,
            aliases=tuple(dict.fromkeys((*known.aliases, *entry.aliases))),
            exact=tuple(dict.fromkeys((*known.exact, *entry.exact))),
            products=tuple(dict.fromkeys((*known.products, *entry.products))),
        )
    return tuple(table.values())


@dataclass(frozen=True, slots=True)
class _Alias:
    slug: str
    spellings: frozenset[str] | None  # None: any case


@dataclass(frozen=True, slots=True)
class _Matcher:
    latin: re.Pattern[str]
    other: re.Pattern[str] | None
    table: dict[str, _Alias]
    kinds: dict[str, str]


@cache
def _matcher(providers: tuple[Provider, ...]) -> _Matcher:
    """Case-sensitive patterns over ASCII-lowered text (far faster than re.IGNORECASE)."""
    table: dict[str, _Alias] = {}
    for provider in providers:
        for alias in provider.aliases:
            table[alias.lower()] = _Alias(provider.slug, None)
        for alias in provider.exact:
            key = alias.lower()
            known = table.get(key)
            table[key] = _Alias(provider.slug, frozenset({alias, *(known.spellings or ())} if known else {alias}))
    keys = sorted(table, key=len, reverse=True)  # longest first: "azure openai", then "openai"
    latin = "|".join(re.escape(k) for k in keys if k.isascii())
    other = [k for k in keys if not k.isascii()]
    # A version may follow a Latin name ("Qwen2.5"), a letter may not. A Korean name takes a
    # particle, not another syllable; a katakana name no more katakana.
    other_pattern = "|".join(
        re.escape(k)
        + (f"(?![{_HANGUL}])|{re.escape(k)}(?=[{_KOREAN_AFTER}])" if re.search(f"[{_HANGUL}]$", k) else "")
        + (f"(?![{_KATAKANA}])" if re.search(f"[{_KATAKANA}]$", k) else "")
        for k in other
    )
    return _Matcher(
        latin=re.compile(f"(?<![{_LETTERS}0-9])(?:{latin})(?![{_LETTERS}])"),
        other=re.compile(other_pattern) if other else None,
        table=table,
        kinds={p.slug: p.kind for p in providers},
    )


def _table(providers: Sequence[Provider]) -> tuple[Provider, ...]:
    return with_catalog(tuple(providers)) if providers else bundled()


def find_provider_spans(text: str, providers: Sequence[Provider] = ()) -> list[tuple[int, int, str]]:
    """(start, end, slug) for every provider name in ``text``; ``providers`` extends the table."""
    matcher = _matcher(_table(providers))
    lower = lowered(text)
    matches = list(matcher.latin.finditer(lower))
    if matcher.other is not None and not text.isascii():
        matches = sorted([*matches, *matcher.other.finditer(lower)], key=lambda match: match.start())
    found: list[tuple[int, int, str]] = []
    for match in matches:
        alias = matcher.table[match.group()]
        if alias.spellings is not None:
            original = text[match.start() : match.end()]
            after = text[match.end() : match.end() + 2]
            if original not in alias.spellings or re.fullmatch(r"-[a-z]", after):
                continue  # "meta", "claude"; "Meta-analysis"
        found.append((match.start(), match.end(), alias.slug))
    return found


def find_providers(text: str, providers: Sequence[Provider] = ()) -> list[tuple[int, str]]:
    """(offset, slug) for every provider name in ``text``."""
    return [(start, slug) for start, _, slug in find_provider_spans(text, providers)]


def match_providers(text: str, providers: Sequence[Provider] = ()) -> tuple[str, ...]:
    """Provider slugs named in ``text``, in order of first mention."""
    return tuple(dict.fromkeys(slug for _, slug in find_providers(text, providers)))


def is_regulator(slug: str, providers: Sequence[Provider] = ()) -> bool:
    """True when ``slug`` is a regulator in the table (a BIS or OFAC feed's own slug)."""
    return _matcher(_table(providers)).kinds.get(slug) == "regulator"
