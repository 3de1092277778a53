"""Quality on the labelled classroom-chat corpora (CLS-1, CLS-2, CLS-3, ACC-5, INC-1, SPC-3).

These thresholds are floors against regressions, set just under what the
engine measured on 2026-12-02:

- the tuning corpus, whose misses guided the lexicons: recall 1.000,
  false-positive rate 0.000;
- the held-out corpus, never used for tuning: recall 0.823, false-positive
  rate 0.037, short of the targets (recall ≥ 0.97, false-positive rate ≤ 0.01).

``bench/moderation_eval.py`` reports the real figures. Raise these floors as
the engine improves; never lower the held-out one by tuning on its lines.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from safeclass.moderation.engine import check

# corpus file: (lowest recall, highest false-positive rate)
FLOORS = {
    "moderation_corpus.jsonl": (0.99, 0.005),
    "moderation_heldout.jsonl": (0.80, 0.045),
}


def repository_root() -> Path:
    for folder in Path(__file__).resolve().parents:
        if (folder / "pyproject.toml").is_file():
            return folder
    raise AssertionError("no pyproject.toml above the tests")


DATA = repository_root() / "bench" / "data"


@dataclass
class Results:
    caught: list[str] = field(default_factory=list, repr=False)
    missed: list[str] = field(default_factory=list, repr=False)
    passed: list[str] = field(default_factory=list, repr=False)
    false_alarms: list[str] = field(default_factory=list, repr=False)

    @property
    def recall(self) -> float:
        return len(self.caught) / (len(self.caught) + len(self.missed))

    @property
    def false_positive_rate(self) -> float:
        return len(self.false_alarms) / (len(self.passed) + len(self.false_alarms))

    def summary(self) -> str:
        return (
            f"recall {self.recall:.3f} ({len(self.caught)} of "
            f"{len(self.caught) + len(self.missed)} harmful lines caught), "
            f"false-positive rate {self.false_positive_rate:.3f} ({len(self.false_alarms)} of "
            f"{len(self.passed) + len(self.false_alarms)} other lines stopped)"
        )


@pytest.fixture(scope="module", params=sorted(FLOORS))
def corpus(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="module")
def results(corpus: str) -> Results:
    path = DATA / corpus
    assert path.is_file(), f"corpus not found at {path}"
    found = Results()
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            row = json.loads(line)
            verdict = check(row["text"], sender_role=row["sender"])
            stopped = not verdict.allowed
            label = f"{row['id']} (line {number}): {row['text']!r} → {verdict.action.label}"
            if row["harmful"]:
                (found.caught if stopped else found.missed).append(label)
            else:
                (found.false_alarms if stopped else found.passed).append(label)
    assert found.caught or found.missed, "the corpus has no harmful lines"
    assert found.passed or found.false_alarms, "the corpus has no harmless lines"
    return found


def test_recall_on_harmful_lines(corpus: str, results: Results) -> None:
    """Harmful lines are masked, held or blocked, not delivered as typed."""
    min_recall, _ = FLOORS[corpus]
    missed = "\n".join(results.missed[:40])
    assert results.recall >= min_recall, f"{results.summary()}\nmissed:\n{missed}"


def test_false_positive_rate_on_harmless_lines(corpus: str, results: Results) -> None:
    """Innocent lines, teacher links and school contacts are delivered as typed."""
    _, max_rate = FLOORS[corpus]
    false_alarms = "\n".join(results.false_alarms[:40])
    assert results.false_positive_rate <= max_rate, f"{results.summary()}\nstopped:\n{false_alarms}"
