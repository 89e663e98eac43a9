"""The questions the demo ends with, answered from the history it recorded (as-of queries)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from monitor.extract.countries import country_name
from monitor.query import history


@dataclass(frozen=True, slots=True, kw_only=True)
class Question:
    """Who served ``country`` at ``at`` (one provider's product, or everyone watched)."""

    country: str
    at: datetime
    provider: str | None = None
    product: str | None = None

    @property
    def text(self) -> str:
        place = f"{country_name(self.country)} ({self.country})"
        if self.provider is not None:
            return f"Was the {self.provider} {self.product or 'api'} available in {place} on {self.at:%Y-%m-%d}?"
        return f"Who served {place} on {self.at:%Y-%m-%d}?"


def _noon(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T12:00").replace(tzinfo=UTC)


QUESTIONS: tuple[Question, ...] = (
    Question(country="CN", at=_noon("2024-07-10")),
    Question(country="HK", at=_noon("2024-07-10"), provider="openai", product="api"),
    Question(country="ID", at=_noon("2024-07-10")),
    Question(country="RS", at=_noon("2024-07-10")),
    Question(country="RS", at=_noon("2024-07-20")),
)


def answer(sessions: sessionmaker[Session], question: Question) -> str:
    """One line: who was listed then (and since when), and what had been announced for the country."""
    rows = history.availability(
        sessions, at=question.at, provider=question.provider, product=question.product, country=question.country
    )
    if question.provider is not None:
        listed = f"yes, listed since {rows[0]['valid_from']:%Y-%m-%d}" if rows else "no: not on its list"
    else:
        listed = ", ".join(_served(r) for r in rows) or "none of the providers watched"
    notices = _announced(sessions, question)
    return listed + (f"; announced: {'; '.join(notices)}" if notices else "")


def _served(row: dict[str, Any]) -> str:
    return f"{row['provider']} {row['product']} (listed since {row['valid_from']:%Y-%m-%d})"


def _announced(sessions: sessionmaker[Session], question: Question) -> Sequence[str]:
    """Signals about the country in force by then: the news a list alone does not carry."""
    found = []
    for change in history.changes(sessions, kind="signal", provider=question.provider):
        effective = change["effective_date"]
        if (
            question.country in change["countries"]
            and change["detected_at"] <= question.at
            and (effective is None or effective <= question.at.date())
        ):
            when = f" from {effective:%Y-%m-%d}" if effective else ""
            found.append(f"{change['provider']} {change['action']}{when} ({change['source']})")
    return found
