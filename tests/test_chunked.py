"""chunked: bounded lists, in order, from sequences and streams alike."""

from __future__ import annotations

import itertools

import pytest

from monitor.chunked import chunked


def test_lists_of_the_size_asked_the_last_one_shorter() -> None:
    assert list(chunked(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(chunked([], 3)) == []


def test_a_stream_is_read_only_as_far_as_needed() -> None:
    first = next(chunked(itertools.count(), 2))
    assert first == [0, 1]


def test_a_size_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        list(chunked([1], 0))
