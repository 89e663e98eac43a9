"""Schema checks for the labelled multilingual signal corpus in tests/fixtures/signals."""

from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pycountry
import pytest

SIGNALS = Path(__file__).resolve().parent.parent / "fixtures" / "signals"
LANGS = ("en", "zh-Hans", "zh-Hant", "ja", "ko", "es", "de", "fr", "id", "pt")
MIN_ITEMS = 28
NEGATIVE_CLASSES = frozenset(
    {
        "denial",
        "rumour",
        "recap",
        "office",
        "funding",
        "datacentre",
        "price",
        "stock",
        "language",
        "partnership",
        "abuse",
        "other",
    }
)
ACTIONS = {
    "restrict": "reduce",
    "block": "reduce",
    "suspend": "reduce",
    "withdraw": "reduce",
    "ban": "reduce",
    "launch": "widen",
    "expand": "widen",
    "available": "widen",
}
GROUPS = frozenset({"EU", "EEA"})
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
ISO_CODES = frozenset(c.alpha_2 for c in pycountry.countries) | {"XK"}


def _load(path: Path) -> dict[str, Any]:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def _events() -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in _load(SIGNALS / "events.toml")["event"]}


def _items(lang: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = _load(SIGNALS / f"corpus-{lang}.toml")["item"]
    return items


def test_events_are_well_formed() -> None:
    events = _load(SIGNALS / "events.toml")["event"]
    assert 40 <= len(events) <= 60
    ids = [e["id"] for e in events]
    assert len(ids) == len(set(ids))
    for e in events:
        date.fromisoformat(e["date"])
        assert e["summary"].strip()
        assert e["provider"] and all(SLUG.match(p) for p in e["provider"])
        assert set(e["countries"]) <= ISO_CODES, e["id"]
        assert e["sources"] and all(s.startswith("http") for s in e["sources"])


@pytest.mark.parametrize("lang", LANGS)
def test_corpus_items(lang: str) -> None:
    events = _events()
    items = _items(lang)
    assert len(items) >= MIN_ITEMS
    ids = [i["id"] for i in items]
    assert len(ids) == len(set(ids))
    for item in items:
        where = item["id"]
        assert item["id"].startswith(f"{lang}-"), where
        assert item["event"] == "" or item["event"] in events, where
        date.fromisoformat(item["published"])
        assert item["split"] in {"dev", "holdout"}, where
        assert item["title"].strip() and item["text"].strip(), where
        assert item["label"] in {"positive", "negative"}, where
        if item["label"] == "negative":
            assert item["negative_class"] in NEGATIVE_CLASSES, where
            assert "expect" not in item, where
            continue
        assert item["event"], where
        assert item["negative_class"] == "", where
        expect = item["expect"]
        assert expect["providers"] and all(SLUG.match(p) for p in expect["providers"]), where
        assert set(expect["countries"]) <= ISO_CODES, where
        assert set(expect["groups"]) <= GROUPS, where
        assert expect["countries"] or expect["groups"], where
        assert ACTIONS[expect["action"]] == expect["direction"], where
        assert expect["scope"] in {"territory", "ownership"}, where
        if "effective_date" in expect:
            effective = date.fromisoformat(expect["effective_date"])
            assert expect["effective_precision"] in {"day", "month"}, where
            if expect["effective_precision"] == "month":
                assert effective.day == 1, where
        else:
            assert "effective_precision" not in expect, where


@pytest.mark.parametrize("lang", LANGS)
def test_corpus_balance(lang: str) -> None:
    items = _items(lang)
    positives = [i for i in items if i["label"] == "positive"]
    negatives = [i for i in items if i["label"] == "negative"]
    assert 0.4 <= len(positives) / len(items) <= 0.6
    assert len(positives) >= 14 and len(negatives) >= 14
    assert {p["expect"]["direction"] for p in positives} == {"reduce", "widen"}
    precisions = {p["expect"].get("effective_precision") for p in positives}
    assert {"day", "month"} <= precisions
    hard = [n for n in negatives if n["negative_class"] in {"denial", "rumour", "recap"}]
    assert len(hard) >= 3
    holdout = [i for i in items if i["split"] == "holdout"]
    assert 0.25 <= len(holdout) / len(items) <= 0.42
    assert {i["label"] for i in holdout} == {"positive", "negative"}
