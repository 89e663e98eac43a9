from __future__ import annotations

import pytest

from monitor.detect.availability import diff_sets
from monitor.detect.guard import Verdict, assess, confirm
from monitor.types import Claim

FORTY = frozenset(f"C{i:02d}" for i in range(40))


def claim(codes: frozenset[str], *unmapped: str) -> Claim:
    return Claim(codes=codes, unmapped=unmapped, names=len(codes) + len(unmapped))


def test_a_normal_claim_passes() -> None:
    verdict = assess(FORTY, claim(FORTY - {"C01", "C02"} | {"ZM"}), max_unmapped=3)
    assert verdict == Verdict(suspect=False)
    assert verdict.reason is None


def test_a_first_claim_is_judged_on_empty_and_unmapped_only() -> None:
    assert not assess(None, claim(frozenset({"AL"})), max_unmapped=3).suspect
    assert assess(None, claim(frozenset()), max_unmapped=3).reason == "empty"
    assert assess(None, claim(FORTY, "a", "b", "c", "d"), max_unmapped=3).reason == "unmapped"


def test_empty_claims_are_suspect() -> None:
    assert assess(FORTY, claim(frozenset()), max_unmapped=3).reason == "empty"
    verdict = assess(FORTY, claim(frozenset(), "Atlantis"), max_unmapped=3)
    assert verdict.suspect and verdict.reason == "empty"


def test_too_many_unmapped_names_are_suspect() -> None:
    assert not assess(FORTY, claim(FORTY, "a", "b", "c"), max_unmapped=3).suspect
    verdict = assess(FORTY, claim(FORTY, "a", "b", "c", "d"), max_unmapped=3)
    assert verdict.reason == "unmapped" and "4 unmapped" in verdict.detail
    assert assess(FORTY, claim(FORTY, "a"), max_unmapped=0).reason == "unmapped"


@pytest.mark.parametrize(
    ("removed", "suspect"), [(0, False), (8, False), (9, True), (39, True)]
)
def test_a_collapse_is_suspect(removed: int, suspect: bool) -> None:
    kept = frozenset(sorted(FORTY)[removed:])
    verdict = assess(FORTY, claim(kept), max_unmapped=3)
    assert verdict.suspect is suspect
    assert verdict.reason == ("collapse" if suspect else None)


def test_the_collapse_threshold_is_a_parameter() -> None:
    kept = frozenset(sorted(FORTY)[4:])
    assert assess(FORTY, claim(kept), max_unmapped=3, max_removed_fraction=0.05).suspect
    assert not assess(FORTY, claim(kept), max_unmapped=3, max_removed_fraction=0.5).suspect


def test_additions_never_collapse() -> None:
    assert not assess(frozenset({"C00"}), claim(FORTY), max_unmapped=3).suspect


def test_navigation_words_are_suspect() -> None:
    verdict = assess(None, claim(frozenset(), "Home", "Docs", "Pricing"), max_unmapped=3)
    assert verdict.reason == "navigation"
    assert assess(FORTY, claim(FORTY, "Home", "Sign in"), max_unmapped=3).reason == "navigation"
    assert assess(FORTY, claim(FORTY, "Home"), max_unmapped=3) == Verdict(suspect=False)


def test_confirm_needs_the_same_set_twice() -> None:
    held = frozenset(sorted(FORTY)[20:])
    assert confirm(held, claim(held))
    assert not confirm(held, claim(held | {"ZM"}))
    assert not confirm(None, claim(held))


def test_an_empty_set_is_never_confirmed() -> None:
    assert not confirm(frozenset(), claim(frozenset()))
    assert not confirm(frozenset(), claim(frozenset(), "Home", "Docs", "Pricing"))


def test_diff_sets_sorted() -> None:
    assert diff_sets(frozenset({"KE", "NG", "AL"}), frozenset({"ZM", "AL", "AD"})) == (
        ("AD", "ZM"),
        ("KE", "NG"),
    )
    assert diff_sets(FORTY, FORTY) == ((), ())
