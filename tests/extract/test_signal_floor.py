"""The signal reader holds its measured recall and precision on the labelled corpus, per language.

A regression guard, not the target (docs/signals.md has both): the floors in
tests/fixtures/signals/floors.toml are written by ``bench/signals.py --record-floors`` from a
measured run, and a change that reads any language worse fails here with the items it got wrong.
"""

from __future__ import annotations

import tomllib

import pytest

from tests.extract.signal_corpus import CORPUS, Score, load, score

FLOORS = tomllib.loads((CORPUS / "floors.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def scores() -> dict[str, Score]:
    return score(load())


@pytest.mark.parametrize("language", sorted(FLOORS))
def test_language_reads_at_least_as_well_as_recorded(scores: dict[str, Score], language: str) -> None:
    measured, floor = scores[language], FLOORS[language]
    detail = f"missed {measured.missed}, false {measured.false_alarms}"
    assert measured.recall >= floor["recall"], f"{language}: recall {measured.recall:.2f} < {floor['recall']}; {detail}"
    assert measured.precision >= floor["precision"], (
        f"{language}: precision {measured.precision:.2f} < {floor['precision']}; {detail}"
    )


def test_every_language_of_the_corpus_has_a_floor(scores: dict[str, Score]) -> None:
    assert set(scores) == set(FLOORS)
