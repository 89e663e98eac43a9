"""The digest's schedule: "mon 08:00" or a five-field crontab line, in the configured zone."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

from monitor.errors import ConfigError

_SIMPLE = re.compile(r"^\s*(mon|tue|wed|thu|fri|sat|sun|daily)\s+(\d{1,2}):(\d{2})\s*$", re.IGNORECASE)


def time_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"timezone {name!r} is not a known IANA zone (e.g. UTC, Asia/Jakarta)") from None


def digest_trigger(cron: str, zone: str) -> CronTrigger:
    """ "mon 08:00", "daily 07:30", or "0 8 * * mon" -> a CronTrigger in the zone."""
    tz = time_zone(zone)
    simple = _SIMPLE.match(cron)
    try:
        if simple:
            day, hour, minute = simple.group(1).lower(), int(simple.group(2)), int(simple.group(3))
            return CronTrigger(day_of_week=None if day == "daily" else day, hour=hour, minute=minute, timezone=tz)
        return CronTrigger.from_crontab(cron, timezone=tz)
    except ValueError as exc:
        raise ConfigError(f"digest.cron {cron!r}: {exc} (use e.g. 'mon 08:00' or '0 8 * * mon')") from None
