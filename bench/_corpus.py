"""Shared helpers for the moderation benchmarks: the corpus, the peers, the scoring.

``moderation_eval.py`` (quality) and ``moderation.py`` (speed) both load the
labelled corpus through :func:`load`, run the engine through
:func:`engine_verdicts` and score any yes/no filter with :func:`overall`.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "bench" / "data" / "moderation_corpus.jsonl"
# Written apart from the lexicons and never used to tune them: its figures say
# how the engine does on messages nobody fitted it to.
HELDOUT = ROOT / "bench" / "data" / "moderation_heldout.jsonl"

# A fresh clone that has not installed the package still runs the benchmarks.
if importlib.util.find_spec("safeclass") is None:
    sys.path.insert(0, str(ROOT / "src"))

from safeclass.moderation.engine import (  # noqa: E402
    DEFAULT_POLICY,
    Action,
    Category,
    Verdict,
    check,
    lexicon,
    warm_up,
)

__all__ = [
    "CORPUS",
    "DEFAULT_POLICY",
    "HELDOUT",
    "ROOT",
    "TEXT_CATEGORIES",
    "Action",
    "Category",
    "Confusion",
    "Corpus",
    "Message",
    "Overall",
    "Peer",
    "Verdict",
    "check",
    "engine_verdicts",
    "fmt",
    "lexicon",
    "load",
    "load_peers",
    "overall",
    "per_category",
    "ratio",
    "warm_up",
]

# Categories the corpus labels (the engine's image category is not about text).
TEXT_CATEGORIES: tuple[str, ...] = tuple(str(c) for c in Category if c != Category.IMAGE)


@dataclass(frozen=True, slots=True)
class Message:
    id: str
    text: str
    sender: str
    lang: str
    labels: frozenset[str]
    harmful: bool
    note: str = ""

    @property
    def on_roster(self) -> bool:
        return self.sender != "guest"


@dataclass(slots=True)
class Corpus:
    path: Path
    messages: list[Message]
    # Lines that could not be read (a line still being written, a typo).
    skipped: list[int] = field(default_factory=list)

    @property
    def languages(self) -> list[str]:
        return sorted({m.lang for m in self.messages})

    def describe(self) -> str:
        harmful = sum(m.harmful for m in self.messages)
        langs = ", ".join(
            f"{lang} {sum(m.lang == lang for m in self.messages)}" for lang in self.languages
        )
        text = (
            f"{len(self.messages)} messages ({harmful} harmful, "
            f"{len(self.messages) - harmful} not harmful; {langs})"
        )
        if self.skipped:
            text += f"; skipped unreadable line(s) {', '.join(map(str, self.skipped))}"
        return text


def load(path: Path = CORPUS) -> Corpus:
    """Read the JSON-lines corpus as it is now; unreadable lines are skipped, not fatal."""
    corpus = Corpus(path, [])
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                corpus.messages.append(
                    Message(
                        id=str(row["id"]),
                        text=str(row["text"]),
                        sender=str(row.get("sender") or "student"),
                        lang=str(row.get("lang") or "?"),
                        labels=frozenset(row.get("labels") or ()),
                        harmful=bool(row["harmful"]),
                        note=str(row.get("note") or ""),
                    )
                )
            except (ValueError, KeyError, TypeError):
                corpus.skipped.append(number)
    return corpus


def engine_verdicts(messages: Iterable[Message]) -> list[Verdict]:
    """The engine's verdict for each message, with the default policy."""
    return [
        check(m.text, sender_role=m.sender, on_roster=m.on_roster, policy=DEFAULT_POLICY)
        for m in messages
    ]


def ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


@dataclass(frozen=True, slots=True)
class Confusion:
    """One category: how often it was predicted where labelled, and elsewhere."""

    tp: int
    fp: int
    fn: int

    @property
    def support(self) -> int:
        return self.tp + self.fn

    @property
    def precision(self) -> float | None:
        return ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float | None:
        return ratio(self.tp, self.tp + self.fn)

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "support": self.support, "precision": self.precision,
                "recall": self.recall}  # fmt: skip


def per_category(
    messages: Sequence[Message], predicted: Sequence[frozenset[str]], categories: Iterable[str]
) -> dict[str, Confusion]:
    scores = {}
    for category in categories:
        tp = fp = fn = 0
        for message, guess in zip(messages, predicted, strict=True):
            labelled, found = category in message.labels, category in guess
            tp += labelled and found
            fp += found and not labelled
            fn += labelled and not found
        scores[category] = Confusion(tp, fp, fn)
    return scores


@dataclass(frozen=True, slots=True)
class Overall:
    """Harmful messages stopped, and not-harmful messages stopped by mistake."""

    harmful: int
    caught: int
    not_harmful: int
    false_alarms: int

    @property
    def recall(self) -> float | None:
        return ratio(self.caught, self.harmful)

    @property
    def fpr(self) -> float | None:
        return ratio(self.false_alarms, self.not_harmful)

    @property
    def precision(self) -> float | None:
        return ratio(self.caught, self.caught + self.false_alarms)

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "recall": self.recall, "fpr": self.fpr,
                "precision": self.precision}  # fmt: skip


def overall(messages: Sequence[Message], flagged: Sequence[bool]) -> dict[str, Overall]:
    """Scores over all messages (key ``all``) and per language."""
    groups: dict[str, list[tuple[Message, bool]]] = {"all": []}
    for message, flag in zip(messages, flagged, strict=True):
        groups["all"].append((message, flag))
        groups.setdefault(message.lang, []).append((message, flag))
    return {
        name: Overall(
            harmful=sum(m.harmful for m, _ in pairs),
            caught=sum(m.harmful and flag for m, flag in pairs),
            not_harmful=sum(not m.harmful for m, _ in pairs),
            false_alarms=sum(flag and not m.harmful for m, flag in pairs),
        )
        for name, pairs in sorted(groups.items(), key=lambda item: (item[0] != "all", item[0]))
    }


@dataclass(frozen=True, slots=True)
class Peer:
    """Another filter, reduced to "does this text contain bad words?"."""

    name: str
    version: str
    call: str
    flags: Callable[[str], bool]

    @property
    def title(self) -> str:
        return f"{self.name} {self.version}"


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def load_peers() -> tuple[list[Peer], list[str]]:
    """The peers that are installed, and a note for each one that is not."""
    found: list[Peer] = []
    notes: list[str] = []
    try:
        from better_profanity import profanity

        profanity.load_censor_words()
        found.append(
            Peer(
                "better_profanity",
                _version("better-profanity"),
                "profanity.contains_profanity(text)",
                profanity.contains_profanity,
            )
        )
    except ImportError:
        notes.append("better_profanity is not installed (pip install better-profanity)")
    try:
        from viet_badwords_filter.filter import VNBadwordsFilter

        vn_filter = VNBadwordsFilter()
        found.append(
            Peer(
                "viet-badwords-filter",
                _version("viet-badwords-filter"),
                "VNBadwordsFilter().is_profane(text)",
                vn_filter.is_profane,
            )
        )
    except ImportError:
        notes.append("viet-badwords-filter is not installed (pip install viet-badwords-filter)")
    return found, notes


def fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"
