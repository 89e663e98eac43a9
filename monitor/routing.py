"""Routes: which destinations hear about a change (pure; the store writes an outbox row per
destination, the notifiers resolve "default" and "operator")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from monitor.types import Change, ChangeKind, Route, Severity

DEFAULT_DESTINATION = "default"
OPERATOR_DESTINATION = "operator"
ALERT_MIN_SEVERITY = Severity.MEDIUM


@dataclass(frozen=True, slots=True, kw_only=True)
class Destination:
    channel: str  # "slack" or "email"
    target: str  # a Slack channel, "default"/"operator" (resolved when sent), or an address


def destinations(change: Change, routes: Sequence[Route]) -> list[Destination]:
    """Every destination whose route matches; the default channel when none does."""
    if change.kind is ChangeKind.OPERATOR:
        return [Destination(channel="slack", target=OPERATOR_DESTINATION)]
    if change.severity < ALERT_MIN_SEVERITY:
        return []  # low severity goes to the digest only
    found: list[Destination] = []
    for route in routes:
        if matches(route, change):
            if route.slack_channel:
                found.append(Destination(channel="slack", target=route.slack_channel))
            found += [Destination(channel="email", target=a) for a in route.email]
    if not any(d.channel == "slack" for d in found):
        found.append(Destination(channel="slack", target=DEFAULT_DESTINATION))
    return list(dict.fromkeys(found))


def matches(route: Route, change: Change) -> bool:
    """True when every filter of the route admits the change (empty filters admit all)."""
    countries = set(change.added) | set(change.removed) | set(change.countries)
    return (
        change.severity >= route.min_severity
        and (not route.providers or (change.provider or "") in route.providers)
        and (not route.products or (change.product or "") in route.products)
        and (not route.kinds or change.kind in route.kinds)
        and (not route.countries or bool(countries & set(route.countries)))
    )
