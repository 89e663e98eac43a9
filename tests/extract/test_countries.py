"""Country names → ISO 3166-1 alpha-2: one rule per table, then fuzzing."""

from __future__ import annotations

import time
import tomllib
from pathlib import Path

import pycountry
import pytest
from babel import Locale
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.errors import AmbiguousCountryError
from monitor.extract.countries import (
    LOCALES,
    CountryMatch,
    country_name,
    find_countries,
    flag,
    in_list_context,
    normalize_country,
    normalize_names,
)

ROOT = Path(__file__).resolve().parents[2]
VALID = frozenset(c.alpha_2 for c in pycountry.countries) | {"XK"}


def code(name: str) -> str | None:
    """The code a name maps to, None when unmapped."""
    match = normalize_country(name)
    return match.code if match else None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # NFKC, case folding, accents, apostrophes
        ("Côte d’Ivoire", "CI"),
        ("Côte d'Ivoire", "CI"),
        ("COTE D'IVOIRE", "CI"),
        ("cote d‘ivoire", "CI"),
        ("Ｊａｐａｎ", "JP"),  # full-width
        ("  Japan \n", "JP"),
        ("São Tomé and Príncipe", "ST"),
        ("Sao Tome and Principe", "ST"),
        ("Curaçao", "CW"),
        # "The" in front, behind, absent
        ("The Bahamas", "BS"),
        ("Bahamas, The", "BS"),
        ("Bahamas", "BS"),
        ("The Gambia", "GM"),
        ("Gambia, The", "GM"),
        ("Netherlands (the)", "NL"),
        # "&" for "and"; "St." for "Saint"
        ("Trinidad & Tobago", "TT"),
        ("Antigua & Barbuda", "AG"),
        ("St. Kitts & Nevis", "KN"),
        ("St Vincent and the Grenadines", "VC"),
        # parenthetical alternates
        ("Czechia (Czech Republic)", "CZ"),
        ("Myanmar (Burma)", "MM"),
        ("Congo (Brazzaville)", "CG"),
        ("Congo (DRC)", "CD"),
        ("Congo (Kinshasa)", "CD"),
        ("Holy See (Vatican City)", "VA"),
        ("Eswatini (Swaziland)", "SZ"),
        ("Falkland Islands (Islas Malvinas)", "FK"),
        ("Timor-Leste (East Timor)", "TL"),
        ("Cocos (Keeling) Islands", "CC"),
        ("Saint Martin (French part)", "MF"),
        ("Sint Maarten (Dutch part)", "SX"),
        ("Korea (South)", "KR"),
        ("Türkiye (Turkey)", "TR"),
        # SAR names
        ("Hong Kong SAR", "HK"),
        ("Hong Kong SAR China", "HK"),
        ("Hong Kong SAR, China", "HK"),
        ("Hong Kong (China)", "HK"),
        ("Macao SAR", "MO"),
        ("Macau SAR", "MO"),
        ("Macao SAR, China", "MO"),
        ("China, Hong Kong Special Administrative Region", "HK"),
        # footnote markers
        ("Japan*", "JP"),
        ("Japan**", "JP"),
        ("Japan¹", "JP"),
        ("Japan²", "JP"),
        ("Japan [1]", "JP"),
        ("Japan[a]", "JP"),
        ("Japan†", "JP"),
        ("Japan (1)", "JP"),
        # World Bank styles
        ("Korea, Rep.", "KR"),
        ("Korea, Dem. People's Rep.", "KP"),
        ("Iran, Islamic Rep.", "IR"),
        ("Egypt, Arab Rep.", "EG"),
        ("Micronesia, Fed. Sts.", "FM"),
        ("Congo, Dem. Rep.", "CD"),
        ("Congo, Rep.", "CG"),
        ("Yemen, Rep.", "YE"),
        ("Venezuela, RB", "VE"),
        ("Lao PDR", "LA"),
        ("Kyrgyz Republic", "KG"),
        ("Slovak Republic", "SK"),
        ("Virgin Islands (U.S.)", "VI"),
        ("West Bank and Gaza", "PS"),
        # UN M49 styles
        ("Bolivia (Plurinational State of)", "BO"),
        ("Iran (Islamic Republic of)", "IR"),
        ("Venezuela (Bolivarian Republic of)", "VE"),
        ("Micronesia (Federated States of)", "FM"),
        ("Republic of Korea", "KR"),
        ("Democratic People's Republic of Korea", "KP"),
        ("United Republic of Tanzania", "TZ"),
        ("State of Palestine", "PS"),
        # provider styles
        ("Timor-Leste, Democratic Republic of", "TL"),
        ("Congo, Republic of the", "CG"),
        ("Democratic Republic of the Congo", "CD"),
        ("Republic of the Congo", "CG"),
        ("Republic of Cyprus", "CY"),
        ("Türkiye", "TR"),
        ("Turkey", "TR"),
        ("Turkiye", "TR"),
        ("Caribbean Netherlands", "BQ"),
        ("U.S. Virgin Islands", "VI"),
        ("British Virgin Islands", "VG"),
        ("United States of America", "US"),
        ("Palestine", "PS"),
        ("Micronesia", "FM"),
        ("Laos", "LA"),
        ("Cabo Verde", "CV"),
        ("Cape Verde", "CV"),
        ("Saint Helena, Ascension and Tristan da Cunha", "SH"),
        ("Heard Island and McDonald Islands", "HM"),
        # Kosovo: a user-assigned code pycountry does not know
        ("Kosovo", "XK"),
        ("科索沃", "XK"),
        # names that look ambiguous but are not
        ("Guinea", "GN"),
        ("Guinea-Bissau", "GW"),
        ("Equatorial Guinea", "GQ"),
        ("Papua New Guinea", "PG"),
        ("Sudan", "SD"),
        ("South Sudan", "SS"),
        ("Niger", "NE"),
        ("Nigeria", "NG"),
        ("Dominica", "DM"),
        ("Dominican Republic", "DO"),
        ("Samoa", "WS"),
        ("American Samoa", "AS"),
        ("Georgia", "GE"),
        ("South Korea", "KR"),
        ("North Korea", "KP"),
        ("Taiwan", "TW"),
    ],
)
def test_names_map(name: str, expected: str) -> None:
    assert code(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("中国", "CN"),
        ("中國", "CN"),
        ("香港", "HK"),
        ("澳门", "MO"),
        ("中国香港", "HK"),
        ("Tiongkok", "CN"),
        ("Korea Selatan", "KR"),
        ("Korea Utara", "KP"),
        ("Allemagne", "DE"),
        ("Deutschland", "DE"),
        ("Россия", "RU"),
        ("日本", "JP"),
        ("대한민국", "KR"),
        ("북한", "KP"),
        ("ألمانيا", "DE"),
        ("Almanya", "DE"),
        ("Alemanha", "DE"),
        ("Alemania", "DE"),
        ("Costa do Marfim", "CI"),
        ("Côte-d’Ivoire", "CI"),
        ("Amerika Serikat", "US"),
        ("朝鲜", "KP"),
        ("北韓", "KP"),
    ],
)
def test_multilingual(name: str, expected: str) -> None:
    assert code(name) == expected


@pytest.mark.parametrize(
    ("name", "candidates"),
    [
        ("Korea", ("KP", "KR")),
        ("KOREA", ("KP", "KR")),
        ("Congo", ("CD", "CG")),
        ("Kongo", ("CD", "CG")),
        ("刚果", ("CD", "CG")),
        ("Virgin Islands", ("VG", "VI")),
        ("Channel Islands", ("GG", "JE")),
        ("Netherlands Antilles", ("BQ", "CW", "SX")),
        ("Hong Kong (Russia)", ("HK", "RU")),  # two countries in one name: not guessed
        ("Korea*", ("KP", "KR")),
    ],
)
def test_ambiguous_names_raise(name: str, candidates: tuple[str, ...]) -> None:
    with pytest.raises(AmbiguousCountryError) as raised:
        normalize_country(name)
    assert raised.value.candidates == candidates
    assert raised.value.name == name


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        "*",
        "Atlantis",
        "Herzegovina",  # half of a name: only mapped with its other half (normalize_names)
        "Germany (coming soon)",  # an unexplained parenthesis is not guessed away
        "Ascension Island",  # CLDR "AC": reserved, not an ISO 3166-1 country
        "Canary Islands",  # CLDR "IC"
        "European Union",  # CLDR "EU"
        "Eurozone",  # CLDR "EZ"
        "World",  # CLDR "001"
        "Unknown Region",  # CLDR "ZZ"
        "Outlying Oceania",  # CLDR "QO"
        "Latin America",  # CLDR "419"
        "Chinas",  # no fuzzy matching
        "Germny",
        "New Jersey",
        "Docs",
        "x" * 1000,
    ],
)
def test_unmapped_names_are_none(name: str) -> None:
    assert normalize_country(name) is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "Ukraine (except Crimea, Donetsk, and Luhansk regions)",
            CountryMatch(
                code="UA",
                caveats=("Crimea", "Donetsk", "Luhansk"),
                subdivisions=("UA-43", "UA-14", "UA-09"),
            ),
        ),
        (
            "Ukraine (excluding the Crimea region)",
            CountryMatch(code="UA", caveats=("Crimea",), subdivisions=("UA-43",)),
        ),
        (
            "Ukraine, except Crimea and Sevastopol",
            CountryMatch(code="UA", caveats=("Crimea", "Sevastopol"), subdivisions=("UA-43", "UA-40")),
        ),
        (
            "Ukraine – except Kherson and Zaporizhzhia oblasts",
            CountryMatch(code="UA", caveats=("Kherson", "Zaporizhzhia"), subdivisions=("UA-65", "UA-23")),
        ),
        (
            "Ukraine (with certain exceptions)",
            CountryMatch(code="UA", caveats=("with certain exceptions",)),
        ),
        (
            "Georgia (except Abkhazia and South Ossetia)",
            CountryMatch(code="GE", caveats=("Abkhazia", "South Ossetia"), subdivisions=("GE-AB",)),
        ),
        ("Morocco (except Atlantis)", CountryMatch(code="MA", caveats=("Atlantis",))),
    ],
)
def test_exclusions_become_caveats(name: str, expected: CountryMatch) -> None:
    assert normalize_country(name) == expected


def test_exclusion_of_an_unmapped_country_is_unmapped() -> None:
    assert normalize_country("Atlantis (except Crimea)") is None


@pytest.mark.parametrize(
    ("names", "codes", "unmapped"),
    [
        (["Bosnia", "Herzegovina"], {"BA"}, ()),  # split bullets, adjacent
        (["Albania", "Bosnia", "Brazil", "Herzegovina", "Hungary"], {"AL", "BA", "BR", "HU"}, ()),
        (["Trinidad", "Tobago"], {"TT"}, ()),  # neither half names a country alone
        (["Antigua", "Barbuda", "Chile"], {"AG", "CL"}, ()),
        (["Serbia", "Montenegro"], {"RS", "ME"}, ()),  # both are countries: not joined
        (["Herzegovina"], set(), ("Herzegovina",)),  # a half alone is reported
        (["Herzegovina", "Bosnia"], {"BA"}, ()),
        (["Korea", "Japan"], {"JP", "KR"}, ()),  # ambiguous, read on a list as the one a provider could serve
        (["Congo", "Japan"], {"JP"}, ("Congo",)),  # ambiguous either way: reported, not raised
        (["Japan", "Atlantis", "Japan"], {"JP"}, ("Atlantis",)),
        ([], set(), ()),
    ],
)
def test_normalize_names(names: list[str], codes: set[str], unmapped: tuple[str, ...]) -> None:
    claim = normalize_names(names)
    assert claim.codes == codes
    assert claim.unmapped == unmapped
    assert claim.names == len(names)


def test_normalize_names_keeps_caveats() -> None:
    claim = normalize_names(iter(["France", "Ukraine (except Crimea, Donetsk, and Luhansk regions)"]))
    assert claim.codes == {"FR", "UA"}
    assert claim.caveats == {"UA": ("Crimea", "Donetsk", "Luhansk")}
    assert claim.names == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "OpenAI will block API traffic from mainland China, Hong Kong, Macau, Russia, Iran "
            "and North Korea from July 9.",
            ("CN", "HK", "IR", "KP", "MO", "RU"),
        ),
        ("Developers in the Chinese mainland and the PRC", ("CN",)),
        ("Hong Kong developers", ("HK",)),  # not CN too
        ("China's developers and Iran’s, the US's and the PRC's", ("CN", "IR", "US")),
        ("US-China talks", ("CN", "US")),
        ("The Chinese University of Hong Kong", ("HK",)),
        ("South Sudan and Papua New Guinea", ("PG", "SS")),  # not SD, not GN
        ("Guinea-Bissau", ("GW",)),
        ("A woman from Nigeria", ("NG",)),  # not OM inside "woman", not NE inside "Nigeria"
        ("chad and oman", ()),  # proper nouns are capitalised
        ("Let us know", ()),
        ("The US, the U.S. and the UK", ("GB", "US")),
        ("the turkey was in china", ()),
        ("Turkey and China", ("CN", "TR")),
        ("In New Jersey and New Mexico", ()),
        ("Korea and the Congo", ()),  # ambiguous: skipped, not raised
        ("South Korea and North Korea", ("KP", "KR")),
        ("Trinidad and Tobago, Bosnia and Herzegovina", ("BA", "TT")),
        ("OpenAI akan memblokir akses dari China daratan dan Tiongkok", ("CN",)),
        ("Korea Utara, Korea Selatan, Rusia dan Iran", ("IR", "KP", "KR", "RU")),
        ("Amerika Serikat dan Inggris", ("GB", "US")),
        ("belajar bahasa Inggris di Singapura", ("SG",)),
        ("OpenAI将从7月9日起封锁来自中国大陆、中国内地、香港和澳门的API流量", ("CN", "HK", "MO")),
        ("中国香港的开发者", ("HK",)),
        ("朝鲜、俄罗斯和伊朗", ("IR", "KP", "RU")),
        ("巴布亚新几内亚", ("PG",)),  # not GN (几内亚)
        ("日本と韓国と北朝鮮", ("JP", "KP", "KR")),
        ("미국과 중국, 홍콩", ("CN", "HK", "US")),
        ("Россия и Китай", ("CN", "RU")),
        ("", ()),
    ],
)
def test_find_countries(text: str, expected: tuple[str, ...]) -> None:
    assert find_countries(text) == expected


@pytest.mark.parametrize(
    ("code", "locale", "expected"),
    [
        ("HK", "en", "Hong Kong SAR China"),
        ("hk", "en", "Hong Kong SAR China"),
        ("DE", "de", "Deutschland"),
        ("CN", "zh_Hans", "中国"),
        ("XK", "en", "Kosovo"),
        ("DE", "zh-Hant", "德國"),
        ("DE", "xx", "Germany"),  # unknown locale: English
        ("DE", "not a locale!", "Germany"),
        ("EU", "en", "EU"),  # a CLDR region, not a country
        ("ZZ", "en", "ZZ"),
        ("", "en", ""),
    ],
)
def test_country_name(code: str, locale: str, expected: str) -> None:
    assert country_name(code, locale) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [("HK", "🇭🇰"), ("hk", "🇭🇰"), ("XK", "🇽🇰"), ("GB", "🇬🇧"), ("EU", ""), ("ZZ", ""), ("", ""), ("USA", "")],
)
def test_flag(code: str, expected: str) -> None:
    assert flag(code) == expected


@pytest.mark.parametrize("locale", LOCALES)
def test_every_cldr_name_maps_back(locale: str) -> None:
    """Each locale's name of each country maps to it (or is ambiguous and lists it)."""
    for territory, name in Locale.parse(locale).territories.items():
        if territory not in VALID:
            assert normalize_country(name) is None, (territory, name)
            continue
        try:
            assert code(name) == territory, (territory, name)
        except AmbiguousCountryError as error:
            assert territory in error.candidates, (territory, name)


def test_alias_file_entries_do_what_they_say() -> None:
    aliases = tomllib.loads((ROOT / "monitor/extract/data/aliases.toml").read_text("utf-8"))
    for name, expected in aliases["names"].items():
        assert code(name) == expected, name
    for name, candidates in aliases["ambiguous"].items():
        with pytest.raises(AmbiguousCountryError) as raised:
            normalize_country(name)
        assert raised.value.candidates == tuple(sorted(candidates)), name
    for name in aliases["not_countries"]:
        assert find_countries(name) == (), name


def test_every_country_has_a_name_and_a_flag() -> None:
    for territory in VALID:
        assert country_name(territory) != territory
        assert len(flag(territory)) == 2


def test_normalising_a_page_is_fast() -> None:
    names = [country_name(c) for c in sorted(VALID)][:190]
    normalize_names(names)  # the index is built once, on first use
    best = min(_timed(names) for _ in range(5))
    assert best < 0.005, f"{best * 1000:.2f} ms for {len(names)} names"


def _timed(names: list[str]) -> float:
    start = time.perf_counter()
    normalize_names(names)
    return time.perf_counter() - start


# --- fuzzing ----------------------------------------------------------------------------------

NAMES = st.sampled_from(["Bosnia", "Herzegovina", "Korea", "Japan", "Ukraine (except Crimea)", "Congo (DRC)", "香港"])
TEXT = st.text(
    alphabet=st.characters(exclude_categories=["Cs"]) | st.sampled_from("()[],.*&’'-–¹† "),
    max_size=80,
)


@settings(deadline=None, max_examples=300)
@given(st.one_of(TEXT, NAMES, st.builds(lambda a, b: f"{a} ({b})", NAMES, TEXT)))
def test_normalize_country_never_crashes(name: str) -> None:
    try:
        match = normalize_country(name)
    except AmbiguousCountryError as error:
        assert set(error.candidates) <= VALID
        return
    assert match is None or match.code in VALID


@settings(deadline=None, max_examples=300)
@given(st.lists(st.one_of(TEXT, NAMES), max_size=12))
def test_normalize_names_reports_every_name(names: list[str]) -> None:
    claim = normalize_names(names)
    assert claim.names == len(names)
    assert claim.codes <= VALID
    assert set(claim.caveats) <= claim.codes
    for name in names:
        assert name in claim.unmapped or _mapped(name) or _paired(name, names) or in_list_context(name)
    assert all(name in names for name in claim.unmapped)


@settings(deadline=None, max_examples=300)
@given(st.one_of(TEXT, st.lists(st.one_of(TEXT, NAMES)).map(" ".join)))
def test_find_countries_never_crashes(text: str) -> None:
    found = find_countries(text)
    assert list(found) == sorted(set(found))
    assert set(found) <= VALID


def _mapped(name: str) -> bool:
    try:
        return normalize_country(name) is not None
    except AmbiguousCountryError:
        return False


def _paired(name: str, names: list[str]) -> bool:
    return any(_mapped(f"{a} and {b}") for other in names for a, b in ((other, name), (name, other)))
