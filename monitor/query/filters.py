"""Turning what a user typed into query values: dates and countries in any known language."""

from __future__ import annotations

import re
from datetime import datetime

from monitor.errors import AmbiguousCountryError, RegionwatchError
from monitor.extract.countries import normalize_country
from monitor.timeutil import parse_moment


def country_code(text: str) -> str:
    """ "HK", "hk", "Hong Kong", "香港", "Tiongkok" -> an ISO code; a clear error otherwise."""
    if re.fullmatch(r"[A-Za-z]{2}", text.strip()):
        return text.strip().upper()
    try:
        match = normalize_country(text)
    except AmbiguousCountryError as exc:
        raise RegionwatchError(f"{exc}: give the two-letter code") from None
    if match is None:
        raise RegionwatchError(f"unknown country {text!r}: give an ISO 3166 code such as HK")
    return match.code


def moment(text: str | None, *, now: datetime) -> datetime:
    """A date argument (ISO or relative like 7d, 3m), or now when not given."""
    if text is None:
        return now
    try:
        return parse_moment(text, now=now)
    except ValueError as exc:
        raise RegionwatchError(str(exc)) from None
