"""Effective dates: every phrase form, the year rule, and robustness."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.extract.dates import Effective, resolve_date, resolve_effective

JUNE_25 = datetime(2024, 6, 25, 8, 0, tzinfo=UTC)
JULY_9 = date(2024, 7, 9)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # English
        ("OpenAI will block API traffic starting July 9.", JULY_9),
        ("starting on July 9th", JULY_9),
        ("starting Tuesday, July 9", JULY_9),
        ("from 9 July 2024", JULY_9),
        ("from the 9th of July", JULY_9),
        ("effective July 9, 2024", JULY_9),
        ("Effective Jul. 9 2024", JULY_9),
        ("as of 9 July", JULY_9),
        ("beginning 2024-07-09", JULY_9),
        ("takes effect on July 9", JULY_9),
        ("effective Sept. 3", date(2024, 9, 3)),
        ("starting in August", date(2024, 8, 1)),
        ("from August 2024", date(2024, 8, 1)),
        ("effective immediately", JUNE_25.date()),
        ("with immediate effect", JUNE_25.date()),
        ("starting today", JUNE_25.date()),
        ("from 13/7/2024", date(2024, 7, 13)),
        # Indonesian
        ("mulai 9 Juli 2024", JULY_9),
        ("mulai tanggal 9 Juli", JULY_9),
        ("berlaku mulai 9 Jul 2024", JULY_9),
        ("terhitung mulai Selasa (9/7/2024)", JULY_9),
        ("per 1 Agt 2024", date(2024, 8, 1)),
        ("efektif 9 Juli", JULY_9),
        ("mulai Juli 2024", date(2024, 7, 1)),
        ("mulai Juli", date(2024, 7, 1)),
        ("mulai hari ini", JUNE_25.date()),
        # Chinese (full-width digits are NFKC-normalised)
        ("7月9日起", JULY_9),
        ("2024年7月9日起", JULY_9),
        ("自7月9日起", JULY_9),
        ("从2024年7月9日开始", JULY_9),
        ("OpenAI将于7月9日封锁", JULY_9),
        ("于2024年7月9日生效", JULY_9),
        ("７月９日起", JULY_9),
        ("7月起", date(2024, 7, 1)),
        ("即日起", JUNE_25.date()),
    ],
)
def test_phrase_forms(text: str, expected: date) -> None:
    assert resolve_date(text, JUNE_25) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "OpenAI said on July 9 that it would block traffic",  # no start word: a report, not a start
        "Sejak Selasa (15/6/2024), perusahaan mulai menawarkan insentif",  # "since" looks back
        "27/06/2024 11:01 WIB",  # a byline
        "revenue from March to May",  # "from" + a month alone is a range, not a start
        "from 7/9/2024",  # English numeric: July 9 or 7 September? Not guessed
        "OpenAI于7月发布",  # 于 + month, no 起: "released in July"
        "starting February 30",  # no such day
        "traffic from 9 countries",
    ],
)
def test_not_a_date(text: str) -> None:
    assert resolve_date(text, JUNE_25) is None


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        # a day-month without a year takes the publication year...
        ("starting July 9", datetime(2024, 6, 25, tzinfo=UTC), date(2024, 7, 9)),
        ("as of 9 July", datetime(2024, 7, 20, tzinfo=UTC), date(2024, 7, 9)),  # recent past stays
        ("as of 1 May", datetime(2024, 6, 29, tzinfo=UTC), date(2024, 5, 1)),  # 59 days back
        # ...or next year's when this year's would be more than about two months before publication
        ("starting January 15", datetime(2024, 12, 10, tzinfo=UTC), date(2025, 1, 15)),
        ("mulai 5 Januari", datetime(2024, 11, 20, tzinfo=UTC), date(2025, 1, 5)),
        ("1月5日起", datetime(2024, 12, 28, tzinfo=UTC), date(2025, 1, 5)),
        ("as of 9 April", datetime(2024, 7, 20, tzinfo=UTC), date(2025, 4, 9)),
        ("starting in March", datetime(2024, 11, 1, tzinfo=UTC), date(2025, 3, 1)),
        # an explicit year is never moved
        ("from 9 July 2023", datetime(2024, 12, 1, tzinfo=UTC), date(2023, 7, 9)),
        # the publication's own calendar day counts, in its own time zone
        (
            "effective immediately",
            datetime(2024, 6, 25, 23, 30, tzinfo=timezone(timedelta(hours=-5))),
            date(2024, 6, 25),
        ),
        # without a publication date, only dates that carry their year resolve
        ("starting July 9", None, None),
        ("effective immediately", None, None),
        ("from 9 July 2024", None, JULY_9),
    ],
)
def test_year_resolution(text: str, published: datetime | None, expected: date | None) -> None:
    assert resolve_date(text, published) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (None, date(2024, 9, 7)),  # "mulai" is Indonesian: day first
        ("id", date(2024, 9, 7)),
    ],
)
def test_numeric_dates_follow_the_language(language: str | None, expected: date) -> None:
    assert resolve_date("mulai 7/9/2024", JUNE_25, language) == expected


def test_first_announced_date_wins() -> None:
    text = "Sejak 15/6/2024 ramai dibahas. OpenAI memblokir akses mulai 9 Juli, lalu mulai 1 Agustus."
    assert resolve_date(text, JUNE_25) == JULY_9


_PIECES = [
    "starting",
    "from",
    "mulai",
    "as of",
    "July",
    "Juli",
    "9",
    "2024",
    "9999",
    "0",
    "月",
    "日",
    "起",
    "年",
    "自",
    "/",
    "-",
    "effective immediately",
    "即日起",
    "Feb",
    "29",
    ",",
    "(",
]


@settings(max_examples=400, deadline=None)
@given(
    text=st.one_of(
        st.text(max_size=200), st.lists(st.sampled_from(_PIECES) | st.text(max_size=4), max_size=30).map(" ".join)
    ),
    published=st.one_of(st.none(), st.datetimes(timezones=st.just(UTC))),
    language=st.sampled_from([None, "en", "id", "zh"]),
)
def test_resolve_date_never_crashes(text: str, published: datetime | None, language: str | None) -> None:
    result = resolve_date(text, published, language)
    assert result is None or isinstance(result, date)


# --- every language, with precision -------------------------------------------------------------

_JUNE_25 = datetime(2024, 6, 25, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "day", "precision"),
    [
        ("ab dem 9. Juli 2024", date(2024, 7, 9), "day"),
        ("à partir du 1er juillet", date(2024, 7, 1), "day"),
        ("à partir d'octobre 2024", date(2024, 10, 1), "month"),
        ("a partir del 9 de julio de 2024", date(2024, 7, 9), "day"),
        ("desde octubre de 2024", date(2024, 10, 1), "month"),
        ("a partir de julho de 2024", date(2024, 7, 1), "month"),
        ("7月9日から遮断", date(2024, 7, 9), "day"),
        ("2024년 7월 9일부터 차단", date(2024, 7, 9), "day"),
        ("7월부터", date(2024, 7, 1), "month"),
        ("starting July 2024", date(2024, 7, 1), "month"),
        ("ab sofort", date(2024, 6, 25), "day"),
    ],
)
def test_effective_dates_in_every_language_keep_their_precision(text: str, day: date, precision: str) -> None:
    assert resolve_effective(text, _JUNE_25) == Effective(day, precision)  # type: ignore[arg-type]


def test_a_dated_action_is_its_own_effective_date_when_the_caller_says_it_reports_one() -> None:
    text = "Italy's regulator on June 20, 2024 ordered the app blocked."
    assert resolve_effective(text, _JUNE_25) is None  # no start word: nothing announced
    assert resolve_effective(text, _JUNE_25, lead=len(text)) == Effective(date(2024, 6, 20), "day")
    said = "OpenAI said on June 20, 2024 it would block China."
    assert resolve_effective(said, _JUNE_25, lead=len(said)) is None  # the statement's date
    later = "The ban of July 30, 2024 was ordered."
    assert resolve_effective(later, _JUNE_25, lead=len(later)) is None  # after publication
    immediate = "The regulator on June 20, 2024 ordered, with immediate effect, a block."
    assert resolve_effective(immediate, _JUNE_25, lead=len(immediate)) == Effective(date(2024, 6, 20), "day")
