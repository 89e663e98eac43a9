"""The detection stage: what one read of an availability page means, as a typed decision.

    decision = decide(known, observation, rules)

Pure: no database, no clock, no session. ``known`` is what the store holds for the source
(the open set, the last good read's facts, a held change with its reads, the set a person
last rejected); ``observation`` is the new read (its claim in page order and its fetch facts).
The store loads the inputs of a chunk in a few queries and applies the decisions in bulk.

The rules, in order:

1. A read that is no list at all (nothing read, navigation, empty, too many unmapped names)
   is rejected: the source is ``suspect``, nothing changes.
2. The first good read is the baseline (no alert); its final URL is accepted with it.
3. A read that agrees with the open set changes nothing (and drops a held change: the page
   came back). A set a person rejected earlier is ignored when it is read again.
4. A set change is never applied on the read that shows it. It is held, and classified:
   a *damage signature* (the read ended at another URL; the document is cut before its end;
   it removes ``max_removed_fraction`` of the set or more; the containers the selector matched
   changed; a code lost beside a newly unmapped name or gained where one was; removals with
   no addition forming blocks of the last good read's order) waits for a person
   and tells the operator once; anything else waits for a confirming read.
5. A held change is confirmed by a fresh (a body read now, not a 304), complete,
   unconditional read at least ``confirm_after`` after it was first seen, from the good
   final URL, that reads the same set. A damage signature never confirms itself, however
   often it is read again. A read with yet another set replaces the held change.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

from monitor.detect.availability import diff_sets
from monitor.detect.guard import reject_reason
from monitor.types import Claim

#: Removals in runs this long anywhere in the list (or two at either end) look like a cut.
MIN_RUN = 3
MIN_EDGE_RUN = 2


class DecisionKind(enum.StrEnum):
    """What a read amounts to."""

    BASELINE = "baseline"  # the first good read: its set becomes the open set, nobody alerted
    SAME = "same"  # the read agrees with the open set
    HOLD = "hold"  # a set change, held until confirmed (or, for damage, until a person decides)
    CONFIRM = "confirm"  # the read confirms the held change: apply it from its first sighting
    REJECT = "reject"  # the read is no usable list (or repeats a set a person rejected)


class HoldReason(enum.StrEnum):
    """Why a set change is held; every reason but ``unconfirmed`` is a damage signature."""

    UNCONFIRMED = "unconfirmed"
    MOVED = "moved"
    CUT_DOCUMENT = "cut_document"
    COLLAPSE = "collapse"
    SHAPE = "shape"
    RENAME = "rename"
    CUT_RUN = "cut_run"
    STALE = "stale"

    @property
    def damage(self) -> bool:
        """True when only a person may apply the change."""
        return self is not HoldReason.UNCONFIRMED


class RejectReason(enum.StrEnum):
    """Why a read is no usable list."""

    UNREADABLE = "unreadable"  # extraction failed
    NAVIGATION = "navigation"
    EMPTY = "empty"
    UNMAPPED = "unmapped"
    REJECTED_BEFORE = "rejected_before"  # the set a person rejected, read again


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchFacts:
    """How the read was fetched."""

    final_url: str | None
    fresh: bool  # a body was read now (not a 304, not a replay of a stored body)
    conditional: bool  # the request carried validators
    complete: bool = True  # the document runs to its end (an HTML page closes its </html>)
    last_modified: datetime | None = None  # the answer's Last-Modified


@dataclass(frozen=True, slots=True, kw_only=True)
class Observation:
    """One read of an availability page: its claim (None: nothing could be read) and facts."""

    claim: Claim | None
    facts: FetchFacts
    observed_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class GoodRead:
    """The facts of the last read that agreed with the open set."""

    order: tuple[str, ...]
    shape: tuple[str, ...]
    unmapped: tuple[str, ...]
    final_url: str | None
    complete: bool = True
    last_modified: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Held:
    """A set change waiting, as stored."""

    id: int
    codes: frozenset[str]
    reason: HoldReason
    first_seen_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Known:
    """What the store holds for a source's product before this read."""

    open_set: frozenset[str] | None  # None: never observed
    good: GoodRead | None = None
    held: Held | None = None
    rejected: frozenset[str] | None = None  # the set of the change a person last rejected


@dataclass(frozen=True, slots=True, kw_only=True)
class Rules:
    """The settings detection runs under."""

    confirm_after: timedelta = timedelta(minutes=10)
    max_removed_fraction: float = 0.2
    max_unmapped: int = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """What to do with a read, and why (``reason`` and ``detail`` say it to a person)."""

    kind: DecisionKind
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    reason: HoldReason | RejectReason | None = None
    detail: str = ""
    #: The held change this read continues or confirms (None: a new one, or none).
    held: Held | None = None
    #: True when the operator should hear of this now (a new damage signature, once).
    notice: bool = False
    #: A SAME read that the good read's facts may be taken from (not one from a moved URL).
    good: bool = True

    @property
    def damage(self) -> bool:
        return isinstance(self.reason, HoldReason) and self.reason.damage


def decide(known: Known, obs: Observation, rules: Rules) -> Decision:
    """The decision for one read (see the module docstring for the rules)."""
    claim = obs.claim
    if claim is None:
        return Decision(kind=DecisionKind.REJECT, reason=RejectReason.UNREADABLE, detail="the list could not be read")
    rejected = reject_reason(claim, max_unmapped=rules.max_unmapped)
    if rejected is not None:
        return Decision(kind=DecisionKind.REJECT, reason=RejectReason(rejected[0]), detail=rejected[1])
    if known.open_set is None:
        return Decision(kind=DecisionKind.BASELINE, added=tuple(sorted(claim.codes)))
    added, removed = diff_sets(known.open_set, claim.codes)
    if not added and not removed:
        return Decision(kind=DecisionKind.SAME, held=known.held, good=not _moved(known.good, obs.facts))
    if known.rejected is not None and claim.codes == known.rejected:
        return Decision(
            kind=DecisionKind.REJECT, reason=RejectReason.REJECTED_BEFORE, detail="a person rejected this set earlier"
        )
    held = known.held
    if held is not None and held.codes == claim.codes:
        return _again(held, known, obs, rules, added, removed)
    reason, detail = _signature(known, obs, claim, added, removed, rules)
    already_told = held is not None and held.reason.damage
    return Decision(
        kind=DecisionKind.HOLD,
        added=added,
        removed=removed,
        reason=reason,
        detail=detail,
        notice=reason.damage and not already_told,
    )


def _again(
    held: Held, known: Known, obs: Observation, rules: Rules, added: tuple[str, ...], removed: tuple[str, ...]
) -> Decision:
    """The held set read again: confirmed only by a fresh, complete, unconditional, late enough read."""
    waiting = Decision(
        kind=DecisionKind.HOLD,
        added=added,
        removed=removed,
        reason=held.reason,
        held=held,
        detail="read again; still held",
    )
    if held.reason.damage:
        return waiting
    facts = obs.facts
    if not facts.fresh or facts.conditional or not facts.complete or _moved(known.good, facts):
        return waiting
    if obs.observed_at < held.first_seen_at + rules.confirm_after:
        return waiting
    return Decision(
        kind=DecisionKind.CONFIRM, added=added, removed=removed, held=held, detail="a fresh read confirmed the set"
    )


def _signature(
    known: Known, obs: Observation, claim: Claim, added: tuple[str, ...], removed: tuple[str, ...], rules: Rules
) -> tuple[HoldReason, str]:
    """The damage signature a set change shows, or ``unconfirmed`` when it shows none."""
    good, facts, before = known.good, obs.facts, known.open_set or frozenset()
    if _moved(good, facts):
        assert good is not None
        return HoldReason.MOVED, f"the read ended at {facts.final_url}, not {good.final_url}"
    if good is not None and good.complete and not facts.complete:
        return HoldReason.CUT_DOCUMENT, "the document ends before its closing tags"
    if good is not None and good.last_modified and facts.last_modified and facts.last_modified < good.last_modified:
        return HoldReason.STALE, (
            f"Last-Modified {facts.last_modified:%Y-%m-%d %H:%M} is older than the last good "
            f"read's ({good.last_modified:%Y-%m-%d %H:%M}): a stale copy"
        )
    if removed and len(removed) >= rules.max_removed_fraction * len(before):
        return HoldReason.COLLAPSE, f"removes {len(removed)} of {len(before)} countries at once"
    if good is not None and good.shape and claim.shape != good.shape:
        return HoldReason.SHAPE, (
            f"the selector matched {len(claim.shape)} container(s) "
            f"({', '.join(claim.shape) or 'none'}), before {len(good.shape)}"
        )
    renamed = _renamed(good, claim, added, removed)
    if renamed:
        return HoldReason.RENAME, renamed
    if not added and good is not None and _cut_runs(good.order, removed):
        return HoldReason.CUT_RUN, f"the removed {len(removed)} form blocks of the list: {', '.join(removed)}"
    return HoldReason.UNCONFIRMED, f"{len(removed)} removed, {len(added)} added; waiting for a confirming read"


def _moved(good: GoodRead | None, facts: FetchFacts) -> bool:
    """True when the read ended at another URL than the last good read."""
    if good is None or good.final_url is None or facts.final_url is None:
        return False
    return _same_url(good.final_url) != _same_url(facts.final_url)


def _same_url(url: str) -> str:
    """A URL as compared for where reads ended: scheme and host in lower case, no default port,
    no fragment, no trailing slash (``HTTPS://Example.com:443/a/`` is ``https://example.com/a``)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port if parts.port not in (None, 80, 443) else None
    netloc = f"{host}:{port}" if port else host
    return urlunsplit((parts.scheme.lower(), netloc, parts.path.rstrip("/"), parts.query, ""))


def _renamed(good: GoodRead | None, claim: Claim, added: tuple[str, ...], removed: tuple[str, ...]) -> str:
    """Why the change may be a renamed country: a removal beside a new unreadable name, or an
    addition where an unreadable name went away ("" when neither)."""
    before = set(good.unmapped) if good is not None else set()
    new_names = [name for name in claim.unmapped if name not in before]
    gone = sorted(before - set(claim.unmapped))
    if removed and new_names:
        return f"{', '.join(removed)} removed beside the unreadable {', '.join(new_names)}"
    if added and gone:
        return f"{', '.join(added)} added where the unreadable {', '.join(gone)} was"
    return ""


def _cut_runs(order: tuple[str, ...], removed: tuple[str, ...]) -> bool:
    """True when the removed codes form blocks of ``order``, not scattered entries: every run of
    consecutive removed entries is ``MIN_RUN`` long, or ``MIN_EDGE_RUN`` at the list's head or
    tail (a cut tail, a cut block, lazy-loaded chunks lost). A lone removal is never a cut."""
    positions = sorted(order.index(code) for code in removed if code in order)
    if len(positions) != len(removed) or len(positions) < MIN_EDGE_RUN:
        return False
    runs: list[list[int]] = [[positions[0]]]
    for position in positions[1:]:
        if position == runs[-1][-1] + 1:
            runs[-1].append(position)
        else:
            runs.append([position])
    return all(_cut(run, len(order)) for run in runs)


def _cut(run: list[int], length: int) -> bool:
    at_edge = run[0] == 0 or run[-1] == length - 1
    return len(run) >= MIN_RUN or (at_edge and len(run) >= MIN_EDGE_RUN)
