"""The weekly digest: a period's changes gathered into sections, rendered as text and HTML.

Gathering reads through ``store.digests`` and returns frozen records; rendering is pure. Web
text (titles, diffs, URLs) is untrusted: the HTML template autoescapes it, only http(s) URLs
become links (others are not shown at all), and long texts are cut to an excerpt.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import groupby
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import css_inline
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy.orm import Session

from monitor.describe import effective_text
from monitor.errors import ConfigError, RegionwatchError
from monitor.extract.countries import country_name, flag
from monitor.notify.links import WebLinks
from monitor.store import digests as store
from monitor.store.models import ChangeRow, SourceRow
from monitor.types import ChangeKind, Route

MAX_TITLE = 300
MAX_URL = 2000
MAX_DIFF_LINES = 30
MAX_DIFF_LINE = 200
MAX_DIFF_CHARS = 2500
MAX_SIGNALS = 50  # per digest; availability changes are never cut
MAX_TEXTS = 25
_PERIOD = re.compile(r"^(\d{4})-W(\d{2})$")
_UNSAFE_URL_CHARS = re.compile(r"[\x00-\x20\x7f<>\"'`\\]")
# C0/C1 controls but tab, and the bidi embeddings/overrides/isolates that can make text read backwards.
_INVISIBLE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True, slots=True, kw_only=True)
class Period:
    """An ISO week in the configured time zone, with its bounds in UTC."""

    name: str
    first_day: date
    start: datetime
    end: datetime

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=6)


@dataclass(frozen=True, slots=True, kw_only=True)
class Country:
    code: str
    name: str
    flag: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AvailabilityItem:
    provider: str
    product: str
    removed: tuple[Country, ...]
    added: tuple[Country, ...]
    effective: str | None  # describe.effective_text: a day, or a month
    seen: date
    url: str | None
    correction: bool
    change_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderChanges:
    provider: str
    changes: tuple[AvailabilityItem, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class SignalItem:
    provider: str
    action: str
    countries: tuple[Country, ...]
    effective: str | None  # describe.effective_text: a day, or a month
    seen: date
    title: str
    url: str | None
    change_id: int | None = None
    scope: str = "territory"  # "ownership": companies owned from the countries


@dataclass(frozen=True, slots=True, kw_only=True)
class TextItem:
    source_id: str
    provider: str
    seen: date
    url: str | None
    excerpt: tuple[str, ...]
    cut: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class HealthItem:
    source_id: str
    provider: str
    url: str | None
    problem: str  # "failing" or "suspect"
    since: date | None
    detail: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Team:
    """One route that names a reader: its label (Slack channel or providers) and its countries."""

    label: str
    countries: tuple[str, ...] = ()  # empty: every country


@dataclass(frozen=True, slots=True, kw_only=True)
class Reader:
    """A recipient and the countries the catalog's routes subscribe their address to."""

    address: str
    countries: tuple[str, ...] = ()
    everywhere: bool = False  # a route naming the address has no country filter: every country is theirs
    teams: tuple[Team, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class CountryNews:
    """One line of the reader's own section: what happened to one of their countries."""

    country: Country
    provider: str
    what: str
    effective: str | None  # describe.effective_text: a day, or a month
    seen: date


@dataclass(frozen=True, slots=True, kw_only=True)
class Digest:
    period: Period
    availability: tuple[ProviderChanges, ...]
    signals: tuple[SignalItem, ...]
    texts: tuple[TextItem, ...]
    health: tuple[HealthItem, ...]
    later_health: tuple[HealthItem, ...] = ()  # trouble that began after the period: told apart, never as of it
    more_signals: int = 0  # left out past MAX_SIGNALS
    more_texts: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class RenderedDigest:
    subject: str
    text: str
    html: str


# --- periods ----------------------------------------------------------------------------------


def zone(name: str) -> ZoneInfo:
    """The configured time zone; ConfigError when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"timezone: unknown time zone {name!r} (use e.g. UTC or Europe/Berlin)") from None


def parse_period(text: str, tz: ZoneInfo) -> Period:
    """ "2024-W28" -> the week; a clear error otherwise."""
    match = _PERIOD.match(text.strip())
    try:
        if match is None:
            raise ValueError
        monday = date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        raise RegionwatchError(f"bad period {text!r}: use an ISO week such as 2024-W28") from None
    return week_of(monday, tz)


def week_of(day: date, tz: ZoneInfo) -> Period:
    """The ISO week that contains a day, in the zone."""
    monday = day - timedelta(days=day.weekday())
    year, week, _ = monday.isocalendar()
    start = datetime.combine(monday, time(), tzinfo=tz)
    end = datetime.combine(monday + timedelta(days=7), time(), tzinfo=tz)
    return Period(name=f"{year}-W{week:02d}", first_day=monday, start=start.astimezone(UTC), end=end.astimezone(UTC))


def last_complete_period(now: datetime, tz: ZoneInfo) -> Period:
    """The latest week that is over at ``now``."""
    return week_of(now.astimezone(tz).date() - timedelta(days=7), tz)


def require_finished(period: Period, now: datetime) -> None:
    """A week is sent only once it is over: a partial week, once sent, could never be completed."""
    if period.end > now:
        raise RegionwatchError(f"week {period.name} is not over yet (it ends {period.end.isoformat()})")


# --- gathering --------------------------------------------------------------------------------


def gather(session: Session, period: Period, tz: ZoneInfo) -> Digest:
    """The period's sections, read from the store (source trouble that began after the period kept apart)."""
    rows = store.changes_between(
        session,
        period.start,
        period.end,
        kinds=[ChangeKind.AVAILABILITY.value, ChangeKind.SIGNAL.value, ChangeKind.TEXT.value],
    )
    by_kind = {kind: [r for r in rows if r.kind == kind.value] for kind in ChangeKind}
    items = [_availability(r, tz) for r in by_kind[ChangeKind.AVAILABILITY]]
    items.sort(key=lambda i: i.provider)
    groups = tuple(ProviderChanges(provider=p, changes=tuple(g)) for p, g in groupby(items, lambda i: i.provider))
    signals, texts = by_kind[ChangeKind.SIGNAL], by_kind[ChangeKind.TEXT]
    troubles = [_health(s, tz) for s in store.troubled_sources(session)]
    return Digest(
        period=period,
        availability=groups,
        signals=tuple(_signal(r, tz) for r in signals[:MAX_SIGNALS]),
        texts=tuple(_text(r, tz) for r in texts[:MAX_TEXTS]),
        health=tuple(h for h in troubles if not _after(h, period, tz)),
        later_health=tuple(h for h in troubles if _after(h, period, tz)),
        more_signals=max(0, len(signals) - MAX_SIGNALS),
        more_texts=max(0, len(texts) - MAX_TEXTS),
    )


def readers(recipients: Iterable[str], routes: Sequence[Route]) -> list[Reader]:
    """Each recipient with the countries of the routes that name their address (case-insensitive)."""
    found: list[Reader] = []
    for address in dict.fromkeys(recipients):
        mine = [r for r in routes if address.casefold() in {a.casefold() for a in r.email}]
        countries = sorted({c for r in mine for c in r.countries})
        everywhere = any(not r.countries for r in mine)
        teams = tuple(
            Team(
                label=r.slack_channel or ", ".join(r.providers) or f"route {routes.index(r) + 1}",
                countries=tuple(r.countries),
            )
            for r in mine
        )
        found.append(Reader(address=address, countries=tuple(countries), everywhere=everywhere, teams=teams))
    return found


def team_lines(news: Sequence[CountryNews], reader: Reader) -> list[tuple[Team, int]]:
    """Per team route of the reader: how many of this week's lines concern its countries (0: nothing changed)."""
    return [(t, sum(1 for n in news if not t.countries or n.country.code in t.countries)) for t in reader.teams]


def country_news(digest: Digest, reader: Reader) -> list[CountryNews]:
    """The changes in the reader's countries, by country then date."""
    wanted = set(reader.countries)

    def theirs(country: Country) -> bool:
        return reader.everywhere or country.code in wanted

    news: list[CountryNews] = []
    for group in digest.availability:
        for item in group.changes:
            news += [
                CountryNews(
                    country=c,
                    provider=item.provider,
                    what=f"no longer listed ({item.product})",
                    effective=item.effective,
                    seen=item.seen,
                )
                for c in item.removed
                if theirs(c)
            ]
            news += [
                CountryNews(
                    country=c,
                    provider=item.provider,
                    what=f"newly listed ({item.product})",
                    effective=item.effective,
                    seen=item.seen,
                )
                for c in item.added
                if theirs(c)
            ]
    for signal in digest.signals:
        news += [
            CountryNews(
                country=c,
                provider=signal.provider,
                what=f"announced: {signal.action}{OWNED if signal.scope == 'ownership' else ''}",
                effective=signal.effective,
                seen=signal.seen,
            )
            for c in signal.countries
            if theirs(c)
        ]
    return sorted(news, key=lambda n: (n.country.code, n.seen, n.provider))


def _country(code: str) -> Country:
    return Country(code=code, name=country_name(code), flag=flag(code))


def _countries(codes: Iterable[object]) -> tuple[Country, ...]:
    return tuple(_country(str(c)) for c in codes)


def _availability(row: ChangeRow, tz: ZoneInfo) -> AvailabilityItem:
    return AvailabilityItem(
        provider=row.provider or "?",
        product=row.product or "api",
        removed=_countries(row.removed),
        added=_countries(row.added),
        effective=_effective(row),
        seen=row.detected_at.astimezone(tz).date(),
        url=safe_url(row.url),
        correction=row.correction,
        change_id=row.id,
    )


def _signal(row: ChangeRow, tz: ZoneInfo) -> SignalItem:
    return SignalItem(
        provider=row.provider or "?",
        action=row.action or "mentioned",
        countries=_countries(row.countries),
        effective=_effective(row),
        seen=row.detected_at.astimezone(tz).date(),
        title=one_line(row.title, MAX_TITLE),
        url=safe_url(row.url),
        change_id=row.id,
        scope=row.scope,
    )


OWNED = " (companies owned from here)"  # in a line about one country: "here" is that country


def _effective(row: ChangeRow) -> str | None:
    return effective_text(row.effective_date, row.effective_precision) if row.effective_date else None


def _text(row: ChangeRow, tz: ZoneInfo) -> TextItem:
    lines, cut = excerpt(str((row.diff or {}).get("lines") or ""))
    return TextItem(
        source_id=row.source_id or "?",
        provider=row.provider or "?",
        seen=row.detected_at.astimezone(tz).date(),
        url=safe_url(row.url),
        excerpt=lines,
        cut=cut or bool((row.diff or {}).get("truncated")),
    )


def _after(item: HealthItem, period: Period, tz: ZoneInfo) -> bool:
    return item.since is not None and item.since >= period.end.astimezone(tz).date()


def _health(source: SourceRow, tz: ZoneInfo) -> HealthItem:
    if source.suspect_since is not None:
        return HealthItem(
            source_id=source.id,
            provider=source.provider,
            url=safe_url(source.url),
            problem="suspect",
            since=source.suspect_since.astimezone(tz).date(),
            detail=f"extraction held as suspect ({source.suspect_reason or 'unknown reason'})",
        )
    since = source.failing_since.astimezone(tz).date() if source.failing_since else None
    return HealthItem(
        source_id=source.id,
        provider=source.provider,
        url=safe_url(source.url),
        problem="failing",
        since=since,
        detail=f"{source.consecutive_failures} failed fetches in a row, last: {source.last_outcome}",
    )


# --- untrusted text ---------------------------------------------------------------------------


def safe_url(url: str | None) -> str | None:
    """The URL when it is a plain http(s) address; None for anything else (javascript:, data:, ...)."""
    if not url or len(url) > MAX_URL or _UNSAFE_URL_CHARS.search(url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and host else None


def cap(text: str, limit: int) -> str:
    """At most ``limit`` characters, an ellipsis marking a cut; control and bidi-override characters dropped."""
    text = _INVISIBLE.sub("", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def one_line(text: str, limit: int) -> str:
    """A title: whitespace runs (newlines included) made one space, then capped."""
    return cap(" ".join(text.split()), limit)


def excerpt(diff: str) -> tuple[tuple[str, ...], bool]:
    """The start of a unified diff (headers dropped), capped in lines and characters; and whether cut."""
    lines = [line for line in diff.splitlines() if not line.startswith(("--- ", "+++ "))]
    kept: list[str] = []
    used = 0
    for line in lines[:MAX_DIFF_LINES]:
        line = cap(line, MAX_DIFF_LINE)
        if used + len(line) > MAX_DIFF_CHARS:
            break
        kept.append(line)
        used += len(line)
    return tuple(kept), len(kept) < len(lines)


# --- rendering --------------------------------------------------------------------------------


@functools.cache
def _environment() -> Environment:
    """Autoescaping on for the HTML template only (the text part is not HTML)."""
    return Environment(
        loader=PackageLoader("monitor.notify", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=True, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(digest: Digest, reader: Reader | None, *, links: WebLinks | None = None) -> RenderedDigest:
    """The subject, the plain-text part and the HTML part (CSS inlined) for one reader.

    With links (``web.public_url``), changes and countries link to the web view.
    """
    count = sum(len(g.changes) for g in digest.availability)
    subject = (
        f"Regionwatch weekly digest {digest.period.name}: {count} availability "
        f"change{'' if count == 1 else 's'}, {len(digest.signals)} "
        f"signal{'' if len(digest.signals) == 1 else 's'}"
    )
    mine = country_news(digest, reader) if reader else []
    context = {
        "d": digest,
        "reader": reader,
        "mine": mine,
        "subject": subject,
        "links": links,
        "teams": team_lines(mine, reader) if reader else [],
    }
    env = _environment()
    text = env.get_template("digest.txt.j2").render(context)
    inliner = css_inline.CSSInliner(load_remote_stylesheets=False, keep_style_tags=False)
    html = inliner.inline(env.get_template("digest.html.j2").render(context))
    return RenderedDigest(subject=subject, text=text, html=html)
