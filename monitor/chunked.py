"""Splitting a long sequence or stream into lists of a bounded size (``itertools.batched`` from 3.12).

for ids in chunked(source_ids, 500):        # IN lists every backend accepts
    session.execute(select(...).where(Row.id.in_(ids)))
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

T = TypeVar("T")


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in order, as lists of ``size`` (the last one shorter); reads a stream lazily."""
    if size < 1:
        raise ValueError(f"chunk size must be at least 1, not {size}")
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
