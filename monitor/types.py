"""Records that cross stages: frozen, keyword-only, timezone-aware."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal


class SourceKind(enum.StrEnum):
    PAGE = "page"
    FEED = "feed"


class Outcome(enum.StrEnum):
    """What one fetch attempt ended as."""

    CHANGED = "changed"
    UNCHANGED = "unchanged"
    NOT_MODIFIED = "not_modified"
    SUSPECT = "suspect"
    DNS = "dns"
    CONNECT = "connect"
    TIMEOUT = "timeout"
    HTTP_4XX = "http_4xx"
    HTTP_5XX = "http_5xx"
    RATE_LIMITED = "rate_limited"
    BLOCKED = "blocked"
    TOO_LARGE = "too_large"
    DECODE = "decode"
    ROBOTS = "robots"
    PARTIAL = "partial"  # a 2xx other than 200 (206 Partial Content): never the whole page
    TRUNCATED = "truncated"  # a body cut short: Content-Length not met, or a gzip stream cut
    HELD = "held"  # read, and the set change it shows waits (a confirming read, or a person)
    CONFIRMED = "confirmed"  # read, and it confirmed a held set change, now applied

    @property
    def ok(self) -> bool:
        """True when the fetch succeeded (content was read or confirmed unchanged)."""
        return self in _OK_OUTCOMES


_OK_OUTCOMES = frozenset(
    {Outcome.CHANGED, Outcome.UNCHANGED, Outcome.NOT_MODIFIED, Outcome.SUSPECT, Outcome.HELD, Outcome.CONFIRMED}
)


class ChangeKind(enum.StrEnum):
    AVAILABILITY = "availability"
    TEXT = "text"
    SIGNAL = "signal"
    OPERATOR = "operator"


#: Signal actions that take access away (the others grant it).
Precision = Literal["day", "month"]
Scope = Literal["territory", "ownership"]

RESTRICTIVE_ACTIONS = frozenset({"restrict", "block", "suspend", "withdraw", "ban"})


class Severity(enum.IntEnum):
    LOW = 10
    MEDIUM = 20
    HIGH = 30


@dataclass(frozen=True, slots=True, kw_only=True)
class AvailabilitySpec:
    """How to read a list of countries out of a page."""

    select: str
    exclude: tuple[str, ...] = ()
    max_unmapped: int = 3
    #: Only what the selector matches between the heading (or question) containing this text and
    #: the next heading of the same rank or higher: a help-centre page's one list, not its menus
    #: nor its list of excluded places.
    section: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    """One catalog entry."""

    id: str
    kind: SourceKind
    url: str
    provider: str
    product: str | None = None
    every: timedelta = timedelta(hours=6)
    availability: AvailabilitySpec | None = None
    ignore: tuple[str, ...] = ()
    language: str | None = None
    enabled: bool = True
    note: str | None = None

    @property
    def product_key(self) -> str:
        """The product name used in availability rows ("api" when unset)."""
        return self.product or "api"


@dataclass(frozen=True, slots=True, kw_only=True)
class Route:
    """Who hears about what: filters (empty = any) and destinations."""

    providers: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    kinds: tuple[ChangeKind, ...] = ()
    min_severity: Severity = Severity.MEDIUM
    slack_channel: str | None = None
    email: tuple[str, ...] = ()


ProviderKind = Literal["provider", "regulator"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Provider:
    """A provider or regulator and the names news uses for it (monitor/extract/data/providers.toml,
    or a catalog's ``[[provider]]`` entry)."""

    slug: str
    name: str = ""
    kind: ProviderKind = "provider"
    aliases: tuple[str, ...] = ()  # any case
    exact: tuple[str, ...] = ()  # this capitalisation only (names that are also words)
    products: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Catalog:
    sources: tuple[Source, ...]
    routes: tuple[Route, ...] = ()
    #: Providers the catalog adds to the bundled table, or names it adds to a bundled provider.
    providers: tuple[Provider, ...] = ()
    origin: str = "<bundled>"

    def by_id(self) -> dict[str, Source]:
        return {s.id: s for s in self.sources}


@dataclass(frozen=True, slots=True, kw_only=True)
class Capture:
    """What one fetch brought back (or why it brought nothing)."""

    source_id: str
    url: str
    final_url: str
    fetched_at: datetime
    elapsed: float
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    outcome: Outcome | None = None  # set by the fetcher only for failures and 304s
    error: str | None = None
    retry_after: float | None = None
    conditional: bool = False  # the request carried validators (If-None-Match, If-Modified-Since)


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedEntry:
    """One item of a feed, as read."""

    key: str
    link: str | None
    title: str
    summary: str
    published: datetime | None
    content_hash: str
    language: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Claim:
    """What an availability page says: the codes, and what could not be read."""

    codes: frozenset[str]
    unmapped: tuple[str, ...] = ()
    caveats: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    names: int = 0
    #: The codes in the order the page lists them (first mention), for telling a cut from a removal.
    order: tuple[str, ...] = ()
    #: The tags of the containers the selector's matches sit in, in page order ("ul", "ul").
    shape: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Signal:
    """What an announcement says about access: who, where, what, from when."""

    providers: tuple[str, ...]
    countries: tuple[str, ...]
    action: str
    effective_date: date | None
    relevance: float
    language: str | None = None
    title: str = ""
    url: str | None = None
    #: How much of ``effective_date`` the text gave: "day", or "month" (the date is the 1st).
    effective_precision: Precision = "day"
    #: "territory": traffic from the countries; "ownership": companies owned from them.
    scope: Scope = "territory"
    #: Groups named in the text and expanded to their members as of the item's date ("EU").
    groups: tuple[str, ...] = ()
    #: The words that made the signal (action, provider, places), for a person to check.
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    """A detected change, ready to be stored with its alerts."""

    kind: ChangeKind
    source_id: str | None
    provider: str | None
    product: str | None = None
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    action: str | None = None
    effective_date: date | None = None
    effective_precision: Precision = "day"
    scope: Scope = "territory"
    severity: Severity = Severity.MEDIUM
    title: str = ""
    url: str | None = None
    diff: Mapping[str, object] = field(default_factory=dict)
