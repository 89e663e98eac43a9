"""Diffs between two normalised texts, as size-capped JSON-able dicts for storage and alerts.

The line diff is worked out once (``SequenceMatcher``'s result, mostly without running it: see
``_matching_blocks``), and the word diff reuses it: unchanged lines go straight in as equalities and
diff-match-patch only sees the changed lines, so its cost follows the size of the change, not of
the page.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from itertools import count, groupby, repeat
from operator import sub

from diff_match_patch import diff_match_patch

_CONTEXT_LINES = 2
_EQUAL_CONTEXT = 60  # characters kept at each end of an unchanged stretch in the word diff
# A word, a run of spaces, or one character of punctuation or of a script written without spaces.
_TOKEN = re.compile(r"(?:(?![\u3040-\u9fff\uac00-\ud7af])\w)+|\s+|.", re.DOTALL)

_Opcode = tuple[str, int, int, int, int]
_Diff = tuple[int, str]


def text_diff(old: str, new: str, *, max_chars: int = 20000, deadline: float | None = None) -> dict[str, object]:
    """A unified line diff and a word diff of ``old`` → ``new``, together at most ``max_chars``.

    ``deadline``: a ``time.time()`` moment past which diff-match-patch settles for a coarser (still
    valid) word diff; the caller reads the clock (``timeutil.diff_deadline()``). None: no limit.
    """
    if old == new:
        return {"lines": "", "words": [], "added_lines": 0, "removed_lines": 0, "truncated": False}
    old_lines, new_lines = old.splitlines(), new.splitlines()
    opcodes = _line_opcodes(old_lines, new_lines)
    lines, added, removed = _line_diff(old_lines, new_lines, opcodes)
    words = _word_diff(old, new, old_lines, new_lines, opcodes, deadline)
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


def _line_opcodes(a: list[str], b: list[str]) -> list[_Opcode]:
    """``SequenceMatcher.get_opcodes()`` turning lines ``a`` into ``b``, from ``_matching_blocks``."""
    opcodes: list[_Opcode] = []
    i = j = 0
    for ai, bj, size in [*_matching_blocks(a, b), (len(a), len(b), 0)]:
        if i < ai or j < bj:
            opcodes.append(("replace" if i < ai and j < bj else "delete" if i < ai else "insert", i, ai, j, bj))
        if size:  # the blocks are maximal, so never two equalities in a row
            opcodes.append(("equal", ai, ai + size, bj, bj + size))
        i, j = ai + size, bj + size
    return opcodes


def _matching_blocks(a: list[str], b: list[str]) -> list[tuple[int, int, int]]:
    """The blocks of lines ``a`` and ``b`` share, in order: ``SequenceMatcher``'s, found faster.

    ``SequenceMatcher`` takes the longest match of a range, then does the same left and right of it.
    Here each range first loses its common first and last lines (matched by ``SequenceMatcher`` too,
    but for ties between repeated lines). If no line repeats in what is left, on either side, its
    matches are the runs of lines found in order on the other side, picked longest first
    (``_unique_blocks``). Otherwise, if the middle line of ``a`` occurs once in ``b`` and the match
    around it covers more than half of the range, no other match can be as long, so the range splits
    there. Only ranges where none of this applies go through ``SequenceMatcher`` itself (which also
    differs in not applying its "autojunk" to the whole text, so a line frequent in a long page can
    still match).
    """
    blocks: list[tuple[int, int, int]] = []
    todo = [(0, len(a), 0, len(b))]
    while todo:
        alo, ahi, blo, bhi = todo.pop()
        head = _common_prefix(a, alo, b, blo, min(ahi - alo, bhi - blo))
        if head:
            blocks.append((alo, blo, head))
            alo, blo = alo + head, blo + head
        tail = _common_suffix(a, ahi, b, bhi, min(ahi - alo, bhi - blo))
        if tail:
            blocks.append((ahi - tail, bhi - tail, tail))
            ahi, bhi = ahi - tail, bhi - tail
        if alo == ahi or blo == bhi:
            continue
        unique = _unique_blocks(a, alo, ahi, b, blo, bhi)
        if unique is not None:
            blocks += unique
            continue
        mid = (alo + ahi) // 2
        j = _only_index(b, a[mid], blo, bhi)
        if j >= 0:
            back = _common_suffix(a, mid, b, j, min(mid - alo, j - blo))
            size = back + _common_prefix(a, mid, b, j, min(ahi - mid, bhi - j))
            if 2 * size > ahi - alo:
                blocks.append((mid - back, j - back, size))
                todo += [(alo, mid - back, blo, j - back), (mid - back + size, ahi, j - back + size, bhi)]
                continue
        matcher = difflib.SequenceMatcher(None, a[alo:ahi], b[blo:bhi])
        blocks += [(alo + i, blo + j, n) for i, j, n in matcher.get_matching_blocks() if n]
    blocks.sort()
    return blocks


def _unique_blocks(
    a: list[str], alo: int, ahi: int, b: list[str], blo: int, bhi: int
) -> list[tuple[int, int, int]] | None:
    """``SequenceMatcher``'s matching blocks of ``a[alo:ahi]`` and ``b[blo:bhi]``; None if a line repeats.

    With no line repeating, each line matches at most one place, so the common stretches are the runs
    of lines of ``a`` on one diagonal (place in ``b`` minus place in ``a``); take the longest (the
    first of equals), then the same among the runs left of it on both sides and among those right of it.
    """
    where = dict(zip(b[blo:bhi], range(blo, bhi), strict=True))
    if len(where) < bhi - blo or len(set(a[alo:ahi])) < ahi - alo:
        return None
    absent = -2 * (len(a) + len(b)) - 2  # so that lines missing from b sit on diagonals of their own
    found = map(where.get, a[alo:ahi], repeat(absent))
    runs: list[tuple[int, int, int]] = []
    i = alo
    for diagonal, run in groupby(map(sub, found, count(alo))):
        size = len(list(run))
        if diagonal > absent:
            runs.append((i, i + diagonal, size))
        i += size
    blocks: list[tuple[int, int, int]] = []
    todo = [runs]
    while todo:
        rest = todo.pop()
        places = [j for _, j, _ in rest]
        if places == sorted(places):  # no moved lines: every run is kept, whatever the order of picking
            blocks += rest
        else:
            sizes = [size for _, _, size in rest]
            best = sizes.index(max(sizes))
            i, j, size = rest[best]
            blocks.append((i, j, size))
            todo += [[r for r in rest[:best] if r[1] < j], [r for r in rest[best + 1 :] if r[1] > j]]
    return blocks


def _only_index(items: list[str], item: str, start: int, stop: int) -> int:
    """Where ``item`` is in ``items[start:stop]`` if it is there exactly once, else -1."""
    try:
        at = items.index(item, start, stop)
    except ValueError:
        return -1
    try:
        items.index(item, at + 1, stop)
    except ValueError:
        return at
    return -1


def _common_prefix(a: Sequence[str], i: int, b: Sequence[str], j: int, limit: int) -> int:
    """How many items ``a[i:]`` and ``b[j:]`` share at their start, at most ``limit``.

    A binary search comparing slices, so the compares run in C.
    """
    low, high = 0, limit
    while low < high:
        mid = (low + high + 1) // 2
        if a[i + low : i + mid] == b[j + low : j + mid]:
            low = mid
        else:
            high = mid - 1
    return low


def _common_suffix(a: Sequence[str], i: int, b: Sequence[str], j: int, limit: int) -> int:
    """How many items ``a[:i]`` and ``b[:j]`` share at their end, at most ``limit``."""
    low, high = 0, limit
    while low < high:
        mid = (low + high + 1) // 2
        if a[i - mid : i - low] == b[j - mid : j - low]:
            low = mid
        else:
            high = mid - 1
    return low


def _line_diff(a: list[str], b: list[str], opcodes: list[_Opcode]) -> tuple[str, int, int]:
    """The unified diff of the lines (as ``difflib.unified_diff``), and how many lines it adds and removes."""
    added = removed = 0
    for tag, i1, i2, j1, j2 in opcodes:
        if tag != "equal":
            removed += i2 - i1
            added += j2 - j1
    if not added and not removed:
        return "", 0, 0
    out = ["--- before", "+++ after"]
    for group in _grouped(opcodes, _CONTEXT_LINES):
        first, last = group[0], group[-1]
        out.append(f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [" " + line for line in a[i1:i2]]
                continue
            out += ["-" + line for line in a[i1:i2]]
            out += ["+" + line for line in b[j1:j2]]
    return "\n".join(out), added, removed


def _grouped(opcodes: list[_Opcode], n: int) -> list[list[_Opcode]]:
    """``SequenceMatcher.get_grouped_opcodes(n)`` over ``opcodes`` (at least one of them a change)."""
    codes = list(opcodes)
    tag, i1, i2, j1, j2 = codes[0]
    if tag == "equal":
        codes[0] = tag, max(i1, i2 - n), i2, max(j1, j2 - n), j2
    tag, i1, i2, j1, j2 = codes[-1]
    if tag == "equal":
        codes[-1] = tag, i1, min(i2, i1 + n), j1, min(j2, j1 + n)
    groups: list[list[_Opcode]] = []
    group: list[_Opcode] = []
    for tag, i1, i2, j1, j2 in codes:
        if tag == "equal" and i2 - i1 > 2 * n:
            group.append((tag, i1, min(i2, i1 + n), j1, min(j2, j1 + n)))
            groups.append(group)
            group = []
            i1, j1 = max(i1, i2 - n), max(j1, j2 - n)
        group.append((tag, i1, i2, j1, j2))
    if group and not (len(group) == 1 and group[0][0] == "equal"):
        groups.append(group)
    return groups


def _range(start: int, stop: int) -> str:
    """A unified diff hunk range, as difflib writes it."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"


def _word_diff(
    old: str, new: str, old_lines: list[str], new_lines: list[str], opcodes: list[_Opcode], deadline: float | None
) -> list[list[object]]:
    """The diff-match-patch diff word by word, semantic cleanup, unchanged stretches shortened.

    Unchanged lines go in as equalities as they are; diff-match-patch only sees the text between
    them (the changed lines, plus any unchanged one whose line break differs), all the pieces under
    one deadline.
    """
    old_text, new_text = _line_texts(old, old_lines), _line_texts(new, new_lines)
    dmp = diff_match_patch()
    if deadline is None:
        dmp.Diff_Timeout = 0  # no limit
        deadline = float("inf")
    diffs: list[_Diff] = []
    old_done = new_done = 0  # the first line not yet in ``diffs``
    for tag, i1, i2, j1, j2 in opcodes:
        if tag != "equal":
            continue
        same = old_text(i1, i2)
        if same != new_text(j1, j2):  # a line break differs: at the end of a text, say
            i2, j2 = i2 - 1, j2 - 1  # so leave out the last line
            same = old_text(i1, i2)
            if not same or same != new_text(j1, j2):  # \r\n against \n inside: diff it all
                continue
        _extend(diffs, _changed_words(dmp, old_text(old_done, i1), new_text(new_done, j1), deadline))
        _extend(diffs, [(0, same)])
        old_done, new_done = i2, j2
    changed = old_text(old_done, len(old_lines)), new_text(new_done, len(new_lines))
    _extend(diffs, _changed_words(dmp, *changed, deadline))
    if all(op == 0 for op, _ in diffs):
        return []
    return [[op, _shorten(text) if op == 0 else text] for op, text in diffs]


def _line_texts(text: str, lines: list[str]) -> Callable[[int, int], str]:
    """A function giving the text of ``lines[start:stop]`` (``text.splitlines()``) with their line breaks."""
    joined = "\n".join(lines)
    if joined == text or joined + "\n" == text:  # lines broken by \n alone: no need to split again
        end = text[len(joined) :]

        def joined_lines(start: int, stop: int) -> str:
            if start >= stop:
                return ""
            return "\n".join(lines[start:stop]) + ("\n" if stop < len(lines) else end)

        return joined_lines
    kept = text.splitlines(keepends=True)
    return lambda start, stop: "".join(kept[start:stop])


def _changed_words(dmp: diff_match_patch, old: str, new: str, deadline: float) -> list[_Diff]:
    """The word diff of one changed block."""
    if not old or not new:
        return [(1, new)] if new else [(-1, old)] if old else []
    tokens: list[str] = []
    index: dict[str, int] = {}
    try:
        encoded = _encode(old, tokens, index), _encode(new, tokens, index)
    except ValueError:  # more distinct words than code points: diff characters instead
        diffs: list[_Diff] = dmp.diff_main(old, new, True, deadline)
    else:
        diffs = dmp.diff_main(*encoded, False, deadline)
        dmp.diff_charsToLines(diffs, tokens)
    dmp.diff_cleanupSemantic(diffs)
    return diffs


def _extend(diffs: list[_Diff], more: list[_Diff]) -> None:
    """Append ``more`` to ``diffs``, merging an equality into an equality just before it."""
    for op, text in more:
        if not text:
            continue
        if op == 0 and diffs and diffs[-1][0] == 0:
            diffs[-1] = (0, diffs[-1][1] + text)
        else:
            diffs.append((op, text))


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
    """An unchanged stretch reduced to its ends, joined by an ellipsis, cut between words (never
    "F…ana" for "France, Germany, Ghana"): each end keeps at most ``_EQUAL_CONTEXT`` characters."""
    if len(text) <= 2 * _EQUAL_CONTEXT + 1:
        return text
    head, tail = text[:_EQUAL_CONTEXT], text[-_EQUAL_CONTEXT:]
    if not text[_EQUAL_CONTEXT].isspace() and (space := max(head.rfind(" "), head.rfind("\n"))) > 0:
        head = head[: space + 1]  # the head ends after a whole word
    if not text[-_EQUAL_CONTEXT - 1].isspace():
        starts = [i for i in (tail.find(" "), tail.find("\n")) if i >= 0]
        if starts and min(starts) < len(tail) - 1:
            tail = tail[min(starts) :]  # the tail starts at a whole word
    return f"{head}…{tail}"


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
