from __future__ import annotations

from monitor.detect.availability import diff_sets
from monitor.detect.guard import reject_reason
from monitor.types import Claim

FORTY = frozenset(f"C{i:02d}" for i in range(40))


def claim(codes: frozenset[str], *unmapped: str) -> Claim:
    return Claim(codes=codes, unmapped=unmapped, names=len(codes) + len(unmapped))


def reason(c: Claim, max_unmapped: int = 3) -> str | None:
    found = reject_reason(c, max_unmapped=max_unmapped)
    return found[0] if found else None


def test_a_normal_claim_passes() -> None:
    assert reject_reason(claim(FORTY - {"C01", "C02"} | {"ZM"}), max_unmapped=3) is None
    assert reason(claim(frozenset({"AL"}))) is None


def test_empty_claims_are_rejected() -> None:
    assert reason(claim(frozenset())) == "empty"
    assert reason(claim(frozenset(), "Atlantis")) == "empty"


def test_too_many_unmapped_names_are_rejected() -> None:
    assert reason(claim(FORTY, "a", "b", "c")) is None
    found = reject_reason(claim(FORTY, "a", "b", "c", "d"), max_unmapped=3)
    assert found is not None and found[0] == "unmapped" and "4 unmapped" in found[1]
    assert reason(claim(FORTY, "a"), max_unmapped=0) == "unmapped"


def test_navigation_words_are_rejected() -> None:
    assert reason(claim(frozenset(), "Home", "Docs", "Pricing")) == "navigation"
    assert reason(claim(FORTY, "Home", "Sign in")) == "navigation"
    assert reason(claim(FORTY, "Home")) is None


def test_diff_sets_sorted() -> None:
    assert diff_sets(frozenset({"KE", "NG", "AL"}), frozenset({"ZM", "AL", "AD"})) == (
        ("AD", "ZM"),
        ("KE", "NG"),
    )
    assert diff_sets(FORTY, FORTY) == ((), ())
