"""Country names in many languages → ISO 3166-1 alpha-2 codes, and country mentions in text.

Sources, strongest first: the curated ``data/aliases.toml``, pycountry (ISO names) with Babel's
CLDR territory names in ``LOCALES``, then (list entries only) every other locale Babel ships and
the ISO 3166-3 former names (``names.py``, cached on disk). Names are compared by a *key*:
footnote markers dropped, NFKC, accents dropped, case-folded, cut into words (each CJK character
is a word; a script's vowel signs stay in their word), "the", "of" and "and" left out,
"St."/"Rep."-style abbreviations spelled out. There is no fuzzy matching: a
name's key is in the index or the name is unmapped. A key that two sources give to different
countries, or that the alias file marks ambiguous ("Korea", "Congo"), is never guessed.
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, NamedTuple

import pycountry
from babel import Locale, UnknownLocaleError

from monitor.errors import AmbiguousCountryError, ExtractError
from monitor.extract.names import cached, wide_names
from monitor.types import Claim

LOCALES = ("en", "zh_Hans", "zh_Hant", "id", "ja", "ko", "fr", "de", "es", "pt", "ru", "ar", "tr")
# Also searched in running text. The Latin-script names of the other locales are read in lists
# only: in English prose they are words and first names ("Maurice" is Mauritius in French).
TEXT_LOCALES = frozenset({"en", "zh_Hans", "zh_Hant", "id", "ja", "ko", "ru", "ar"})
USER_ASSIGNED = frozenset({"XK"})  # Kosovo: CLDR has it, ISO 3166-1 and pycountry do not
MAX_NAME = 300  # longer "names" are prose, not list entries

_STOPWORDS = frozenset({"the", "of", "and"})
_ABBREVIATIONS = {
    "st": "saint", "ste": "sainte", "rep": "republic", "dem": "democratic", "fed": "federated",
    "sts": "states",
}  # fmt: skip
_CJK = "\u3041-\u30fa\u30fc-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_APOSTROPHES = "'’‘ʼ"
# Combining marks that belong inside a word (Python's \w leaves them out): the vowel signs of
# Indic, Thai, Lao, Tibetan, Myanmar, Khmer and Ethiopic scripts, Arabic and Hebrew points.
_MARKS = (
    "\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0711"
    "\u0730-\u074a\u0900-\u0dff\u0e31-\u0e3a\u0e47-\u0e4e\u0eb1-\u0ebc\u0ec8-\u0ecd\u0f18-\u0f19"
    "\u0f35-\u0f39\u0f71-\u0f84\u0f90-\u0fbc\u102b-\u103e\u1056-\u1059\u135d-\u135f\u17b4-\u17d3"
    "\u1a17-\u1a1b\U00011100-\U0001114f"
)
_LETTER = rf"(?:[^\W_{_CJK}]|[{_MARKS}])"
_WORD = re.compile(rf"[{_CJK}]|(?:[^\W\d_]\.){{2,}}|{_LETTER}+(?:[{_APOSTROPHES}]{_LETTER}+)*")
# Marks a key drops: Latin, Greek and Cyrillic accents, Hebrew and Arabic points (written or not
# at will); the vowel signs of other scripts stay, they tell names apart.
_OPTIONAL_MARKS = re.compile("[\u0300-\u036f\u0591-\u05c7\u064b-\u065f\u0670]")
_DROP = str.maketrans("", "", "." + _APOSTROPHES)
_POSSESSIVE = re.compile(rf"[{_APOSTROPHES}]s$")  # "China's" is China
_FOOTNOTES = re.compile(r"\[\s*[\w*†]{1,3}\s*\]|\(\s*\d{1,2}\s*\)|[*†‡§¶#\u00b9\u00b2\u00b3\u2070-\u209f]")
_SPACES = re.compile(r"\s+")
_SAR = re.compile(r" (?:sar|special administrative region)\b.*$")
_PAREN = re.compile(r"(?P<outer>[^(]+?)\s*\((?P<inner>.*)\)\s*$")
_EXCLUSION = re.compile(
    r"(?P<name>.+?)[\s(,;:–—-]*\b(?P<rest>(?:except(?:ing)?|excluding|other than|not including"
    r"|with (?:certain |some )?exceptions?)\b.*?)\)?\s*$",
    re.IGNORECASE,
)
_EXCEPT_WORD = re.compile(r"^(?:except(?:ing)?(?: for)?|excluding|other than|not including)\s+", re.IGNORECASE)
_LIST_SEPARATORS = re.compile(r",|;|/|&|\band\b|\bor\b", re.IGNORECASE)
_AREA = re.compile(
    r"^(?:the\s+)?(?P<name>.*?)(?:\s+(?:regions?|oblasts?|provinces?|territor(?:y|ies)|areas?))?$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class CountryMatch:
    """One name, read: the country, and the sub-national areas the name excludes."""

    code: str
    caveats: tuple[str, ...] = ()  # excluded areas as written, e.g. ("Crimea", "Donetsk")
    subdivisions: tuple[str, ...] = ()  # ISO 3166-2 codes of the caveats that have one


def normalize_country(name: str) -> CountryMatch | None:
    """One name to its country; None when unmapped; AmbiguousCountryError when ambiguous."""
    text = _clean(name)
    if not text or len(text) > MAX_NAME:
        return None
    codes = _lookup(text)
    if codes is not None:
        return _single(name, codes)
    if exclusion := _EXCLUSION.fullmatch(text):
        return _excluding(exclusion["name"], exclusion["rest"])
    if paren := _PAREN.fullmatch(text):
        return _parenthetical(name, paren["outer"], paren["inner"])
    return None


def normalize_names(names: Iterable[str]) -> Claim:
    """A page's list of names to a Claim; split bullets joined, unreadable names reported."""
    items = list(names)
    matches = list(map(_quiet, items))
    for i, match in enumerate(matches):
        if match is None:
            matches[i] = in_list_context(items[i])
    if missing := [i for i, match in enumerate(matches) if match is None]:
        keys = list(map(_item_key, items))
        for i in missing:  # pairing only ever fills a gap: the gaps left are among these
            if matches[i] is None:
                _pair(items, keys, matches, i)
    found = [match for match in matches if match is not None]
    caveats: dict[str, tuple[str, ...]] = {}
    for match in found:
        if match.caveats:
            old = caveats.get(match.code, ())
            if new := tuple(c for c in match.caveats if c not in old):
                caveats[match.code] = old + new
    unmapped = tuple(item for item, match in zip(items, matches, strict=True) if match is None)
    order = tuple(dict.fromkeys(match.code for match in found))
    return Claim(codes=frozenset(order), unmapped=unmapped, caveats=caveats, names=len(items), order=order)


@functools.lru_cache(maxsize=4096)
def in_list_context(name: str) -> CountryMatch | None:
    """An ambiguous name read on a list of places a provider serves: its one candidate that a
    provider could serve (``[list_context]`` of the alias file), with the reading as a caveat."""
    try:
        normalize_country(name)
        return None
    except AmbiguousCountryError as exc:
        unservable = frozenset(_alias_file().get("list_context", {}).get("unservable", ()))
        servable = [code for code in exc.candidates if code not in unservable]
        if len(servable) != 1:
            return None
        others = ", ".join(code for code in exc.candidates if code != servable[0])
        note = f"{_clean(name)!r} read as {servable[0]} on an availability list ({others}: not servable)"
        return CountryMatch(code=servable[0], caveats=(note,))


def find_countries(text: str) -> tuple[str, ...]:
    """Codes of the countries named in running text, sorted and unique."""
    return tuple(sorted({code for _, _, code in country_spans(unicodedata.normalize("NFKC", text))}))


_ELISION = re.compile(r"(?:[DdLl]|[Qq]u)['’](?=[^\W\d_])")  # l'Italie, d'Espagne


def country_spans(text: str, extra: Sequence[_Index] = (), *, elisions: bool = False) -> Iterator[tuple[int, int, str]]:
    """(start, end, code) of every country named in running text (NFKC-normalised by the
    caller). The longest name wins across the shared index and the ``extra`` ones ("Corée du
    Sud" over an ambiguous "Corée"); a name of two countries is skipped. With ``elisions``, a
    French article comes off a word that is no name as written ("l'Italie"; "Côte d'Ivoire" is
    read whole first)."""
    words = [_Word(_folded(m.group()), m.start(), m.end()) for m in _WORD.finditer(text)]
    words = [word for word in words if word.key not in _STOPWORDS]
    indexes = [_index(), *extra]
    i = 0
    while i < len(words):
        taken, found = _name_at(indexes, text, words, i)
        if found is None and elisions and (elision := _ELISION.match(text, words[i].start)):
            bare = _Word(_folded(text[elision.end() : words[i].end]), elision.end(), words[i].end)
            words[i] = bare
            taken, found = _name_at(indexes, text, words, i)
        if found is not None and len(found.codes) == 1:
            yield words[i].start, words[i + taken - 1].end, next(iter(found.codes))
        i += taken


def _name_at(indexes: Sequence[_Index], text: str, words: list[_Word], i: int) -> tuple[int, _Entry | None]:
    """The longest name starting at word ``i`` in any of ``indexes``, and how many words it takes."""
    taken, found = 1, None
    for index in indexes:
        length, entry = _longest(index, text, words, i)
        if entry is not None and (found is None or length > taken):
            taken, found = length, entry
    return taken, found


def country_name(code: str, locale: str = "en") -> str:
    """The CLDR display name of a code in a locale; the code itself when it has none."""
    code = code.upper()
    if code not in _codes():
        return code
    name = _territories(locale).get(code) or _territories("en").get(code)
    return name or code


def flag(code: str) -> str:
    """The regional-indicator emoji flag of a code ("" for codes that are not countries)."""
    code = code.upper()
    if code not in _codes():
        return ""
    return "".join(chr(0x1F1E6 + ord(letter) - ord("A")) for letter in code)


# --- reading one name -------------------------------------------------------------------------


def _clean(name: str) -> str:
    """Footnote markers out, NFKC, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", _FOOTNOTES.sub(" ", name[: MAX_NAME * 2]))
    return _SPACES.sub(" ", text).strip()


def _lookup(text: str) -> frozenset[str] | None:
    """The codes the index gives a name, trying "B A" for "A, B" and dropping a SAR suffix."""
    names = _index().names
    keys = [_key(text)]
    before, comma, after = text.partition(",")
    if comma:
        keys.append(_key(f"{after} {before}"))
    for key in keys:
        for variant in (key, _SAR.sub("", key)):
            if variant in names:
                return names[variant]
    return None


def _single(name: str, codes: frozenset[str]) -> CountryMatch:
    """The match for a one-code entry; AmbiguousCountryError for an entry with several."""
    if len(codes) != 1:
        raise AmbiguousCountryError(name, tuple(sorted(codes)))
    return CountryMatch(code=next(iter(codes)))


def _excluding(name: str, rest: str) -> CountryMatch | None:
    """ "Ukraine (except Crimea, Donetsk, and Luhansk regions)": the country, areas as caveats;
    "Ukraine's territories other than Crimea" too (the areas word after the name is dropped)."""
    match = normalize_country(name) or normalize_country(_area(name)) or _demonym(name)
    if match is None:
        return None
    areas, known = _areas(rest), _subdivision_names(match.code)
    codes = tuple(known[key] for key in map(_key, areas) if key in known)
    return CountryMatch(code=match.code, caveats=match.caveats + areas, subdivisions=match.subdivisions + codes)


_TERRITORIES_OF = re.compile(r"^(?:the\s+)?(?:territor(?:y|ies)|regions?|areas?)\s+of\s+", re.IGNORECASE)


def _demonym(name: str) -> CountryMatch | None:
    """ "Ukrainian territories", "the territories of Ukraine": the country (``[demonyms]``)."""
    of = _TERRITORIES_OF.sub("", name.strip())
    if of != name.strip():
        return normalize_country(of)
    code = _demonyms().get(_key(_area(name)))
    return CountryMatch(code=code) if code else None


@functools.cache
def _demonyms() -> dict[str, str]:
    return {_key(adjective): str(code) for adjective, code in _alias_file().get("demonyms", {}).items()}


def _areas(rest: str) -> tuple[str, ...]:
    """ "except Crimea, and the Luhansk regions" → ("Crimea", "Luhansk")."""
    body = _EXCEPT_WORD.sub("", rest)
    if body == rest:  # "with certain exceptions": nothing named, the phrase is the caveat
        return (rest.strip(),)
    return tuple(filter(None, (_area(part) for part in _LIST_SEPARATORS.split(body))))


def _area(part: str) -> str:
    """ "the Luhansk regions" → "Luhansk"."""
    found = _AREA.fullmatch(part.strip())
    return found["name"].strip() if found else ""


def _parenthetical(name: str, outer: str, inner: str) -> CountryMatch | None:
    """ "Myanmar (Burma)", "Congo (DRC)", "Iran (Islamic Republic of)", "Bahamas (the)"."""
    codes = _lookup(f"{inner} {outer}")
    if codes is not None:
        return _single(name, codes)
    if not _key(inner):
        return normalize_country(outer)
    outer_codes, inner_codes = _lookup(outer), _lookup(inner)
    if not outer_codes or not inner_codes:
        return None  # an unexplained parenthesis is reported, not guessed away
    both = outer_codes & inner_codes
    return _single(name, both or outer_codes | inner_codes)


def _pair(items: list[str], keys: list[str], matches: list[CountryMatch | None], i: int) -> None:
    """Split bullets: "Bosnia" + "Herzegovina" → BA, if the halves name nothing else."""
    # Neighbours first; the halves need not be adjacent (Gemini 2025-02 sorted them apart).
    names = _index().names
    for j in sorted(range(len(items)), key=lambda j: (abs(j - i) > 1, j)):
        for a, b in ((j, i), (i, j)):
            if a == b or f"{keys[a]} {keys[b]}" not in names:
                continue
            joined = _quiet(f"{items[a]} and {items[b]}")
            if joined and matches[i] is None and matches[j] in (None, joined):
                matches[i] = matches[j] = joined
                return


@functools.lru_cache(maxsize=16384)
def _quiet(name: str) -> CountryMatch | None:
    """normalize_country, with ambiguous names counted as unmapped (memoised: pages repeat names)."""
    try:
        return normalize_country(name)
    except AmbiguousCountryError:
        return None


# --- running text -----------------------------------------------------------------------------


class _Word(NamedTuple):
    key: str
    start: int
    end: int


def _longest(index: _Index, text: str, words: list[_Word], i: int) -> tuple[int, _Entry | None]:
    """The longest plausible entry starting at word i, and how many words it takes."""
    for length in index.starts.get(words[i].key, ()):
        span = words[i : i + length]
        if len(span) == length:
            entry = index.text.get(" ".join(w.key for w in span))
            if entry is not None and _plausible(text, span, entry):
                return length, entry
    return 1, None


def _plausible(text: str, span: list[_Word], entry: _Entry) -> bool:
    """Proper nouns are capitalised; a name of four letters or fewer must match as written."""
    if not entry.codes:
        return True  # "New Jersey": consumed so that "Jersey" is not found inside it
    written = text[span[0].start : span[-1].end]
    if written.lower() == written.upper():
        return True  # a script without case
    if not any(text[w.start].isupper() for w in span):
        return False
    return not entry.short or _POSSESSIVE.sub("", _SPACES.sub(" ", written)) in entry.surfaces


# --- the index --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Entry:
    codes: frozenset[str]  # one: a country; several: ambiguous; none: a phrase to skip
    surfaces: frozenset[str]  # spellings, for names short enough to need an exact match
    short: bool


@dataclass(frozen=True, slots=True)
class _Index:
    names: Mapping[str, frozenset[str]]  # key → codes, for list entries
    text: Mapping[str, _Entry]  # key → entry, for running text
    starts: Mapping[str, tuple[int, ...]]  # first word of a text key → lengths, longest first


def _fold(word: str) -> str:
    """One word's key: accents off, case-folded, dots and apostrophes out, abbreviations spelled."""
    if len(word) == 1:
        return word.casefold()
    if word.isascii():
        folded = word.lower()
    else:
        bare = _OPTIONAL_MARKS.sub("", unicodedata.normalize("NFKD", word))
        folded = unicodedata.normalize("NFC", bare).casefold()
    folded = _POSSESSIVE.sub("", folded).translate(_DROP)
    return _ABBREVIATIONS.get(folded, folded)


_folded = functools.lru_cache(maxsize=1 << 16)(_fold)  # running text repeats its words


@functools.lru_cache(maxsize=16384)
def _item_key(item: str) -> str:
    """The comparison key of a list item as written (memoised)."""
    return _key(_clean(item))


def _key(text: str) -> str:
    """The comparison key of a name."""
    keys = (_fold(w) for w in _WORD.findall(text))
    return " ".join(k for k in keys if k and k not in _STOPWORDS)


@functools.cache
def _codes() -> frozenset[str]:
    """Every country code: ISO 3166-1 alpha-2 plus the user-assigned ones we accept."""
    return frozenset(c.alpha_2 for c in pycountry.countries) | USER_ASSIGNED


@functools.cache
def _territories(locale: str) -> Mapping[str, str]:
    """CLDR territory names of a locale, country codes only ({} for an unknown locale)."""
    try:
        names = Locale.parse(locale.replace("-", "_")).territories
    except (UnknownLocaleError, ValueError, TypeError):
        return {}
    return {code: name for code, name in names.items() if code in _codes()}


def _generated() -> Iterator[tuple[str, str, bool]]:
    """(name, code, searched in text) from pycountry and CLDR, with "A (B)" also giving "A"."""
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            name = getattr(country, attr, None)
            if name:
                yield name, country.alpha_2, True
                before, comma, after = name.partition(",")
                if comma:  # "Korea, Republic of" is also "Republic of Korea"
                    yield f"{after} {before}", country.alpha_2, True
    for locale in LOCALES:
        for code, name in _territories(locale).items():
            yield name, code, locale in TEXT_LOCALES
            if paren := _PAREN.fullmatch(unicodedata.normalize("NFKC", name)):
                yield paren["outer"], code, locale in TEXT_LOCALES


@functools.cache
def _index() -> _Index:
    """The lookup index: read from the user's cache, else built (about 2 s) and cached."""
    fingerprint = f"{_KEY_VERSION}:{_alias_source()}:{','.join(LOCALES)}:{','.join(sorted(TEXT_LOCALES))}"
    names, text, starts = cached("country-index", fingerprint, _built)
    entries = {key: _Entry(codes=codes, surfaces=forms, short=short) for key, (codes, forms, short) in text.items()}
    return _Index(names=names, text=entries, starts=starts)


_TextEntry = tuple[frozenset[str], frozenset[str], bool]  # codes, surfaces, short
_Plain = tuple[dict[str, frozenset[str]], dict[str, _TextEntry], dict[str, tuple[int, ...]]]
#: Bumped when the key function changes, so cached indexes built with the old one are not read.
_KEY_VERSION = 2


def _built() -> _Plain:
    """The index from its sources, as plain data (what ``names.cached`` keeps)."""
    aliases = _aliases()
    names: defaultdict[str, set[str]] = defaultdict(set)
    text: defaultdict[str, set[str]] = defaultdict(set)
    surfaces: defaultdict[str, set[str]] = defaultdict(set)
    for name, code, in_text in _generated():
        key = _key(name)
        names[key].add(code)
        if in_text:
            text[key].add(code)
            surfaces[key].add(_SPACES.sub(" ", unicodedata.normalize("NFKC", name)))
    for key, (codes, spellings, in_lists) in aliases.items():
        if in_lists:
            names[key] = set(codes)
        text[key] = set(codes)
        surfaces[key] |= spellings
    for key, codes in wide_names(_key, _codes()).items():  # every other locale: lists only, never overriding
        names.setdefault(key, set(codes))
    names.pop("", None)
    text.pop("", None)
    entries = {key: _entry(key, codes, surfaces[key]) for key, codes in text.items()}
    plain_text = {key: (e.codes, e.surfaces, e.short) for key, e in entries.items()}
    return {key: frozenset(codes) for key, codes in names.items()}, plain_text, _starts(entries)


def _entry(key: str, codes: set[str], spellings: set[str]) -> _Entry:
    """A text entry; names of four letters or fewer in a cased script must match as written."""
    short = len(key.replace(" ", "")) <= 4 and key.lower() != key.upper()
    forms = spellings | {s.upper() for s in spellings}
    return _Entry(codes=frozenset(codes), surfaces=frozenset(forms), short=short)


def _starts(entries: Mapping[str, _Entry]) -> dict[str, tuple[int, ...]]:
    """First word → the lengths (in words) of the keys it starts, longest first."""
    lengths: defaultdict[str, set[int]] = defaultdict(set)
    for key in entries:
        words = key.split(" ")
        lengths[words[0]].add(len(words))
    return {word: tuple(sorted(found, reverse=True)) for word, found in lengths.items()}


# --- the curated alias file -------------------------------------------------------------------

_SECTIONS = (("names", True), ("ambiguous", True), ("not_countries", False))  # (table, in lists)


@functools.cache
def _alias_source() -> str:
    """The text of data/aliases.toml."""
    return resources.files("monitor.extract").joinpath("data/aliases.toml").read_text(encoding="utf-8")


@functools.cache
def _alias_file() -> dict[str, Any]:
    """The parsed data/aliases.toml."""
    return tomllib.loads(_alias_source())


def _aliases() -> dict[str, tuple[frozenset[str], frozenset[str], bool]]:
    """key → (codes, spellings, used for list entries), checked, from the alias file."""
    found: dict[str, tuple[frozenset[str], frozenset[str], bool]] = {}
    for section, in_lists in _SECTIONS:
        for name, value in _alias_file().get(section, {}).items():
            codes = frozenset() if section == "not_countries" else _alias_codes(value)
            spelling = _SPACES.sub(" ", unicodedata.normalize("NFKC", name))
            key = _key(spelling)
            old, spellings, _ = found.get(key, (codes, frozenset(), in_lists))
            many = section == "ambiguous"
            if not key or old != codes or (codes and (len(codes) > 1) != many):
                raise ExtractError(f"aliases.toml: [{section}] {name!r}: bad or conflicting entry")
            found[key] = (codes, spellings | {spelling}, in_lists)
    return found


def _alias_codes(value: object) -> frozenset[str]:
    """The codes of one alias entry ("KR" or ["KP", "KR"]), all of them real."""
    codes = frozenset([value] if isinstance(value, str) else value if isinstance(value, list) else [])
    if not codes or not codes <= _codes():
        raise ExtractError(f"aliases.toml: {value!r} are not country codes")
    return codes


@functools.cache
def _subdivision_names(country: str) -> dict[str, str]:
    """area key → ISO 3166-2 code for one country, from pycountry and the alias file."""
    found: dict[str, str] = {}
    for sub in pycountry.subdivisions.get(country_code=country) or ():  # type: ignore[no-untyped-call]
        found[_key(sub.name)] = found[_key(_area(sub.name))] = sub.code
    curated = _alias_file().get("subdivisions", {}).get(country, {})
    found.update({_key(name): str(code) for name, code in curated.items()})
    return found
