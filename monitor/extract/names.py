"""Every country name Babel and pycountry know, in every locale, as comparison keys -> codes.

The list reader (``countries.normalize_country``) looks a name up by its key in tiers, the
first tier that knows the key deciding: the curated alias file, then pycountry's ISO names and
CLDR's names in the core ``LOCALES`` (one tier: a conflict there is an ambiguity), then this
module's *wide* tier: the CLDR territory names of every locale Babel ships (about 1,150) and
the ISO 3166-3 former names (``pycountry.historic_countries``, with the successor their
alpha-4 code names). A wide key that two locales give to two countries ("Kongo": CG and CD)
is ambiguous, never guessed; a key any locale gives a region (a continent, "EU") is left out.
Wide names are read in lists only, not in running text: in a sentence, another language's
country name is often a plain word.

Building the index reads every locale's data (about 2 s), so ``countries`` builds it once per
Babel and pycountry version (and alias file) and keeps it in the user's cache directory
(``~/.cache/regionwatch``, with ``cached``); a start-up
then reads it in milliseconds. A cache that cannot be read or written is rebuilt in memory,
never an error.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TypeVar

import babel
import pycountry
from babel import Locale, UnknownLocaleError, localedata

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Bumped when the key function or the tier's rules change, so old caches are not reused.
FORMAT = 4


def wide_names(key: Callable[[str], str], codes: frozenset[str]) -> Mapping[str, frozenset[str]]:
    """key -> codes of every locale's CLDR name and every ISO 3166-3 former name."""
    return build(key, codes)


def cached(kind: str, fingerprint: str, make: Callable[[], T]) -> T:
    """``make()``'s value, kept in the user's cache directory between runs (``marshal``: plain
    data only, never code) under this package's data versions and ``fingerprint``."""
    path = cache_path(kind, fingerprint)
    try:
        value: T = marshal.loads(path.read_bytes())  # noqa: S302 - our own plain data, see above
        return value
    except (OSError, EOFError, ValueError, TypeError):
        pass
    value = make()
    _store(path, marshal.dumps(value))  # type: ignore[arg-type]  # plain data, as the caller promises
    return value


#: Where cached values are kept; None: ``~/.cache/regionwatch`` (tests point it elsewhere).
CACHE_DIR: Path | None = None


def cache_path(kind: str, fingerprint: str = "") -> Path:
    """Where a cached value is kept for this Babel, pycountry and ``fingerprint``."""
    version = getattr(pycountry, "__version__", None) or _pycountry_version()
    digest = hashlib.blake2b(fingerprint.encode(), digest_size=6).hexdigest()
    return _cache_dir() / f"{kind}-{FORMAT}-babel{babel.__version__}-pycountry{version}-{digest}.marshal"


def _cache_dir() -> Path:
    if CACHE_DIR is not None:
        return CACHE_DIR
    try:
        return Path.home() / ".cache" / "regionwatch"
    except RuntimeError:  # no home directory: a path that cannot be written, so built in memory
        return Path("/nonexistent/regionwatch")


def build(key: Callable[[str], str], codes: frozenset[str]) -> dict[str, frozenset[str]]:
    """The wide tier from scratch. A key that any locale gives a region ("Amerika": the Americas
    in German and Indonesian, the United States elsewhere) is left out: a list may name regions."""
    found: defaultdict[str, set[str]] = defaultdict(set)
    for name, code in _every_name(codes):
        if k := key(name):
            found[k].add(code)
    regions = {key(name) for name in region_names(codes)}
    return {k: frozenset(v) for k, v in found.items() if k not in regions}


def region_names(codes: frozenset[str]) -> Iterator[str]:
    """Every locale's names of territories that are not countries (continents, "EU", "UN")."""
    for ident in localedata.locale_identifiers():
        try:
            territories = Locale.parse(ident).territories
        except (UnknownLocaleError, ValueError, TypeError):
            continue
        yield from (name for code, name in territories.items() if code not in codes)


def every_locale_name(codes: frozenset[str]) -> Iterator[tuple[str, str, str]]:
    """(locale, code, name) for every CLDR territory name of a country in every Babel locale."""
    for ident in localedata.locale_identifiers():
        try:
            territories = Locale.parse(ident).territories
        except (UnknownLocaleError, ValueError, TypeError):
            continue
        for code, name in territories.items():
            if code in codes:
                yield ident, code, name


def historic_names(codes: frozenset[str]) -> Iterator[tuple[str, str]]:
    """(former name, successor code) for ISO 3166-3 entries whose alpha-4 code names one successor
    ("BUMM" Burma -> MM); a split country ("ANHH" Netherlands Antilles) has none."""
    for country in pycountry.historic_countries:
        successor = country.alpha_4[2:]
        if successor in codes:
            yield country.name, successor
            before, comma, _ = country.name.partition(",")
            if comma:  # "Zaire, Republic of" is also plain "Zaire"
                yield before, successor


def _every_name(codes: frozenset[str]) -> Iterator[tuple[str, str]]:
    for _, code, name in every_locale_name(codes):
        yield name, code
    yield from historic_names(codes)


def _store(path: Path, data: bytes) -> None:
    """Write a cache file atomically (a parallel start-up reads a whole file or none)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=path.parent, delete=False, suffix=".tmp") as handle:
            handle.write(data)
        os.replace(handle.name, path)
    except OSError as exc:
        log.debug("country-name cache not written (%s): built in memory each run", exc)


def _pycountry_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pycountry")
    except PackageNotFoundError:
        return "unknown"
