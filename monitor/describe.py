"""How a change's date and scope read in messages: one wording for Slack, e-mail, digest, web and CLI.

An effective date read from "from July 2024" is stored as 2024-07-01 with precision "month":
it reads "July 2024", never "2024-07-01", which would claim a day nobody announced. A
restriction on companies owned from a country reads as such, not as one on the country's traffic.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

NOT_ANNOUNCED = "not announced"


def effective_text(day: date | None, precision: str = "day", *, missing: str = NOT_ANNOUNCED) -> str:
    """ "2024-07-09", "July 2024" for a month, or ``missing``."""
    if day is None:
        return missing
    return f"{day:%B %Y}" if precision == "month" else day.isoformat()


def countries_title(scope: str) -> str:
    """The heading of a signal's country list."""
    return "Companies owned from" if scope == "ownership" else "Countries named"


def scope_text(scope: str) -> str:
    """One line on what a restriction applies to."""
    if scope == "ownership":
        return "companies owned or controlled from these countries, wherever they are based"
    return "traffic from these countries"


def owned_note(scope: str) -> str:
    """What a line about a restriction adds when it applies to owners: " (companies owned from
    there)", or ""."""
    return " (companies owned from there)" if scope == "ownership" else ""


def groups_text(diff: Mapping[str, object] | None) -> str:
    """ "EU" when the signal named a group (its members are the countries), else ""."""
    groups = (diff or {}).get("groups")
    return ", ".join(str(g) for g in groups) if isinstance(groups, Iterable) and not isinstance(groups, str) else ""
