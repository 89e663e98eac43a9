"""The detection stage on its own: typed decisions from what is known and a new read (no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from monitor.detect.decide import (
    Decision,
    DecisionKind,
    FetchFacts,
    GoodRead,
    Held,
    HoldReason,
    Known,
    Observation,
    RejectReason,
    Rules,
    decide,
)
from monitor.types import Claim

T0 = datetime(2026, 1, 5, tzinfo=UTC)
URL = "https://example.com/supported-countries"
ORDER = tuple(f"C{i:02d}" for i in range(40))  # the good read's list, in page order
OPEN = frozenset(ORDER)
GOOD = GoodRead(order=ORDER, shape=("ul",), unmapped=(), final_url=URL)
KNOWN = Known(open_set=OPEN, good=GOOD)
FRESH = FetchFacts(final_url=URL, fresh=True, conditional=False)
RULES = Rules(confirm_after=timedelta(minutes=10))


def read(
    codes: tuple[str, ...],
    *,
    facts: FetchFacts = FRESH,
    at: datetime = T0,
    unmapped: tuple[str, ...] = (),
    shape: tuple[str, ...] = ("ul",),
) -> Observation:
    claim = Claim(codes=frozenset(codes), order=codes, unmapped=unmapped, shape=shape, names=len(codes) + len(unmapped))
    return Observation(claim=claim, facts=facts, observed_at=at)


def without(*codes: str) -> tuple[str, ...]:
    return tuple(c for c in ORDER if c not in codes)


def held_after(obs: Observation, known: Known = KNOWN) -> tuple[Decision, Known]:
    """Decide ``obs`` and return what is known once its hold is stored."""
    decision = decide(known, obs, RULES)
    assert decision.kind is DecisionKind.HOLD and isinstance(decision.reason, HoldReason)
    assert obs.claim is not None
    return decision, replace(
        known, held=Held(id=1, codes=obs.claim.codes, reason=decision.reason, first_seen_at=obs.observed_at)
    )


def test_the_first_good_read_is_the_baseline() -> None:
    decision = decide(Known(open_set=None), read(ORDER), RULES)
    assert decision.kind is DecisionKind.BASELINE and decision.added == tuple(sorted(ORDER))


def test_a_read_that_agrees_changes_nothing_and_drops_a_held_change() -> None:
    assert decide(KNOWN, read(ORDER), RULES).kind is DecisionKind.SAME
    _, known = held_after(read(without("C05")))
    decision = decide(known, read(ORDER), RULES)
    assert decision.kind is DecisionKind.SAME and decision.held is not None


@pytest.mark.parametrize(
    "codes",
    [without("C05"), without("C03", "C17", "C31"), (*ORDER, "ZM"), (*without("C12"), "ZM")],
    ids=["one", "scattered", "added", "swapped"],
)
def test_a_true_change_is_held_then_confirmed_by_a_fresh_read(codes: tuple[str, ...]) -> None:
    decision, known = held_after(read(codes))
    assert decision.reason is HoldReason.UNCONFIRMED and not decision.notice
    too_soon = decide(known, read(codes, at=T0 + timedelta(minutes=9)), RULES)
    assert too_soon.kind is DecisionKind.HOLD
    confirmed = decide(known, read(codes, at=T0 + timedelta(minutes=10)), RULES)
    assert confirmed.kind is DecisionKind.CONFIRM and confirmed.held is not None
    assert confirmed.held.first_seen_at == T0


def test_a_304_or_a_conditional_answer_never_confirms() -> None:
    codes = without("C05")
    _, known = held_after(read(codes))
    later = T0 + timedelta(hours=1)
    for facts in (
        replace(FRESH, fresh=False),
        replace(FRESH, conditional=True),
        replace(FRESH, fresh=False, conditional=False),
    ):  # a 304 to a request without validators
        assert decide(known, read(codes, facts=facts, at=later), RULES).kind is DecisionKind.HOLD
    assert decide(known, read(codes, at=later), RULES).kind is DecisionKind.CONFIRM


def test_an_incomplete_or_moved_read_never_confirms() -> None:
    codes = without("C05")
    _, known = held_after(read(codes))
    later = T0 + timedelta(hours=1)
    assert decide(known, read(codes, facts=replace(FRESH, complete=False), at=later), RULES).kind is DecisionKind.HOLD
    moved = replace(FRESH, final_url="https://example.com/other")
    assert decide(known, read(codes, facts=moved, at=later), RULES).kind is DecisionKind.HOLD


@pytest.mark.parametrize("cut", [2, 4, 6])
def test_a_cut_tail_is_damage_and_never_confirms_itself(cut: int) -> None:
    codes = ORDER[:-cut]
    decision, known = held_after(read(codes))
    assert decision.reason is HoldReason.CUT_RUN and decision.notice and decision.damage
    for hours in (1, 2, 48):
        again = decide(known, read(codes, at=T0 + timedelta(hours=hours)), RULES)
        assert again.kind is DecisionKind.HOLD and not again.notice


def test_a_block_cut_from_the_middle_is_damage_but_scattered_removals_are_not() -> None:
    assert decide(KNOWN, read(without("C10", "C11", "C12")), RULES).reason is HoldReason.CUT_RUN
    assert decide(KNOWN, read(without("C10", "C20", "C30")), RULES).reason is HoldReason.UNCONFIRMED
    assert decide(KNOWN, read(without("C10", "C11")), RULES).reason is HoldReason.UNCONFIRMED  # two, mid-list
    assert decide(KNOWN, read(without("C00", "C01")), RULES).reason is HoldReason.CUT_RUN  # two at the head
    assert decide(KNOWN, read(without("C05")), RULES).reason is HoldReason.UNCONFIRMED  # one is no run
    # two blocks (lazy-loaded chunks lost) are a cut; a block beside a lone removal is not only blocks
    assert decide(KNOWN, read(without("C10", "C11", "C12", "C30", "C31", "C32")), RULES).reason is HoldReason.CUT_RUN
    assert decide(KNOWN, read(without("C10", "C11", "C12", "C30")), RULES).reason is HoldReason.UNCONFIRMED
    # a run with an addition is a swap, not a cut
    assert decide(KNOWN, read((*without("C10", "C11", "C12"), "ZM")), RULES).reason is HoldReason.UNCONFIRMED


def test_a_read_that_ends_at_another_url_is_held_as_moved() -> None:
    moved = replace(FRESH, final_url="https://example.com/consumer-countries")
    decision = decide(KNOWN, read(without("C05"), facts=moved), RULES)
    assert decision.reason is HoldReason.MOVED and decision.notice
    same_set = decide(KNOWN, read(ORDER, facts=moved), RULES)
    assert same_set.kind is DecisionKind.SAME and not same_set.good  # not taken as the good read
    for same in (URL + "/#list", URL.replace("https://example.com", "HTTPS://Example.COM:443")):
        assert (
            decide(KNOWN, read(without("C05"), facts=replace(FRESH, final_url=same)), RULES).reason
            is HoldReason.UNCONFIRMED
        )
    other_query = replace(FRESH, final_url=URL + "?product=consumer")
    assert decide(KNOWN, read(without("C05"), facts=other_query), RULES).reason is HoldReason.MOVED


def test_a_document_cut_before_its_end_is_damage() -> None:
    decision = decide(KNOWN, read(without("C05"), facts=replace(FRESH, complete=False)), RULES)
    assert decision.reason is HoldReason.CUT_DOCUMENT


@pytest.mark.parametrize(
    ("removed", "reason"), [(7, HoldReason.UNCONFIRMED), (8, HoldReason.COLLAPSE), (20, HoldReason.COLLAPSE)]
)
def test_removing_a_fifth_or_more_is_damage(removed: int, reason: HoldReason) -> None:
    gone = set(ORDER[::2][:removed])  # every other entry: never one run
    scattered = tuple(c for c in ORDER if c not in gone)
    assert len(OPEN) - len(scattered) == removed
    assert decide(KNOWN, read(scattered), RULES).reason is reason


def test_a_lost_container_is_damage() -> None:
    good = replace(GOOD, shape=("ul", "ul"))
    decision = decide(replace(KNOWN, good=good), read(without("C05", "C20", "C33"), shape=("ul",)), RULES)
    assert decision.reason is HoldReason.SHAPE


def test_a_rename_either_way_is_damage() -> None:
    lost = decide(KNOWN, read(without("C05"), unmapped=("Republic of Nowhere",)), RULES)
    assert lost.reason is HoldReason.RENAME
    before = replace(KNOWN, good=replace(GOOD, unmapped=("Swaziland",)))
    gained = decide(before, read((*ORDER, "SZ")), RULES)
    assert gained.reason is HoldReason.RENAME
    # an unreadable name that stays is no rename
    assert decide(before, read(without("C05"), unmapped=("Swaziland",)), RULES).reason is HoldReason.UNCONFIRMED


def test_unusable_reads_are_rejected() -> None:
    assert decide(KNOWN, Observation(claim=None, facts=FRESH, observed_at=T0), RULES).reason is RejectReason.UNREADABLE
    empty = decide(KNOWN, read(()), RULES)
    assert empty.kind is DecisionKind.REJECT and empty.reason is RejectReason.EMPTY
    assert decide(KNOWN, read(ORDER, unmapped=("Home", "Docs")), RULES).reason is RejectReason.NAVIGATION


def test_a_set_a_person_rejected_stays_quiet() -> None:
    codes = ORDER[:-6]
    decision = decide(replace(KNOWN, rejected=frozenset(codes)), read(codes), RULES)
    assert decision.kind is DecisionKind.REJECT and decision.reason is RejectReason.REJECTED_BEFORE


def test_another_set_replaces_a_held_change_and_a_damage_notice_is_not_repeated() -> None:
    _, known = held_after(read(ORDER[:-4]))
    decision = decide(known, read(ORDER[:-6]), RULES)
    assert decision.kind is DecisionKind.HOLD and decision.held is None and not decision.notice
    _, quiet = held_after(read(without("C05")))
    fresh = decide(quiet, read(ORDER[:-6]), RULES)
    assert fresh.reason is HoldReason.CUT_RUN and fresh.notice


def test_confirm_after_zero_confirms_on_the_next_fresh_read() -> None:
    rules = Rules(confirm_after=timedelta(0))
    codes = without("C05")
    decision = decide(KNOWN, read(codes), rules)
    known = replace(KNOWN, held=Held(id=1, codes=frozenset(codes), reason=HoldReason.UNCONFIRMED, first_seen_at=T0))
    assert decision.kind is DecisionKind.HOLD
    assert decide(known, read(codes), rules).kind is DecisionKind.CONFIRM


def test_an_older_copy_than_the_last_good_read_is_held_as_stale() -> None:
    good = replace(GOOD, last_modified=T0)
    stale = replace(FRESH, last_modified=T0 - timedelta(days=30))  # a CDN edge serving last month's page
    decision = decide(replace(KNOWN, good=good), read(without("C03", "C17", "C31"), facts=stale), RULES)
    assert decision.reason is HoldReason.STALE and decision.notice
    newer = replace(FRESH, last_modified=T0 + timedelta(days=1))
    assert (
        decide(replace(KNOWN, good=good), read(without("C03", "C17", "C31"), facts=newer), RULES).reason
        is HoldReason.UNCONFIRMED
    )
