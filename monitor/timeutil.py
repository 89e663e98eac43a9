"""Durations and moments: "6h", "7d", "3m"-style strings and ISO dates, always aware UTC."""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_RELATIVE = re.compile(r"^\s*(\d+)\s*(h|d|w|m|y)\s*$", re.IGNORECASE)


#: Seconds a stored word diff may take before diff-match-patch settles for a coarser one.
DIFF_BUDGET = 1.0


def diff_deadline() -> float:
    """The ``deadline`` for ``detect.textdiff.text_diff``: ``DIFF_BUDGET`` from now (wall clock, as
    diff-match-patch reads it)."""
    return time.time() + DIFF_BUDGET


def parse_duration(text: str) -> timedelta:
    """ "90s", "30m", "6h", "1d", "2w" -> timedelta; ValueError otherwise."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"bad duration {text!r} (use e.g. 30m, 6h, 1d)")
    amount, unit = float(match.group(1)), match.group(2).lower()
    return timedelta(seconds=amount * _UNITS[unit])


def format_duration(delta: timedelta) -> str:
    """The shortest exact form of a duration: 21600s -> "6h"."""
    seconds = int(delta.total_seconds())
    for unit in ("w", "d", "h", "m"):
        if seconds and seconds % _UNITS[unit] == 0:
            return f"{seconds // _UNITS[unit]}{unit}"
    return f"{seconds}s"


def parse_moment(text: str, *, now: datetime) -> datetime:
    """An ISO date or datetime, or a relative form ("7d", "3m" = months, "1y") before now."""
    rel = _RELATIVE.match(text)
    if rel:
        return now - _relative(int(rel.group(1)), rel.group(2).lower())
    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"bad date {text!r} (use 2024-07-10, 2024-07-10T12:00Z, 7d or 3m)") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _relative(amount: int, unit: str) -> timedelta:
    days = {"h": 1 / 24, "d": 1, "w": 7, "m": 30, "y": 365}[unit]
    return timedelta(days=amount * days)


def start_of_day(day: date) -> datetime:
    """Midnight UTC of a date."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def utcnow() -> datetime:
    """The current moment, aware UTC. Only the CLI and the daemon call this; stages get it."""
    return datetime.now(UTC)


def http_date(value: str | None) -> datetime | None:
    """An HTTP date header ("Wed, 21 Oct 2015 07:28:00 GMT") as an aware datetime; None if absent or bad."""
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
