"""The digest's schedule: "mon 08:00" or a five-field crontab line, in the configured zone.

The zone and the line are parsed by monitor.config (zone_info, cron_trigger), the same functions
that check the settings at start-up; here they become ConfigErrors for the daemon.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from monitor.config import cron_trigger, zone_info
from monitor.errors import ConfigError


def time_zone(name: str) -> ZoneInfo:
    try:
        return zone_info(name)
    except ValueError as exc:
        raise ConfigError(f"timezone {exc}") from None


def digest_trigger(cron: str, zone: str) -> CronTrigger:
    """ "mon 08:00", "daily 07:30", or "0 8 * * mon" -> a CronTrigger in the zone."""
    tz = time_zone(zone)
    try:
        return cron_trigger(cron, tz)
    except ValueError as exc:
        raise ConfigError(f"digest.cron {exc}") from None
