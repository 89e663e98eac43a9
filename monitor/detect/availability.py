"""Availability set-diffs: which codes a new claim adds and removes."""

from __future__ import annotations


def diff_sets(old: frozenset[str], new: frozenset[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The codes ``new`` adds to ``old`` and the codes it removes, each sorted."""
    return tuple(sorted(new - old)), tuple(sorted(old - new))
