"""The web view's pages as data: the availability matrix, a country, a provider."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from monitor.extract.countries import country_name
from monitor.query import sources as source_queries
from monitor.query.history import availability, change_dict, interval_dict
from monitor.store import reads
from monitor.store.changes import list_changes
from monitor.types import ChangeKind

RECENT = timedelta(days=30)
LATEST = 20


def matrix(sessions: sessionmaker[Session], *, at: datetime, now: datetime) -> dict[str, Any]:
    """Provider × product: countries served at ``at``, countries added and removed in the 30 days before it."""
    del now  # everything here is as of ``at``
    with sessions() as session:
        keys = reads.known_products(session)
        counts = reads.counts_as_of(session, at)
        recent = [
            c
            for c in list_changes(session, since=at - RECENT, kind=ChangeKind.AVAILABILITY.value)
            if c.detected_at <= at
        ]
        latest = [
            change_dict(c)
            for c in list_changes(session, since=at - RECENT)
            if c.detected_at <= at and c.kind != ChangeKind.OPERATOR.value
        ][:LATEST]
    moved: dict[tuple[str, str], list[int]] = {}
    for c in recent:
        tally = moved.setdefault((c.provider or "", c.product or ""), [0, 0])
        tally[0] += len(c.added)
        tally[1] += len(c.removed)
    products = sorted({q for _, q in keys})
    rows = []
    for provider in sorted({p for p, _ in keys}):
        cells = []
        for product in products:
            added, removed = moved.get((provider, product), [0, 0])
            cells.append(
                {
                    "product": product,
                    "known": (provider, product) in keys,
                    "count": counts.get((provider, product), 0),
                    "added": added,
                    "removed": removed,
                }
            )
        rows.append({"provider": provider, "cells": cells})
    return {
        "at": at,
        "products": products,
        "rows": rows,
        "latest_changes": latest,
        "moved": any(a or r for a, r in moved.values()),
    }


def provider_names(sessions: sessionmaker[Session]) -> list[str]:
    """Every provider known to the database, for filters."""
    with sessions() as session:
        return reads.providers(session)


def country(sessions: sessionmaker[Session], code: str, *, now: datetime) -> dict[str, Any]:
    """Who serves a country now, its intervals and every change that touched it."""
    with sessions() as session:
        timeline = [change_dict(c) for c in reads.changes_touching(session, code)]
        spans = [interval_dict(i) for i in reads.intervals(session, country=code)]
    return {
        "code": code,
        "name": country_name(code),
        "now": now,
        "serving": availability(sessions, at=now, country=code),
        "intervals": spans,
        "timeline": timeline,
    }


def provider(sessions: sessionmaker[Session], name: str, *, now: datetime) -> dict[str, Any] | None:
    """A provider's products, its sources and their health, and its changes; None when unknown."""
    with sessions() as session:
        if name not in reads.providers(session):
            return None
        counts = reads.counts_as_of(session, now)
        products = [q for p, q in reads.known_products(session) if p == name]
        timeline = [change_dict(c) for c in list_changes(session, provider=name)]
    return {
        "provider": name,
        "now": now,
        "products": [{"product": q, "count": counts.get((name, q), 0)} for q in products],
        "sources": (statuses := source_queries.status(sessions, provider=name, now=now)),
        "timeline": timeline,
        "freshness": source_queries.product_freshness(statuses),
    }


def map_codes(sessions: sessionmaker[Session], *, provider: str, product: str, at: datetime) -> dict[str, list[str]]:
    """The codes available at ``at`` for one product, with their caveats (empty when none)."""
    return {r["country"]: list(r["caveats"]) for r in availability(sessions, at=at, provider=provider, product=product)}


def freshness(sessions: sessionmaker[Session], *, now: datetime) -> dict[tuple[str, str], dict[str, Any]]:
    """Per (provider, product): when its list was last read, and warnings (stale, held as suspect, failing)."""
    rows = source_queries.status(sessions, now=now)
    result: dict[tuple[str, str], dict[str, Any]] = {}
    for name in sorted({r["provider"] for r in rows}):
        mine = [r for r in rows if r["provider"] == name]
        result |= {(name, product): entry for product, entry in source_queries.product_freshness(mine).items()}
    return result
