"""The labelled news corpus (tests/fixtures/signals) and how a reading of it is scored.

Shared by the floor test (tests/extract/test_signal_floor.py) and the benchmark
(bench/signals.py), so both count the same way:

- an item is *found* when the reader gives a signal of the expected direction that names at
  least one of the expected providers (a regulator's item may name the regulator, the provider
  or both);
- *recall* is found positives over positives; *precision* is found positives over all signals
  (a signal on a negative, or of the wrong direction or provider, counts against it);
- *countries* is the share of found positives whose countries are exactly those expected (a
  group expected as ``groups = ["EU"]`` stands for its members on the day of publication);
- *date* is the share of found positives whose effective date and precision are those expected
  (no date expected: none given); *scope* likewise.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from monitor.extract.places import members
from monitor.extract.signals import RESTRICTIVE, extract_signal
from monitor.types import Signal

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "signals"


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    language: str  # the file's: en, zh-Hans, ...
    split: str
    published: date
    title: str
    text: str
    positive: bool
    negative_class: str
    expect: dict[str, Any]

    def countries(self) -> set[str]:
        found = set(self.expect.get("countries", ()))
        for group in self.expect.get("groups", ()):
            found |= set(members(group, self.published))
        return found


def load(directory: Path = CORPUS) -> list[Item]:
    """Every item of every ``corpus-<lang>.toml``, in file order."""
    items = []
    for path in sorted(directory.glob("corpus-*.toml")):
        language = path.stem.removeprefix("corpus-")
        for raw in tomllib.loads(path.read_text(encoding="utf-8"))["item"]:
            items.append(
                Item(
                    id=raw["id"],
                    language=language,
                    split=raw.get("split", "dev"),
                    published=date.fromisoformat(str(raw["published"])),
                    title=raw["title"],
                    text=raw.get("text", ""),
                    positive=raw["label"] == "positive",
                    negative_class=raw.get("negative_class", ""),
                    expect=dict(raw.get("expect", {})),
                )
            )
    return items


def read(item: Item) -> Signal | None:
    """The reader's signal for one item, as a feed would give it: no language, no source provider."""
    published = datetime(item.published.year, item.published.month, item.published.day, 12, tzinfo=UTC)
    return extract_signal(title=item.title, text=item.text, published=published)


def direction(action: str) -> str:
    return "reduce" if action in RESTRICTIVE else "widen"


def found(item: Item, signal: Signal | None) -> bool:
    """True when ``signal`` is the item's expected signal (direction and a provider)."""
    if not item.positive or signal is None:
        return False
    providers = set(item.expect.get("providers", ()))
    return direction(signal.action) == item.expect["direction"] and bool(providers & set(signal.providers))


@dataclass(slots=True)
class Score:
    """Counts for one slice of the corpus."""

    positives: int = 0
    negatives: int = 0
    signals: int = 0
    found: int = 0
    countries: int = 0
    dated: int = 0
    scoped: int = 0
    false_alarms: list[str] = field(default_factory=list)  # item ids
    missed: list[str] = field(default_factory=list)

    def add(self, item: Item, signal: Signal | None) -> None:
        self.positives += item.positive
        self.negatives += not item.positive
        self.signals += signal is not None
        if found(item, signal):
            assert signal is not None
            self.found += 1
            self.countries += set(signal.countries) == item.countries()
            want = item.expect.get("effective_date")
            got = signal.effective_date
            if want is None:
                self.dated += got is None
            else:
                precision = item.expect.get("effective_precision", "day")
                self.dated += got == date.fromisoformat(str(want)) and signal.effective_precision == precision
            self.scoped += signal.scope == item.expect.get("scope", "territory")
        elif signal is not None:
            self.false_alarms.append(item.id)
        if item.positive and not found(item, signal):
            self.missed.append(item.id)

    @property
    def recall(self) -> float:
        return self.found / self.positives if self.positives else 1.0

    @property
    def precision(self) -> float:
        return self.found / self.signals if self.signals else 1.0

    def share(self, count: int) -> float:
        return count / self.found if self.found else 0.0


def score(items: Iterable[Item], key: str = "language") -> dict[str, Score]:
    """Scores per ``key`` (language or split) and "all"."""
    scores: dict[str, Score] = {}
    for item, signal in readings(items):
        for name in (getattr(item, key), "all"):
            scores.setdefault(name, Score()).add(item, signal)
    return scores


def readings(items: Iterable[Item]) -> Iterator[tuple[Item, Signal | None]]:
    for item in items:
        yield item, read(item)
