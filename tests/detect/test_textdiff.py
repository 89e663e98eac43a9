from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.detect.textdiff import text_diff

OLD = "Supported countries\nAlbania\nAlgeria\nAndorra\nKenya\nNigeria"
NEW = "Supported countries\nAlbania\nAlgeria\nAndorra\nZambia"


def test_line_and_word_diff() -> None:
    diff = text_diff(OLD, NEW)
    assert diff["truncated"] is False
    assert diff["added_lines"] == 1
    assert diff["removed_lines"] == 2
    lines = str(diff["lines"]).splitlines()
    assert lines[:2] == ["--- before", "+++ after"]
    assert "-Kenya" in lines and "-Nigeria" in lines and "+Zambia" in lines
    words = diff["words"]
    assert isinstance(words, list)
    assert [-1, "Kenya\nNigeria"] in words and [1, "Zambia"] in words
    json.dumps(diff)


def test_word_diff_is_semantic_not_per_character() -> None:
    diff = text_diff("Available in Hong Kong", "Available in Macau")
    assert diff["words"] == [[0, "Available in "], [-1, "Hong Kong"], [1, "Macau"]]


def test_same_text_has_an_empty_diff() -> None:
    assert text_diff(OLD, OLD) == {
        "lines": "",
        "words": [],
        "added_lines": 0,
        "removed_lines": 0,
        "truncated": False,
    }


def test_long_unchanged_stretches_are_shortened() -> None:
    same = "x" * 1000
    diff = text_diff(same + " old", same + " new")
    words = diff["words"]
    assert isinstance(words, list)
    assert words[0][0] == 0 and len(str(words[0][1])) < 200 and "…" in str(words[0][1])


def test_size_is_capped() -> None:
    old = "\n".join(f"line {i}" for i in range(5000))
    new = "\n".join(f"line {i} changed" for i in range(5000))
    diff = text_diff(old, new, max_chars=3000)
    assert diff["truncated"] is True
    words = diff["words"]
    assert isinstance(words, list)
    size = len(str(diff["lines"])) + sum(len(str(text)) for _, text in words)
    assert size <= 3000
    assert str(diff["lines"]).startswith("--- before\n+++ after\n@@")


@settings(max_examples=200, deadline=None)
@given(old=st.text(max_size=300), new=st.text(max_size=300), cap=st.integers(0, 500))
def test_any_texts_give_a_capped_json_diff(old: str, new: str, cap: int) -> None:
    diff = text_diff(old, new, max_chars=cap)
    words = diff["words"]
    assert isinstance(words, list)
    assert len(str(diff["lines"])) + sum(len(str(text)) for _, text in words) <= cap
    json.dumps(diff)


@settings(max_examples=200, deadline=None)
@given(old=st.text(max_size=120), new=st.text(max_size=120))
def test_the_word_diff_rebuilds_both_texts(old: str, new: str) -> None:
    words = text_diff(old, new)["words"]
    assert isinstance(words, list)
    if old != new:
        assert "".join(str(t) for op, t in words if op != 1) == old
        assert "".join(str(t) for op, t in words if op != -1) == new
