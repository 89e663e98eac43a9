"""The query layer on a database built by migrations and filled by real detection (SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from monitor.query import history, overview
from monitor.query import sources as source_queries
from monitor.store.changes import record_change
from monitor.store.engine import transaction
from monitor.store.models import SourceRow
from monitor.types import Change, ChangeKind, Severity
from tests.web.scenario import DROPPED_AT, NOW, replay_story

T_BEFORE = datetime(2024, 7, 8, tzinfo=UTC)
T_AFTER = datetime(2024, 7, 10, tzinfo=UTC)


@pytest.fixture
def story(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    replay_story(sessions)
    return sessions


def test_intervals_carry_their_evidence(story: sessionmaker[Session]) -> None:
    (hk,) = history.intervals(story, country="HK")
    assert hk["valid_from"] == datetime(2024, 6, 1, tzinfo=UTC) and hk["valid_to"] == DROPPED_AT
    assert hk["change_id"] is None and hk["snapshot_id"] is not None  # the baseline: a snapshot says so
    assert hk["evidence"] == f"snapshot {hk['snapshot_id']} (first observation)"
    assert hk["closed_by_change_id"] is not None and hk["ended_by"].startswith(f"change {hk['closed_by_change_id']}:")
    (vn,) = history.intervals(story, country="VN")
    assert vn["valid_from"] == DROPPED_AT and vn["valid_to"] is None and vn["closed_by_change_id"] is None
    assert vn["change_id"] == hk["closed_by_change_id"] and vn["change_title"] == "acme api: 2 removed, 1 added"


def test_intervals_since_keeps_those_still_true(story: sessionmaker[Session]) -> None:
    every = history.intervals(story, provider="acme", product="api")
    assert len(every) == 41
    since = history.intervals(story, since=T_AFTER)
    assert {r["country"] for r in since} >= {"VN", "DE"} and not {"HK", "MO"} & {r["country"] for r in since}
    assert [r["valid_from"] for r in every] == sorted(r["valid_from"] for r in every)


def test_availability_before_and_after(story: sessionmaker[Session]) -> None:
    before = {r["country"] for r in history.availability(story, at=T_BEFORE, provider="acme")}
    after = {r["country"] for r in history.availability(story, at=T_AFTER, provider="acme")}
    assert before - after == {"HK", "MO"} and after - before == {"VN"} and len(after) == 39


def test_change_detail_has_set_and_text_diff(story: sessionmaker[Session]) -> None:
    (row,) = history.changes(story, kind="availability")
    detail = history.change(story, row["id"])
    assert detail is not None
    assert detail["removed"] == ["HK", "MO"] and detail["added"] == ["VN"]
    assert detail["names"]["VN"] == "Vietnam" and "Hong Kong" in detail["names"]["HK"]
    assert "-Hong Kong" in detail["diff"]["lines"] and "+Vietnam" in detail["diff"]["lines"]
    words = {(op, text.strip()) for op, text in detail["diff"]["words"]}
    assert {(-1, "Hong Kong"), (-1, "Macao"), (1, "Vietnam")} <= words
    evidence = detail["evidence"]
    assert evidence["from_snapshot"]["id"] < evidence["to_snapshot"]["id"]
    assert evidence["to_snapshot"]["first_seen"] == DROPPED_AT
    assert history.change(story, 10_000) is None


def test_matrix_counts_as_of(story: sessionmaker[Session]) -> None:
    then = overview.matrix(story, at=T_BEFORE, now=NOW)
    assert then["products"] == ["api"]
    (row,) = then["rows"]
    assert row["provider"] == "acme" and row["cells"][0]["count"] == 40
    later = overview.matrix(story, at=T_AFTER, now=datetime(2024, 7, 20, tzinfo=UTC))
    cell = later["rows"][0]["cells"][0]
    assert (cell["count"], cell["added"], cell["removed"]) == (39, 1, 2)
    assert [c["kind"] for c in later["latest_changes"]] == ["availability"]


def test_country_page_data(story: sessionmaker[Session]) -> None:
    hk = overview.country(story, "HK", now=NOW)
    assert hk["serving"] == [] and len(hk["intervals"]) == 1
    assert [c["removed"] for c in hk["timeline"]] == [["HK", "MO"]]
    vn = overview.country(story, "VN", now=NOW)
    assert [(r["provider"], r["product"]) for r in vn["serving"]] == [("acme", "api")]
    de = overview.country(story, "DE", now=NOW)
    assert de["timeline"] == [] and len(de["serving"]) == 1


def test_changes_touching_names_and_signals(story: sessionmaker[Session]) -> None:
    with transaction(story) as s:
        record_change(
            s,
            Change(
                kind=ChangeKind.SIGNAL,
                source_id=None,
                provider="acme",
                countries=("CN", "HK"),
                action="block",
                severity=Severity.HIGH,
                title="acme blocks CN and HK",
            ),
            routes=(),
            detected_at=NOW,
        )
    timeline = overview.country(story, "HK", now=NOW)["timeline"]
    assert [c["kind"] for c in timeline] == ["signal", "availability"]
    assert overview.country(story, "CN", now=NOW)["timeline"][0]["title"] == "acme blocks CN and HK"
    assert overview.country(story, "CH", now=NOW)["timeline"] == []  # "CH" is not a substring match of "CN"


def test_provider_page_and_source_health(story: sessionmaker[Session]) -> None:
    page = overview.provider(story, "acme", now=NOW)
    assert page is not None
    assert page["products"] == [{"product": "api", "count": 39}]
    (source,) = page["sources"]
    # the replayed reads are recorded fetches, the last one long before NOW: no read within three cadences
    assert source["id"] == "acme-api" and source["health"] == "stale"
    assert source["last_change_title"] == "acme api: 2 removed, 1 added"
    assert overview.provider(story, "nobody", now=NOW) is None
    with transaction(story) as s:
        row = s.get(SourceRow, "acme-api")
        assert row is not None
        row.last_fetch_at, row.last_outcome, row.consecutive_failures = NOW, "http_5xx", 3
        row.failing_since = DROPPED_AT
    (failing,) = source_queries.status(story)
    assert (failing["health"], failing["consecutive_failures"], failing["last_outcome"]) == ("failing", 3, "http_5xx")
    with transaction(story) as s:
        row = s.get(SourceRow, "acme-api")
        assert row is not None
        row.suspect_since, row.suspect_reason = NOW, "collapse"
    (suspect,) = source_queries.status(story, provider="acme")
    assert suspect["health"] == "suspect" and suspect["suspect"] and suspect["suspect_reason"] == "collapse"
    assert source_queries.status(story, provider="nobody") == []


def test_map_codes(story: sessionmaker[Session]) -> None:
    before = overview.map_codes(story, provider="acme", product="api", at=T_BEFORE)
    after = overview.map_codes(story, provider="acme", product="api", at=T_AFTER)
    assert "HK" in before and "VN" not in before and "VN" in after and "HK" not in after


def test_a_source_without_a_good_read_for_three_cadences_is_stale(story: sessionmaker[Session]) -> None:
    from datetime import timedelta

    with transaction(story) as s:
        row = s.get(SourceRow, "acme-api")
        assert row is not None
        row.last_fetch_at, row.last_outcome, row.consecutive_failures = NOW, "unchanged", 0
        row.last_success_at = NOW - timedelta(seconds=3 * row.every_seconds + 1)
    (stale,) = source_queries.status(story, now=NOW)
    assert stale["health"] == "stale" and stale["stale"]
    assert source_queries.status(story)[0]["health"] == "ok"  # no clock, no judgement
    fresh = overview.freshness(story, now=NOW)[("acme", "api")]
    assert fresh["last_checked"] == NOW - timedelta(seconds=3 * stale["every_seconds"] + 1)
    assert fresh["warnings"] == [f"source acme-api is stale: last successful read {fresh['last_checked']:%Y-%m-%d}"]
    with transaction(story) as s:
        row = s.get(SourceRow, "acme-api")
        assert row is not None
        row.last_success_at = NOW
        row.suspect_since, row.suspect_reason = DROPPED_AT, "collapse"
    (held,) = overview.freshness(story, now=NOW)[("acme", "api")]["warnings"]
    assert held == "source acme-api held as suspect (collapse) since 2024-07-09"


def test_map_states_tell_removed_unlisted_and_unwatched_apart(story: sessionmaker[Session]) -> None:
    from monitor.query import asof

    after = asof.map_states(story, provider="acme", product="api", at=NOW)
    assert after["default"] == "unlisted" and after["states"]["HK"] == "unavailable"
    assert after["states"]["VN"] == "available" and "CN" not in after["states"]
    early = asof.map_states(story, provider="acme", product="api", at=datetime(2024, 1, 1, tzinfo=UTC))
    assert early["default"] == "unwatched" and early["states"] == {} and early["codes"] == {}
    compared = asof.map_states(story, provider="acme", product="api", at=NOW, compare=DROPPED_AT)
    assert compared["added"] == [] and compared["removed"] == []  # the change is in force at DROPPED_AT
    before = datetime(2024, 7, 1, tzinfo=UTC)
    compared = asof.map_states(story, provider="acme", product="api", at=NOW, compare=before)
    assert (compared["added"], compared["removed"]) == (["VN"], ["HK", "MO"])
    assert compared["states"]["VN"] == "added" and compared["states"]["MO"] == "removed"
