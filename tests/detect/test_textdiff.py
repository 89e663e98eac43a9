from __future__ import annotations

import difflib
import itertools
import json
import random
import re
import time

import pytest
from diff_match_patch import diff_match_patch
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.detect.textdiff import _encode, _shorten, text_diff

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


def test_an_unchanged_stretch_is_elided_between_words() -> None:
    stretch = ", ".join(["France", "Germany", "Ghana", "Greece", "Hungary", "Iceland"] * 8)
    short = _shorten(stretch)
    head, _, tail = short.partition("…")
    assert stretch.startswith(head) and stretch.endswith(tail) and len(head) <= 60 and len(tail) <= 60
    assert head.endswith(" ") and tail.startswith(" ")  # whole words at both ends: no "F…ana"
    assert _shorten("x" * 200) == "x" * 60 + "…" + "x" * 60  # one long word: cut where it must be


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


# --- the word diff works on the changed lines only: same result as diffing the whole texts ---

COUNTRIES = [
    "Albania", "Algeria", "Andorra", "Angola", "Argentina", "Armenia", "Australia", "Austria", "Bahamas",
    "Bangladesh", "Belgium", "Benin", "Bhutan", "Bolivia", "Brazil", "Canada", "Chile", "Colombia", "Croatia",
    "Denmark", "Egypt", "Finland", "France", "Germany", "Ghana", "Greece", "Hong Kong", "India", "Italy",
    "Japan", "Kenya", "Kosovo", "Kuwait", "Macao", "Malawi", "Mexico", "Nigeria", "Norway", "Peru", "Poland",
    "Spain", "Sweden", "Switzerland", "Taiwan", "Türkiye", "Uganda", "Vietnam", "Zambia",
]  # fmt: skip


def _page(names: list[str]) -> str:
    """A normalised availability page: a long preamble, the sorted list, a footer."""
    preamble = [f"Section {i}: models, limits and pricing" for i in range(60)]
    return "\n".join(["Supported countries", *preamble, "Supported countries", *sorted(names), "© Example, Inc."])


def _full_word_diff(old: str, new: str) -> list[list[object]]:
    """The word diff as first written: diff-match-patch over the whole of both texts."""
    dmp = diff_match_patch()
    dmp.Diff_Timeout = 1.0
    tokens: list[str] = []
    index: dict[str, int] = {}
    diffs = dmp.diff_main(_encode(old, tokens, index), _encode(new, tokens, index), False)
    dmp.diff_charsToLines(diffs, tokens)
    dmp.diff_cleanupSemantic(diffs)
    if all(op == 0 for op, _ in diffs):
        return []
    return [[op, _shorten(text) if op == 0 else text] for op, text in diffs]


def _unified(old: str, new: str) -> str:
    return "\n".join(difflib.unified_diff(old.splitlines(), new.splitlines(), "before", "after", n=2, lineterm=""))


def _words(diff: dict[str, object]) -> list[list[object]]:
    words = diff["words"]
    assert isinstance(words, list)
    return words


def _rebuilds(words: list[list[object]], old: str, new: str) -> bool:
    """Whether the word ops give back both texts, a shortened equality standing for anything with its ends."""
    if not words:  # nothing changed
        return old == new

    def pattern(skip: int) -> str:
        parts = []
        for op, text in words:
            if op == skip:
                continue
            head, dots, tail = str(text).partition("…")
            shortened = op == 0 and dots and len(head) <= 60 and len(tail) <= 60
            parts.append(f"{re.escape(head)}.*?{re.escape(tail)}" if shortened else re.escape(str(text)))
        return "".join(parts)

    return bool(re.fullmatch(pattern(1), old, re.DOTALL) and re.fullmatch(pattern(-1), new, re.DOTALL))


LISTED, UNLISTED = COUNTRIES[::2], COUNTRIES[1::2]
EXAMPLES = {
    "two names out, two in": (
        _page(LISTED),
        _page([n for n in LISTED if n not in (LISTED[3], LISTED[15])] + [UNLISTED[8], UNLISTED[20]]),
    ),
    "neighbouring lines out and in": (_page(LISTED), _page(LISTED[:10] + UNLISTED[10:12] + LISTED[12:])),
    "a name added at the end": (_page(LISTED), _page(LISTED) + "\nZambia"),
    "the last line changed": (_page(LISTED), _page(LISTED).replace("Inc.", "Ltd.")),
    "a line added first": (_page(LISTED), "New!\n" + _page(LISTED)),
    "words changed inside a line": (
        _page(LISTED).replace("Section 30: models", "Section 30: all models"),
        _page(LISTED).replace("Section 30: models, limits", "Section 30: models, quotas"),
    ),
    "a trailing line break": (_page(LISTED), _page(LISTED) + "\n"),
    "CJK": ("支持的国家\n在香港可用\n日本\n韩国", "支持的国家\n在澳门可用\n日本\n韩国"),
    "everything changed": ("Albania\nAlgeria", "Zambia"),
    "from nothing": ("", "Albania\nAlgeria"),
    "to nothing": ("Albania\nAlgeria", ""),
}


@pytest.mark.parametrize("name", EXAMPLES)
def test_same_diff_as_diffing_the_whole_texts(name: str) -> None:
    old, new = EXAMPLES[name]
    diff = text_diff(old, new)
    assert diff["lines"] == _unified(old, new)
    assert diff["words"] == _full_word_diff(old, new)
    assert _rebuilds(_words(diff), old, new)


def test_only_the_changed_lines_show_in_full() -> None:
    old, new = EXAMPLES["two names out, two in"]
    words = text_diff(old, new)["words"]
    assert isinstance(words, list)
    out, added = (LISTED[3], LISTED[15]), (UNLISTED[8], UNLISTED[20])
    assert [w for w in words if w[0] != 0] == [
        [-1, f"{out[0]}\n"],
        [1, f"{added[0]}\n"],
        [-1, f"{out[1]}\n"],
        [1, f"{added[1]}\n"],
    ]
    equal = [str(text) for op, text in words if op == 0]
    assert equal[0].startswith("Supported countries\nSection 0") and "…" in equal[0]
    assert all(len(text) <= 121 for text in equal)


def test_edits_are_not_merged_across_an_unchanged_line() -> None:
    # Diffing the whole texts, semantic cleanup used to fold the short unchanged "Kosovo" into the
    # edits around it ([-1, "iribati\nKosovo"], [1, "osovo\nKuwait"]); per changed block it stays.
    old = _page(["Kenya", "Kiribati", "Kosovo", "Laos"])
    new = _page(["Kenya", "Kosovo", "Kuwait", "Laos"])
    words = text_diff(old, new)["words"]
    assert isinstance(words, list)
    assert [w for w in words if w[0] != 0] == [[-1, "Kiribati\n"], [1, "Kuwait\n"]]
    assert [0, "Kosovo\n"] in words
    assert _rebuilds(words, old, new)


def test_cjk_is_diffed_per_character() -> None:
    diff = text_diff("支持的国家\n在香港可用\n日本", "支持的国家\n在澳门可用\n日本")
    assert diff["words"] == [[0, "支持的国家\n在"], [-1, "香港"], [1, "澳门"], [0, "可用\n日本"]]
    assert diff["added_lines"] == diff["removed_lines"] == 1


def test_truncation_of_a_big_change() -> None:
    old = _page(COUNTRIES)
    new = "\n".join(f"{line} (changed)" if i % 3 == 0 else line for i, line in enumerate(old.splitlines()))
    full = text_diff(old, new, max_chars=10**9)
    assert full["truncated"] is False
    cut = text_diff(old, new, max_chars=1500)
    assert cut["truncated"] is True
    words = cut["words"]
    assert isinstance(words, list)
    assert len(str(cut["lines"])) + sum(len(str(text)) for _, text in words) <= 1500
    assert str(full["lines"]).startswith(str(cut["lines"]))
    assert cut["added_lines"] == full["added_lines"] and cut["removed_lines"] == full["removed_lines"]


def test_huge_inputs_stay_bounded() -> None:
    rng = random.Random(1)
    words = [f"w{i}" for i in range(500)]
    old = "\n".join(" ".join(rng.choices(words, k=8)) for _ in range(3000))
    new = "\n".join(" ".join(rng.choices(words, k=8)) if i % 2 else line for i, line in enumerate(old.splitlines()))
    giant_old, giant_new = " ".join(rng.choices(words, k=40000)), " ".join(rng.choices(words, k=40000))
    start = time.perf_counter()
    # one deadline (the caller's clock) for all the changed blocks of a diff
    diff = text_diff(old, new, max_chars=10**9, deadline=time.time() + 0.05)
    giant = text_diff(giant_old, giant_new, max_chars=10**9, deadline=time.time() + 0.05)
    assert time.perf_counter() - start < 10
    assert _rebuilds(_words(diff), old, new)
    assert _rebuilds(_words(giant), giant_old, giant_new)


_LINES = st.sampled_from(["Albania", "Kenya", "Hong Kong", "", "Available", "在香港可用", "Zambia Zimbabwe"])


@settings(max_examples=300, deadline=None)
@given(
    old=st.lists(_LINES, max_size=30),
    new=st.lists(_LINES, max_size=30),
    breaks=st.sampled_from(["\n", "\r\n", "\u2028"]),
    trailing=st.sampled_from(["", "\n"]),
)
def test_line_texts_give_a_valid_diff(old: list[str], new: list[str], breaks: str, trailing: str) -> None:
    old_text, new_text = breaks.join(old), "\n".join(new) + trailing
    diff = text_diff(old_text, new_text)
    words = diff["words"]
    assert isinstance(words, list)
    assert _rebuilds(words, old_text, new_text)
    assert all(op != next_op for (op, _), (next_op, _) in itertools.pairwise(words))
    assert _apply(str(diff["lines"]), old_text.splitlines()) == new_text.splitlines()


@settings(max_examples=300, deadline=None)
@given(data=st.data(), size=st.integers(0, 80))
def test_lines_that_do_not_repeat_give_difflibs_diff(data: st.DataObject, size: int) -> None:
    old = [f"line {i}" for i in range(size)]
    new = [line for line in old if data.draw(st.integers(0, 9), label="keep") > 0]
    for i in range(data.draw(st.integers(0, 5), label="added")):
        new.insert(data.draw(st.integers(0, len(new)), label="at"), f"new {i}")
    if data.draw(st.booleans(), label="move one") and new:
        new.insert(data.draw(st.integers(0, len(new) - 1)), new.pop(data.draw(st.integers(0, len(new) - 1))))
    if data.draw(st.booleans(), label="shuffle"):
        new = data.draw(st.permutations(new))
    old_text, new_text = "\n".join(old), "\n".join(new)
    assert text_diff(old_text, new_text)["lines"] == _unified(old_text, new_text)


def _apply(unified: str, old: list[str]) -> list[str]:
    """``old`` with the hunks of a unified diff applied, checking their context and removed lines."""
    out: list[str] = []
    at = 0
    for hunk in re.split(r"^@@ ", unified, flags=re.M)[1:]:
        header, *body = hunk.split("\n")
        start = int(header.split()[0].lstrip("-").split(",")[0])
        count = len([line for line in body if line[:1] in (" ", "-")])
        start = start - 1 if count else start
        out += old[at:start]
        assert [line[1:] for line in body if line[:1] in (" ", "-")] == old[start : start + count]
        out += [line[1:] for line in body if line[:1] in (" ", "+")]
        at = start + count
    return out + old[at:]
