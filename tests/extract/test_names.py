"""The all-locale name index: every CLDR territory name of every Babel locale reads as its own
country, former names read as their successor, ambiguous names resolve on lists by a stated rule."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from monitor.errors import AmbiguousCountryError
from monitor.extract import names
from monitor.extract.countries import _codes, _key, normalize_country, normalize_names

#: CLDR data that gives one key to two countries ("Kongo": CG in one locale, CD in another):
#: read as ambiguous, never guessed. The property test allows these and only these.
AMBIGUOUS_IN_CLDR = {
    "CD",
    "CG",
    "KP",
    "KR",
    "LT",
    "LV",
    "MF",
    "MR",
    "MU",
    "NE",
    "NG",
    "NI",
    "QA",
    "TD",
    "RS",
    "ZM",
    "LC",
    "RU",
    "SX",
    "TG",
    "TO",
}


def test_every_cldr_name_in_every_locale_reads_as_its_own_country() -> None:
    outcomes: Counter[str] = Counter()
    unread: list[tuple[str, str, str]] = []
    for locale, code, name in names.every_locale_name(_codes()):
        try:
            match = normalize_country(name)
        except AmbiguousCountryError as exc:
            assert code in exc.candidates and set(exc.candidates) <= AMBIGUOUS_IN_CLDR, (locale, name, exc)
            outcomes["ambiguous"] += 1
            continue
        if match is None:
            unread.append((locale, code, name))
            continue
        assert match.code == code, (locale, name, match.code)
        outcomes["own"] += 1
    assert outcomes["own"] > 200_000 and outcomes["ambiguous"] < 1_000, outcomes  # names repeat across locales
    # Read as nothing, by rule: a name some locale gives a region ("Južná Afrika" is ZA in Slovak and
    # Southern Africa in Czech), and names in scripts Python's regular expressions see no letters in.
    regions = {_key(name) for name in names.region_names(_codes())}
    assert all(_key(name) in regions or not _key(name) for _, _, name in unread), unread
    assert len(unread) < 100, len(unread)


@pytest.mark.parametrize(
    ("former", "code"),
    [
        ("Burma", "MM"),
        ("Zaire", "CD"),
        ("Upper Volta", "BF"),
        ("Dahomey", "BJ"),
        ("East Timor", "TL"),
        ("Swaziland", "SZ"),
        ("Macedonia", "MK"),
    ],
)
def test_former_names_read_as_their_successor(former: str, code: str) -> None:
    match = normalize_country(former)
    assert match is not None and match.code == code


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Hongkong", "HK"),
        ("Südkorea", "KR"),
        ("Corée du Sud", "KR"),
        ("Estados Unidos", "US"),
        ("भारत", "IN"),
        ("Elfenbeinküste", None),
    ],
)
def test_other_locales_names_read_in_lists(name: str, code: str | None) -> None:
    match = normalize_country(name)
    assert (match.code if match else None) == code


def test_an_ambiguous_name_on_a_list_resolves_to_the_one_a_provider_could_serve() -> None:
    claim = normalize_names(["Japan", "Korea", "Corée", "Congo", "Virgin Islands"])
    assert claim.codes == {"JP", "KR"}  # KP is under comprehensive sanctions: no provider serves it
    assert claim.unmapped == ("Congo", "Virgin Islands")  # both readings could be served: never guessed
    assert all("read as KR" in note for note in claim.caveats["KR"]) and len(claim.caveats["KR"]) == 2
    with pytest.raises(AmbiguousCountryError):
        normalize_country("Korea")  # outside a list, still ambiguous


def test_a_rename_between_two_spellings_keeps_the_set() -> None:
    before = normalize_names(["Japan", "South Korea", "Swaziland", "Macedonia", "Turkey"])
    after = normalize_names(["Japan", "Korea", "Eswatini", "North Macedonia", "Türkiye"])
    assert before.codes == after.codes == {"JP", "KR", "SZ", "MK", "TR"}


@pytest.mark.parametrize(
    "entry",
    [
        "Ukraine territories other than Crimea, Donetsk and Luhansk",
        "Ukrainian territories other than Crimea, Donetsk and Luhansk",
        "the territories of Ukraine except Crimea, Donetsk and Luhansk",
        "Ukrainian regions excluding Crimea, Donetsk and Luhansk",
    ],
)
def test_territory_phrases_keep_their_exclusions(entry: str) -> None:
    match = normalize_country(entry)
    assert match is not None and match.code == "UA" and match.caveats == ("Crimea", "Donetsk", "Luhansk")
    assert set(match.subdivisions) == {"UA-43", "UA-14", "UA-09"}


def test_a_demonym_alone_is_no_country() -> None:
    assert normalize_country("Ukrainian") is None and normalize_country("French") is None


def test_the_index_is_cached_and_rebuilt_when_missing_or_unreadable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(names, "CACHE_DIR", tmp_path / "regionwatch")
    calls: list[int] = []

    def make() -> dict[str, frozenset[str]]:
        calls.append(1)
        return {"hongkong": frozenset({"HK"})}

    path = names.cache_path("test", "v1")
    assert path.is_relative_to(tmp_path) and not path.exists()
    assert names.cached("test", "v1", make) == {"hongkong": {"HK"}} and path.exists()
    assert names.cached("test", "v1", make) == {"hongkong": {"HK"}} and len(calls) == 1  # read back
    path.write_bytes(b"\x00garbage")
    assert names.cached("test", "v1", make) == {"hongkong": {"HK"}} and len(calls) == 2  # rebuilt
    assert names.cache_path("test", "v2") != path  # another fingerprint, another file
    monkeypatch.setattr(names, "CACHE_DIR", path / "below-a-file")  # a file where a directory should be
    assert names.cached("test", "v1", make) == {"hongkong": {"HK"}} and len(calls) == 3  # built in memory
