"""A provider × product's history in one country as server-rendered SVG bars over time.

Grey before anything was read, light grey while watched but not listed, green while listed, red
after a removal; a dark line at the moment asked about; a diamond at each announced effective date.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from markupsafe import Markup

WIDTH, HEIGHT, BAR_TOP, BAR_HEIGHT = 600, 50, 8, 18


def render(standing: dict[str, Any], *, end: datetime, at: datetime) -> Markup:
    """The bars for one standing (its intervals, watched_since and signals), from first read to ``end``."""
    spans = standing["intervals"]
    starts = [s["valid_from"] for s in spans] + ([standing["watched_since"]] if standing["watched_since"] else [])
    start = min([*starts, at])
    if start >= end:
        start = end.replace(year=end.year - 1)
    scale = WIDTH / (end - start).total_seconds()

    def x(moment: datetime) -> float:
        return float(max(0.0, min(WIDTH, (moment - start).total_seconds() * scale)))

    parts = [
        Markup('<rect class="tl-unwatched" x="0" y="{}" width="{}" height="{}"/>').format(BAR_TOP, WIDTH, BAR_HEIGHT)
    ]
    if standing["watched_since"]:
        parts.append(_bar("tl-unlisted", x(standing["watched_since"]), WIDTH))
    for s in sorted(spans, key=lambda s: s["valid_from"]):
        stop = s["valid_to"] or end
        parts.append(_bar("tl-available", x(s["valid_from"]), x(stop)))
        if s["valid_to"] is not None:
            following = [t["valid_from"] for t in spans if t["valid_from"] >= s["valid_to"]]
            parts.append(_bar("tl-unavailable", x(s["valid_to"]), x(min(following, default=end))))
    for signal in standing["signals"]:
        if signal["effective_date"] is not None:
            day = datetime(
                signal["effective_date"].year, signal["effective_date"].month, signal["effective_date"].day, tzinfo=UTC
            )
            cx = x(day)
            parts.append(
                Markup(
                    '<path class="tl-signal" d="M{:.1f} {}l5 5-5 5-5-5z"><title>{} {} from {}</title></path>'
                ).format(
                    cx,
                    BAR_TOP - 6,
                    signal["provider"],
                    signal["action"] or "notice",
                    signal["effective_date"].isoformat(),
                )
            )
    parts.append(
        Markup('<line class="tl-at" x1="{0:.1f}" x2="{0:.1f}" y1="2" y2="{1}"/>').format(
            x(at), BAR_TOP + BAR_HEIGHT + 4
        )
    )
    parts.append(
        Markup(
            '<text class="tl-axis" x="0" y="{0}">{1}</text>'
            '<text class="tl-axis" x="{2}" y="{0}" text-anchor="end">{3}</text>'
        ).format(HEIGHT - 2, f"{start:%Y-%m-%d}", WIDTH, f"{end:%Y-%m-%d}")
    )
    label = _words(standing, start, end)
    return Markup('<svg class="timeline" viewBox="0 0 {} {}" role="img" aria-label="{}">{}</svg>').format(
        WIDTH, HEIGHT, label, Markup("").join(parts)
    )


def chart_end(standing: dict[str, Any], *, at: datetime, now: datetime) -> datetime:
    """Where the chart stops: a little after the last event or the moment asked about, never after now.

    Ending at now would squash a 2024 story into a sliver when looked at in 2026.
    """
    events = [at, *([standing["watched_since"]] if standing["watched_since"] else [])]
    for span in standing["intervals"]:
        events += [span["valid_from"], *([span["valid_to"]] if span["valid_to"] else [])]
    events += [
        datetime(d.year, d.month, d.day, tzinfo=UTC)
        for d in (x["effective_date"] for x in standing["signals"])
        if d is not None
    ]
    start, last = min(events), max(events)
    end: datetime = min(max(now, at), last + max(timedelta(days=14), (last - start) / 5))
    return end


def _bar(cls: str, left: float, right: float) -> Markup:
    return Markup('<rect class="{}" x="{:.1f}" y="{}" width="{:.1f}" height="{}"/>').format(
        cls, left, BAR_TOP, max(right - left, 1.0), BAR_HEIGHT
    )


def _words(standing: dict[str, Any], start: datetime, end: datetime) -> str:
    """What the bars show, for screen readers."""
    listed = "; ".join(
        f"listed {s['valid_from']:%Y-%m-%d} to " + (f"{s['valid_to']:%Y-%m-%d}" if s["valid_to"] else "now")
        for s in standing["intervals"]
    )
    return (
        f"{standing['provider']} {standing['product']} in {standing['country']}, {start:%Y-%m-%d} to "
        f"{end:%Y-%m-%d}: " + (listed or "never listed")
    )
