"""How well the signal reader reads the labelled news corpus, per language.

    .venv/bin/python bench/signals.py [--corpus DIR] [--out docs/signals.md] [--record-floors]

Reads every item of tests/fixtures/signals/corpus-*.toml with ``extract_signal`` as a feed
would give it (no language, no source provider), scores it the way
tests/extract/signal_corpus.py says (recall, precision, exact countries, effective date with its
precision, scope), and prints one table per language, one per split (``dev``: the items the
reader was tuned on; ``holdout``: items its author did not read) and the items it got wrong.
The tables, the date and the command are written to docs/signals.md. ``--record-floors``
writes the measured recall and precision per language to tests/fixtures/signals/floors.toml,
which tests/extract/test_signal_floor.py holds the reader to.

Throughput (items read per second, one process, warm caches) is printed beside the scores.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.extract.signal_corpus import CORPUS, Item, Score, load, read, score  # noqa: E402

TARGET = 0.9  # per language, recall and precision (the target); 0.95 overall


def table(scores: dict[str, Score], title: str) -> list[str]:
    lines = [
        f"| {title} | items | positives | recall | precision | countries | date | scope |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in sorted(scores, key=lambda n: (n == "all", n)):
        s = scores[name]
        label = f"**{name}**" if name == "all" else name
        lines.append(
            f"| {label} | {s.positives + s.negatives} | {s.positives} | {s.recall:.2f} | {s.precision:.2f} "
            f"| {s.share(s.countries):.2f} | {s.share(s.dated):.2f} | {s.share(s.scoped):.2f} |"
        )
    return lines


def mistakes(scores: dict[str, Score]) -> list[str]:
    lines = []
    for name in sorted(n for n in scores if n != "all"):
        s = scores[name]
        if s.missed or s.false_alarms:
            lines.append(f"- {name}: missed {', '.join(s.missed) or '-'}; false {', '.join(s.false_alarms) or '-'}")
    return lines


def throughput(items: list[Item]) -> float:
    for item in items[:50]:
        read(item)  # warm the caches (vocabulary, country index)
    start = time.perf_counter()
    rounds = 3
    for _ in range(rounds):
        for item in items:
            read(item)
    return rounds * len(items) / (time.perf_counter() - start)


def record_floors(scores: dict[str, Score], path: Path) -> None:
    lines = [
        "# Recall and precision per language below which tests/extract/test_signal_floor.py fails.",
        "# A regression guard, not the target: written by `bench/signals.py --record-floors` from a",
        "# measured run (the reader is deterministic, so the floor is the measurement, rounded down).",
        "",
    ]
    for name in sorted(scores):
        s = scores[name]
        recall, precision = int(s.recall * 100) / 100, int(s.precision * 100) / 100
        lines += [f'["{name}"]', f"recall = {recall:.2f}", f"precision = {precision:.2f}", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "signals.md")
    parser.add_argument("--record-floors", action="store_true")
    args = parser.parse_args()
    items = load(args.corpus)
    if not items:
        print(f"no corpus items under {args.corpus}", file=sys.stderr)
        return 2
    by_language = score(items)
    by_split = score(items, key="split")
    rate = throughput(items)
    command = " ".join(["bench/signals.py", *map(shlex.quote, sys.argv[1:])])
    overall = by_language["all"]
    met = [n for n, s in by_language.items() if n != "all" and s.recall >= TARGET and s.precision >= TARGET]
    body = [
        "# Signals: how well news is read, per language",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `.venv/bin/python {command}` on "
        f"{len(items)} labelled items ({overall.positives} positive) of tests/fixtures/signals "
        "(how they were made: its README). Scoring: tests/extract/signal_corpus.py. *countries*, "
        "*date* and *scope* are shares of the found positives that got them exactly right.",
        "",
        *table(by_language, "language"),
        "",
        *table(by_split, "split"),
        "",
        f"Target: recall and precision at least {TARGET} in every language "
        f"(met in {len(met)} of {len(by_language) - 1}: {', '.join(sorted(met)) or 'none'}), "
        f"0.95 overall (recall {overall.recall:.2f}, precision {overall.precision:.2f}).",
        "",
        f"Throughput: {rate:,.0f} items/s (one process, warm caches).",
        "",
        "## Items read wrongly",
        "",
        *mistakes(by_language),
        "",
    ]
    text = "\n".join(body)
    print(text)
    args.out.write_text(text, encoding="utf-8")
    if args.record_floors:
        record_floors(by_language, args.corpus / "floors.toml")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
