"""Which catalog providers a piece of text names: the alias table and one matcher.

Aliases are product and company names in English, Chinese and Indonesian spellings. Names that
are also ordinary words ("Meta", "Claude", "Gemini", "Llama", "Mistral", "Copilot", "Ernie") match
only with their capitalisation; distinctive names ("OpenAI", "ChatGPT", "DeepSeek") match in any
case. A longer alias wins over a shorter one at the same place, so "Azure OpenAI" names Microsoft
and not OpenAI as well.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from monitor.extract.dates import lowered


@dataclass(frozen=True, slots=True, kw_only=True)
class Provider:
    """One catalog provider and the names it goes by."""

    slug: str
    aliases: tuple[str, ...] = ()  # any case
    exact: tuple[str, ...] = ()  # this capitalisation only (names that are also words)


PROVIDERS: tuple[Provider, ...] = (
    Provider(
        slug="openai",
        aliases=("OpenAI", "ChatGPT", "DALL-E", "DALL·E", "GPT-3.5", "GPT-4o", "GPT-4", "GPT-5"),
        exact=("Open AI", "Sora"),
    ),
    Provider(slug="anthropic", aliases=("Anthropic",), exact=("Claude",)),
    Provider(
        slug="google",
        aliases=("Google", "DeepMind", "谷歌"),
        exact=("Gemini", "Bard", "Alphabet"),
    ),
    Provider(
        slug="microsoft",
        aliases=("Microsoft", "Azure OpenAI", "微软", "Bing Chat"),
        exact=("Copilot", "Azure"),
    ),
    Provider(slug="meta", aliases=("Meta AI", "Meta Platforms"), exact=("Meta", "Llama", "LLaMA")),
    Provider(slug="mistral", aliases=("Mistral AI",), exact=("Mistral", "Le Chat")),
    Provider(slug="deepseek", aliases=("DeepSeek", "深度求索")),
    Provider(slug="baidu", aliases=("Baidu", "百度", "文心一言", "文心"), exact=("Ernie", "ERNIE")),
    Provider(
        slug="alibaba",
        aliases=("Alibaba", "Alibaba Cloud", "Qwen", "Tongyi", "阿里巴巴", "阿里云", "通义千问", "通义"),
    ),
)

# Countries each provider's own notices call its "unsupported regions", used only when an item
# says "unsupported regions" and names no country (a title-only feed entry). Every code here is
# absent from the provider's latest supported-countries page (checked against the copies in
# shared/realdata/availability) and China is the one the 2024 and 2025 notices named first.
UNSUPPORTED_REGIONS: dict[str, tuple[str, ...]] = {
    slug: ("CN", "HK", "MO", "RU", "BY", "IR", "KP", "SY", "CU") for slug in ("openai", "anthropic", "google")
}

_LETTERS = "a-z\u00c0-\u024f"


@dataclass(frozen=True, slots=True)
class _Alias:
    slug: str
    spellings: frozenset[str] | None  # None: any case


@cache
def _matcher() -> tuple[re.Pattern[str], re.Pattern[str], dict[str, _Alias]]:
    """One case-sensitive pattern over ASCII-lowered text (far faster than re.IGNORECASE)."""
    table: dict[str, _Alias] = {}
    for provider in PROVIDERS:
        for alias in provider.aliases:
            table[alias.lower()] = _Alias(provider.slug, None)
        for alias in provider.exact:
            key = alias.lower()
            known = table.get(key)
            table[key] = _Alias(provider.slug, frozenset({alias, *(known.spellings or ())} if known else {alias}))
    keys = sorted(table, key=len, reverse=True)  # longest first: "azure openai", then "openai"
    latin = "|".join(re.escape(k) for k in keys if k.isascii())
    other = "|".join(re.escape(k) for k in keys if not k.isascii())
    # A version may follow a Latin name ("Qwen2.5"), a letter may not; CJK names stand anywhere.
    # Two patterns, not one alternation: each stays a fast scan on its own.
    return (re.compile(f"(?<![{_LETTERS}0-9])(?:{latin})(?![{_LETTERS}])"), re.compile(other), table)


def find_providers(text: str) -> list[tuple[int, str]]:
    """(offset, slug) for every provider name in ``text``."""
    latin, other, table = _matcher()
    matches = list(latin.finditer(lowered(text)))
    if not text.isascii():
        matches = sorted([*matches, *other.finditer(text)], key=lambda match: match.start())
    found: list[tuple[int, str]] = []
    for match in matches:
        alias = table[match.group()]
        if alias.spellings is not None:
            original = text[match.start() : match.end()]
            after = text[match.end() : match.end() + 2]
            if original not in alias.spellings or re.fullmatch(r"-[a-z]", after):
                continue  # "meta", "claude"; "Meta-analysis"
        found.append((match.start(), alias.slug))
    return found


def match_providers(text: str) -> tuple[str, ...]:
    """Provider slugs named in ``text``, in order of first mention."""
    return tuple(dict.fromkeys(slug for _, slug in find_providers(text)))
