"""The source catalog: TOML in, validated Catalog out, with one message per problem."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from monitor.errors import CatalogError
from monitor.timeutil import parse_duration
from monitor.types import AvailabilitySpec, Catalog, ChangeKind, Provider, Route, Severity, Source, SourceKind

BUNDLED = "default.toml"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
_SOURCE_KEYS = {
    "id",
    "kind",
    "url",
    "provider",
    "product",
    "every",
    "availability",
    "ignore",
    "language",
    "enabled",
    "note",
}
_AVAILABILITY_KEYS = {"select", "exclude", "max_unmapped", "section"}
_ROUTE_KEYS = {"providers", "products", "countries", "kinds", "min_severity", "slack_channel", "email"}
_MIN_EVERY = 60


def load_catalog(path: Path | None = None) -> Catalog:
    """The catalog at path, else the bundled one; CatalogError lists every problem."""
    if path is None:
        text = resources.files("monitor.sources").joinpath(BUNDLED).read_text("utf-8")
        return parse_catalog(text, origin=f"<bundled {BUNDLED}>")
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError([f"{path}: cannot read: {exc}"]) from None
    return parse_catalog(text, origin=str(path))


def parse_catalog(text: str, *, origin: str) -> Catalog:
    """Validate a catalog's TOML text; all problems are reported together."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError([f"{origin}: not valid TOML: {exc}"]) from None
    problems: list[str] = []
    for key in sorted(set(data) - {"source", "route", "provider"}):
        problems.append(f"{origin}: unknown top-level key {key!r} (expected [[source]], [[route]] or [[provider]])")
    sources = _entries(data, "source", origin, problems)
    routes = _entries(data, "route", origin, problems)
    providers = [
        _provider(entry, i, origin, problems) for i, entry in enumerate(_entries(data, "provider", origin, problems))
    ]
    slugs: set[str] = set()
    for provider in providers:
        if provider is not None and provider.slug in slugs:
            problems.append(f"{origin}: provider {provider.slug!r}: key 'slug': duplicate slug")
        if provider is not None:
            slugs.add(provider.slug)
    parsed = [_source(entry, i, origin, problems) for i, entry in enumerate(sources)]
    seen: set[str] = set()
    for src in parsed:
        if src is not None and src.id in seen:
            problems.append(f"{origin}: source {src.id!r}: key 'id': duplicate id")
        if src is not None:
            seen.add(src.id)
    parsed_routes = [_route(entry, i, origin, problems) for i, entry in enumerate(routes)]
    if problems:
        raise CatalogError(problems)
    return Catalog(
        sources=tuple(s for s in parsed if s is not None),
        routes=tuple(r for r in parsed_routes if r is not None),
        providers=tuple(p for p in providers if p is not None),
        origin=origin,
    )


def _entries(data: dict[str, Any], key: str, origin: str, problems: list[str]) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        problems.append(f"{origin}: {key!r} must be an array of tables ([[{key}]])")
        return []
    return value


class _Entry:
    """Typed reads from one TOML table, recording a problem per bad key."""

    def __init__(self, table: dict[str, Any], where: str, problems: list[str]) -> None:
        self.table, self.where, self.problems = table, where, problems
        self.ok = True

    def fail(self, key: str, message: str) -> None:
        self.problems.append(f"{self.where}: key {key!r}: {message}")
        self.ok = False

    def get(self, key: str, kind: type, default: Any = None, *, required: bool = False) -> Any:
        if key not in self.table:
            if required:
                self.fail(key, "missing")
            return default
        value = self.table[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.fail(key, f"must be {_kind_name(kind)}, not {type(value).__name__}")
            return default
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.get(key, list, [])
        if not all(isinstance(v, str) for v in value):
            self.fail(key, "must be a list of strings")
            return ()
        return tuple(value)

    def unknown(self, allowed: set[str], prefix: str = "") -> None:
        for key in sorted(set(self.table) - allowed):
            self.fail(prefix + key, f"unknown key (allowed: {', '.join(sorted(allowed))})")


def _kind_name(kind: type) -> str:
    return {str: "a string", int: "an integer", bool: "true or false", list: "a list", dict: "a table"}.get(
        kind, kind.__name__
    )


def _source(table: Any, index: int, origin: str, problems: list[str]) -> Source | None:
    if not isinstance(table, dict):
        problems.append(f"{origin}: source #{index + 1}: must be a table")
        return None
    ident = table.get("id")
    label = repr(ident) if isinstance(ident, str) else f"#{index + 1}"
    entry = _Entry(table, f"{origin}: source {label}", problems)
    entry.unknown(_SOURCE_KEYS)
    ident = entry.get("id", str, "", required=True)
    if ident and not _SLUG.match(ident):
        entry.fail("id", "must be a lowercase slug (a-z, 0-9, '-', '_'; at most 100 characters)")
    kind = _kind(entry)
    url = _url(entry)
    provider = entry.get("provider", str, "", required=True)
    every = _every(entry)
    availability = _availability(entry)
    if kind is SourceKind.FEED and availability is not None:
        entry.fail("availability", "feeds have no country list; use kind = 'page'")
    ignore = entry.strings("ignore")
    for pattern in ignore:
        try:
            re.compile(pattern)
        except re.error as exc:
            entry.fail("ignore", f"bad regular expression {pattern!r}: {exc}")
    if not entry.ok or kind is None:
        return None
    return Source(
        id=ident,
        kind=kind,
        url=url,
        provider=provider.lower(),
        product=entry.get("product", str),
        every=every,
        availability=availability,
        ignore=ignore,
        language=entry.get("language", str),
        enabled=entry.get("enabled", bool, True),
        note=entry.get("note", str),
    )


def _kind(entry: _Entry) -> SourceKind | None:
    kind = entry.get("kind", str, None, required=True)
    if kind is None:
        return None
    try:
        return SourceKind(kind)
    except ValueError:
        entry.fail("kind", f"unknown kind {kind!r} (use 'page' or 'feed')")
        return None


def _url(entry: _Entry) -> str:
    url: str = entry.get("url", str, "", required=True)
    parts = urlsplit(url)
    if url and (parts.scheme not in ("http", "https") or not parts.hostname):
        entry.fail("url", f"bad URL {url!r} (an absolute http:// or https:// URL is needed)")
    return url


def _every(entry: _Entry) -> Any:
    text = entry.get("every", str, "6h")
    try:
        every = parse_duration(text)
    except ValueError as exc:
        entry.fail("every", str(exc))
        return parse_duration("6h")
    if every.total_seconds() < _MIN_EVERY:
        entry.fail("every", f"{text!r} is too often (at least 1m)")
    return every


def _compiles(entry: _Entry, key: str, selector: str) -> None:
    """A selector that does not compile is a catalog problem now, not a 'suspect' source later
    (which would read like a redesign of the site)."""
    from monitor.errors import ExtractError
    from monitor.extract.availability import compile_selector  # lxml and cssselect: only for catalogs with lists

    try:
        compile_selector(selector)
    except ExtractError as exc:
        entry.fail(key, str(exc))


def _availability(entry: _Entry) -> AvailabilitySpec | None:
    table = entry.get("availability", dict)
    if table is None:
        return None
    sub = _Entry(table, entry.where, entry.problems)
    sub.unknown(_AVAILABILITY_KEYS, prefix="availability.")
    select = sub.get("select", str, "")
    if not select.strip():
        sub.fail("availability.select", "missing selector (CSS, or 'xpath:...')")
    else:
        _compiles(sub, "availability.select", select)
    max_unmapped = sub.get("max_unmapped", int, 3)
    exclude = sub.strings("exclude")
    for selector in exclude:
        _compiles(sub, "availability.exclude", selector)
    section = sub.get("section", str, None)
    if section is not None and not section.strip():
        sub.fail("availability.section", "empty: the text of the heading or question that starts the list")
    entry.ok = entry.ok and sub.ok
    return (
        AvailabilitySpec(
            select=select, exclude=exclude, max_unmapped=max_unmapped, section=section.strip() if section else None
        )
        if sub.ok
        else None
    )


def _route(table: Any, index: int, origin: str, problems: list[str]) -> Route | None:
    if not isinstance(table, dict):
        problems.append(f"{origin}: route #{index + 1}: must be a table")
        return None
    entry = _Entry(table, f"{origin}: route #{index + 1}", problems)
    entry.unknown(_ROUTE_KEYS)
    countries = tuple(c.upper() for c in entry.strings("countries"))
    for code in countries:
        if not re.fullmatch(r"[A-Z]{2}", code):
            entry.fail("countries", f"{code!r} is not an ISO 3166-1 alpha-2 code")
    kinds = _route_kinds(entry)
    severity = _severity(entry)
    slack = entry.get("slack_channel", str)
    email = entry.strings("email")
    if not slack and not email:
        entry.fail("slack_channel", "a route needs a slack_channel or an email destination")
    if not entry.ok:
        return None
    return Route(
        providers=tuple(p.lower() for p in entry.strings("providers")),
        products=entry.strings("products"),
        countries=countries,
        kinds=kinds,
        min_severity=severity,
        slack_channel=slack,
        email=email,
    )


_PROVIDER_KEYS = {"slug", "name", "kind", "aliases", "exact", "products"}
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")


def _provider(table: Any, index: int, origin: str, problems: list[str]) -> Provider | None:
    """One ``[[provider]]`` entry: a provider news may name, or more names for a bundled one."""
    if not isinstance(table, dict):
        problems.append(f"{origin}: provider #{index + 1}: must be a table")
        return None
    slug = table.get("slug")
    where = f"{origin}: provider {slug!r}" if isinstance(slug, str) else f"{origin}: provider #{index + 1}"
    entry = _Entry(table, where, problems)
    entry.unknown(_PROVIDER_KEYS)
    slug = entry.get("slug", str, required=True)
    if slug is not None and not _SLUG.fullmatch(slug):
        entry.fail("slug", "lower-case letters, digits and '-' (e.g. 'acme-ai')")
    kind = entry.get("kind", str, "provider")
    if kind not in ("provider", "regulator"):
        entry.fail("kind", f"'provider' or 'regulator', not {kind!r}")
    names = {key: tuple(n.strip() for n in entry.strings(key)) for key in ("aliases", "exact", "products")}
    for key, values in names.items():
        if not all(values):
            entry.fail(key, "names must not be empty")
    if not names["aliases"] and not names["exact"]:
        entry.fail("aliases", "needs at least one name in 'aliases' or 'exact'")
    if not entry.ok:
        return None
    return Provider(
        slug=slug,
        name=entry.get("name", str) or slug,
        kind="regulator" if kind == "regulator" else "provider",
        aliases=names["aliases"],
        exact=names["exact"],
        products=names["products"],
    )


def _route_kinds(entry: _Entry) -> tuple[ChangeKind, ...]:
    kinds: list[ChangeKind] = []
    for name in entry.strings("kinds"):
        try:
            kinds.append(ChangeKind(name))
        except ValueError:
            entry.fail("kinds", f"unknown kind {name!r} (use availability, signal, text)")
    return tuple(kinds)


def _severity(entry: _Entry) -> Severity:
    name = entry.get("min_severity", str, "medium")
    try:
        return Severity[name.upper()]
    except KeyError:
        entry.fail("min_severity", f"unknown severity {name!r} (use low, medium, high)")
        return Severity.MEDIUM
