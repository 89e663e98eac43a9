"""The guard against broken extractions: a claim that is no usable list is rejected.

A claim is no list when it is empty, when what it read looks like site navigation, or when it
has more unmapped names than the source allows. Whether a usable list's *change* may be
applied is decided in ``decide.py``.
"""

from __future__ import annotations

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


def reject_reason(claim: Claim, *, max_unmapped: int) -> tuple[str, str] | None:
    """Why ``claim`` is no usable list (a reason and a detail), or None when it is one."""
    navigation = sum(1 for name in claim.unmapped if _is_navigation(name))
    if navigation >= 2 or (navigation and not claim.codes):
        return "navigation", f"{navigation} unmapped names look like site navigation"
    if not claim.codes:
        return "empty", f"no country codes in {claim.names} names"
    if len(claim.unmapped) > max_unmapped:
        return "unmapped", f"{len(claim.unmapped)} unmapped names (at most {max_unmapped} allowed)"
    return None


def _is_navigation(name: str) -> bool:
    """True when ``name`` is a common navigation label ("Home", "Docs", "Sign in")."""
    return " ".join(name.casefold().replace("›", " ").split()).strip(" .:>»") in NAVIGATION_WORDS
