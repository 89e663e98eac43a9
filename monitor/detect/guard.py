"""The guard against broken extractions: a suspect claim is held until the next fetch agrees.

A claim is suspect when it is empty, when what it read looks like site navigation, when it has
more unmapped names than the source allows, or when it would remove more than a fifth of the
previous set at once. A first claim (no previous set) is judged on all but the last.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.types import Claim

#: Words that name pages of a site, not countries: a selector that reads them reads the menu.
NAVIGATION_WORDS = frozenset(
    {
        *"""home docs documentation api pricing blog news login signin signup register contact
        about support help faq careers jobs company products product solutions resources search
        menu terms privacy legal status community developers dashboard console overview guides
        reference changelog enterprise research next previous back more""".split(),
        *("log in", "sign in", "sign up", "contact us", "about us", "get started"),
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    """Whether a claim may be applied as it stands, and if not why."""

    suspect: bool
    reason: str | None = None
    detail: str = ""


OK = Verdict(suspect=False)


def assess(
    previous: frozenset[str] | None,
    claim: Claim,
    *,
    max_unmapped: int,
    max_removed_fraction: float = 0.2,
) -> Verdict:
    """Judge ``claim`` against the set it would replace (None for a first claim)."""
    navigation = sum(1 for name in claim.unmapped if _is_navigation(name))
    if navigation >= 2 or (navigation and not claim.codes):
        return _suspect("navigation", f"{navigation} unmapped names look like site navigation")
    if not claim.codes:
        return _suspect("empty", f"no country codes in {claim.names} names")
    if len(claim.unmapped) > max_unmapped:
        return _suspect(
            "unmapped", f"{len(claim.unmapped)} unmapped names (at most {max_unmapped} allowed)"
        )
    if previous:
        removed = len(previous - claim.codes)
        if removed > max_removed_fraction * len(previous):
            return _suspect("collapse", f"removes {removed} of {len(previous)} codes at once")
    return OK


def confirm(pending: frozenset[str] | None, claim: Claim) -> bool:
    """True when a held suspect set is read again unchanged (never for an empty one)."""
    return pending is not None and bool(claim.codes) and claim.codes == pending


def _suspect(reason: str, detail: str) -> Verdict:
    """A suspect verdict."""
    return Verdict(suspect=True, reason=reason, detail=detail)


def _is_navigation(name: str) -> bool:
    """True when ``name`` is a common navigation label ("Home", "Docs", "Sign in")."""
    return " ".join(name.casefold().replace("›", " ").split()).strip(" .:>»") in NAVIGATION_WORDS
