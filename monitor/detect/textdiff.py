"""Diffs between two normalised texts, as size-capped JSON-able dicts for storage and alerts."""

from __future__ import annotations

import difflib
import re

from diff_match_patch import diff_match_patch

_CONTEXT_LINES = 2
_EQUAL_CONTEXT = 60  # characters kept at each end of an unchanged stretch in the word diff
_DMP_TIMEOUT = 1.0  # seconds; past it diff-match-patch returns a coarser (still valid) diff
# A word, a run of spaces, or one character of punctuation or of a script written without spaces.
_TOKEN = re.compile(r"(?:(?![\u3040-\u9fff\uac00-\ud7af])\w)+|\s+|.", re.DOTALL)


def text_diff(old: str, new: str, *, max_chars: int = 20000) -> dict[str, object]:
    """A unified line diff and a word diff of ``old`` → ``new``, together at most ``max_chars``."""
    lines, added, removed = _line_diff(old, new)
    words = _word_diff(old, new)
    budget = max(0, max_chars)
    lines_budget = max(budget // 2, budget - _words_size(words))
    truncated = len(lines) > lines_budget
    if truncated:
        lines = lines[:lines_budget].rpartition("\n")[0]
    words, words_cut = _cap_words(words, budget - len(lines))
    return {
        "lines": lines,
        "words": words,
        "added_lines": added,
        "removed_lines": removed,
        "truncated": truncated or words_cut,
    }


def _line_diff(old: str, new: str) -> tuple[str, int, int]:
    """The unified diff of the lines, and how many lines it adds and removes."""
    diff = list(
        difflib.unified_diff(
            old.splitlines(), new.splitlines(), "before", "after", n=_CONTEXT_LINES, lineterm=""
        )
    )
    body = diff[2:]
    added = sum(1 for line in body if line.startswith("+"))
    removed = sum(1 for line in body if line.startswith("-"))
    return "\n".join(diff), added, removed


def _word_diff(old: str, new: str) -> list[list[object]]:
    """The diff-match-patch diff word by word, semantic cleanup, unchanged stretches shortened."""
    dmp = diff_match_patch()
    dmp.Diff_Timeout = _DMP_TIMEOUT
    tokens: list[str] = []
    index: dict[str, int] = {}
    try:
        encoded = _encode(old, tokens, index), _encode(new, tokens, index)
    except ValueError:  # more distinct words than code points: diff characters instead
        diffs = dmp.diff_main(old, new)
    else:
        diffs = dmp.diff_main(*encoded, False)
        dmp.diff_charsToLines(diffs, tokens)
    dmp.diff_cleanupSemantic(diffs)
    if all(op == 0 for op, _ in diffs):
        return []
    return [[op, _shorten(text) if op == 0 else text] for op, text in diffs]


def _encode(text: str, tokens: list[str], index: dict[str, int]) -> str:
    """``text`` as one character per token (diff-match-patch's line-mode trick, for words)."""
    chars: list[str] = []
    for token in _TOKEN.findall(text):
        code = index.get(token)
        if code is None:
            code = index[token] = len(tokens)
            tokens.append(token)
        chars.append(chr(code))
    return "".join(chars)


def _shorten(text: str) -> str:
    """An unchanged stretch reduced to its ends, joined by an ellipsis."""
    if len(text) <= 2 * _EQUAL_CONTEXT + 1:
        return text
    return f"{text[:_EQUAL_CONTEXT]}…{text[-_EQUAL_CONTEXT:]}"


def _words_size(words: list[list[object]]) -> int:
    """The characters the word diff holds."""
    return sum(len(str(text)) for _, text in words)


def _cap_words(words: list[list[object]], budget: int) -> tuple[list[list[object]], bool]:
    """The word diff cut to ``budget`` characters, and whether anything was cut."""
    kept: list[list[object]] = []
    used = 0
    for op, text in words:
        size = len(str(text))
        if used + size > budget:
            room = budget - used
            if room > 0:
                kept.append([op, str(text)[:room]])
            return kept, True
        kept.append([op, text])
        used += size
    return kept, False
