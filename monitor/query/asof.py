""" "Was P's product available in C at T?": one standing per provider × product, with its evidence.

A standing is one of four states at a moment, told apart because they mean different things:

- ``available``: an interval covers the moment (since its start);
- ``unavailable``: the product was watched and the country had been listed, then removed;
- ``unlisted``: the product was watched and the country was never on its list (so far);
- ``unwatched``: nothing was read for the product yet at that moment.

Announced signals naming the country (detected by then) travel with the standing, marked as in
force when their effective date has come.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from monitor.describe import effective_text, owned_note
from monitor.extract.countries import country_name
from monitor.query.history import interval_dict
from monitor.store import reads
from monitor.types import ChangeKind


class State(enum.StrEnum):
    AVAILABLE = "available"
    UNAVAILABLE = "unavailable"
    UNLISTED = "unlisted"
    UNWATCHED = "unwatched"


WORDS = {
    State.AVAILABLE: "available",
    State.UNAVAILABLE: "not available",
    State.UNLISTED: "not listed",
    State.UNWATCHED: "not watched",
}


def standings(
    sessions: sessionmaker[Session],
    *,
    country: str,
    at: datetime,
    provider: str | None = None,
    product: str | None = None,
) -> list[dict[str, Any]]:
    """Every known provider × product (or the one asked) for a country at a moment, with evidence."""
    with sessions() as session:
        keys = [k for k in reads.known_products(session) if provider in (None, k[0]) and product in (None, k[1])]
        first = reads.first_observed(session)
        spans = [
            interval_dict(i) for i in reads.intervals(session, country=country, provider=provider, product=product)
        ]
        signals = [s for s in reads.changes_touching(session, country) if s.kind == ChangeKind.SIGNAL.value]
    return [
        _standing(
            key,
            country,
            at,
            first.get(key),
            [s for s in spans if (s["provider"], s["product"]) == key],
            [_signal(s, at) for s in signals if s.provider == key[0] and s.detected_at <= at],
        )
        for key in keys
    ]


def _standing(
    key: tuple[str, str],
    country: str,
    at: datetime,
    watched: datetime | None,
    spans: list[dict[str, Any]],
    signals: list[dict[str, Any]],
) -> dict[str, Any]:
    current = next((s for s in spans if s["valid_from"] <= at and (s["valid_to"] is None or s["valid_to"] > at)), None)
    ended = [s for s in spans if s["valid_to"] is not None and s["valid_to"] <= at]
    if current is not None:
        state, since, evidence = State.AVAILABLE, current["valid_from"], current
    elif watched is None or at < watched:
        state, since, evidence = State.UNWATCHED, None, None
    elif ended:
        evidence = max(ended, key=lambda s: s["valid_to"])
        state, since = State.UNAVAILABLE, evidence["valid_to"]
    else:
        state, since, evidence = State.UNLISTED, watched, None
    return {
        "provider": key[0],
        "product": key[1],
        "country": country,
        "name": country_name(country),
        "at": at,
        "state": state.value,
        "words": WORDS[state],
        "since": since,
        "watched_since": watched,
        "caveats": list(current["caveats"]) if current else [],
        "evidence": _evidence(state, evidence),
        "signals": signals,
        "intervals": spans,
    }


def _evidence(state: State, span: dict[str, Any] | None) -> dict[str, Any] | None:
    """The change (or first snapshot) behind the state: what opened or what closed the interval."""
    if span is None:
        return None
    if state is State.AVAILABLE:
        return {"change_id": span["change_id"], "snapshot_id": span["snapshot_id"], "text": span["evidence"]}
    return {"change_id": span["closed_by_change_id"], "snapshot_id": None, "text": span["ended_by"]}


def _signal(row: Any, at: datetime) -> dict[str, Any]:
    effective = row.effective_date
    return {
        "change_id": row.id,
        "provider": row.provider,
        "action": row.action,
        "effective_date": effective,
        "effective_precision": row.effective_precision,
        "scope": row.scope,
        "detected_at": row.detected_at,
        "source": row.source_id,
        "title": row.title,
        "url": row.url,
        "in_force": effective is None or effective <= at.date(),
    }


def sentence(standing: dict[str, Any]) -> str:
    """The answer in one line, as the demo's as-of answers word it (yes/no first, then since when)."""
    s = standing
    what = f"{s['provider']} {s['product']} in {s['name']} ({s['country']}) on {s['at']:%Y-%m-%d}"
    state = State(s["state"])
    if state is State.AVAILABLE:
        line = f"Yes: {what}: listed since {s['since']:%Y-%m-%d}"
        if s["caveats"]:
            line += f", except {', '.join(s['caveats'])}"
    elif state is State.UNAVAILABLE:
        line = f"No: {what}: not available, removed from its list on {s['since']:%Y-%m-%d}"
    elif state is State.UNLISTED:
        line = f"No: {what}: not on its list (watched since {s['watched_since']:%Y-%m-%d})"
    else:
        line = f"Unknown: {what}: not watched then" + (
            f" (watched from {s['watched_since']:%Y-%m-%d})" if s["watched_since"] else ""
        )
    announced = [
        f"{x['provider']} {x['action'] or 'notice'}"
        + (f" from {effective_text(x['effective_date'], x['effective_precision'])}" if x["effective_date"] else "")
        + owned_note(x["scope"])
        + f" ({x['source']})"
        for x in s["signals"]
        if x["in_force"]
    ]
    return line + (f"; announced: {'; '.join(announced)}" if announced else "") + "."


def map_states(
    sessions: sessionmaker[Session], *, provider: str, product: str, at: datetime, compare: datetime | None = None
) -> dict[str, Any]:
    """Each country's state for one product at a moment; with compare, what was added and removed since then."""
    with sessions() as session:
        watched = reads.first_observed(session).get((provider, product))
        spans = reads.intervals(session, provider=provider, product=product)
    listed = _listed(spans, at)
    states: dict[str, str] = {}
    if watched is not None and at >= watched:
        states = {s.country: State.UNAVAILABLE.value for s in spans if s.valid_to is not None and s.valid_to <= at}
        states |= {code: "partial" if caveats else State.AVAILABLE.value for code, caveats in listed.items()}
    default = State.UNWATCHED.value if watched is None or at < watched else State.UNLISTED.value
    before = _listed(spans, compare) if compare is not None else None
    if before is not None:
        states |= {code: "added" for code in listed.keys() - before.keys()}
        states |= {code: "removed" for code in before.keys() - listed.keys()}
    return {
        "states": states,
        "default": default,
        "codes": listed,
        "watched_since": watched,
        "added": sorted(listed.keys() - before.keys()) if before is not None else [],
        "removed": sorted(before.keys() - listed.keys()) if before is not None else [],
    }


def _listed(spans: list[reads.EvidencedInterval], at: datetime) -> dict[str, list[str]]:
    return {s.country: list(s.caveats) for s in spans if s.valid_from <= at and (s.valid_to is None or s.valid_to > at)}
