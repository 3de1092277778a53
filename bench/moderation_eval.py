"""How well the moderation engine sorts the labelled corpora, next to two peers.

    .venv/bin/python bench/moderation_eval.py [--misses N] [--json PATH] [--corpus PATH ...]

Two corpora by default: the tuning corpus (``moderation_corpus.jsonl``, whose
misses guide changes to the lexicons) and the held-out corpus
(``moderation_heldout.jsonl``, written apart and never used for tuning; its
misses are not listed, so that it stays held out). The held-out figures are
the honest estimate of how the engine does on new messages.

A message counts as stopped when the engine's action is not ``allow`` (masked,
held or blocked): harmful recall is the share of harmful messages stopped, the
false-positive rate the share of not-harmful messages stopped. A peer stops a
message when it says the message contains bad words. This is a measurement: it
exits 0 whatever the figures are.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from _corpus import (
    CORPUS,
    HELDOUT,
    TEXT_CATEGORIES,
    Action,
    Confusion,
    Message,
    Overall,
    Verdict,
    engine_verdicts,
    fmt,
    load,
    load_peers,
    overall,
    per_category,
    warm_up,
)

TARGET_RECALL = 0.97
TARGET_FPR = 0.01


def against(value: float | None, target: float, *, at_least: bool) -> str:
    """``≥ 0.97 met`` / ``≤ 0.01 NOT MET``: a figure next to its target."""
    sign = "≥" if at_least else "≤"
    if value is None:
        return f"{sign} {target} n/a"
    met = value >= target if at_least else value <= target
    return f"{sign} {target} {'met' if met else 'NOT MET'}"


def category_table(scores: dict[str, Confusion]) -> list[str]:
    lines = [
        f"  {'category':<14} {'support':>7} {'TP':>5} {'FP':>5} {'FN':>5} "
        f"{'precision':>9} {'recall':>7}"
    ]
    for category, c in scores.items():
        lines.append(
            f"  {category:<14} {c.support:>7} {c.tp:>5} {c.fp:>5} {c.fn:>5} "
            f"{fmt(c.precision):>9} {fmt(c.recall):>7}"
        )
    return lines


def overall_lines(scores: dict[str, Overall], with_targets: bool) -> list[str]:
    lines = []
    for group, s in scores.items():
        recall = f"harmful recall {fmt(s.recall)} ({s.caught}/{s.harmful})"
        fpr = f"FPR {fmt(s.fpr)} ({s.false_alarms}/{s.not_harmful})"
        lines.append(f"  {group:<4} {recall:<32} {fpr}")
        if with_targets and group == "all":
            lines.append(
                f"       target: recall {against(s.recall, TARGET_RECALL, at_least=True)}, "
                f"FPR {against(s.fpr, TARGET_FPR, at_least=False)}"
            )
    return lines


def expected(message: Message) -> str:
    labels = ",".join(sorted(message.labels)) or "innocent"
    return f"{'harmful' if message.harmful else 'not harmful'} [{labels}]"


def engine_misses(
    messages: Sequence[Message], verdicts: Sequence[Verdict]
) -> dict[str, list[dict[str, str]]]:
    """Harmful messages the engine allowed, and not-harmful ones it stopped."""
    misses: dict[str, list[dict[str, str]]] = {"false_negatives": [], "false_positives": []}
    for message, verdict in zip(messages, verdicts, strict=True):
        stopped = verdict.action != Action.ALLOW
        if message.harmful == stopped:
            continue
        categories = ",".join(map(str, verdict.categories))
        misses["false_positives" if stopped else "false_negatives"].append(
            {
                "id": message.id,
                "text": message.text,
                "expected": expected(message),
                "got": f"{verdict.action.label} [{categories}]",
            }
        )
    return misses


def report(path: Path, *, held_out: bool, misses_wanted: int) -> dict[str, object]:
    """Print the figures of one corpus and return them for the JSON file."""
    corpus = load(path)
    messages = corpus.messages
    verdicts = engine_verdicts(messages)
    stopped = [v.action != Action.ALLOW for v in verdicts]
    predicted = [frozenset(str(c) for c in v.categories) for v in verdicts]
    engine_categories = per_category(messages, predicted, TEXT_CATEGORIES)
    engine_overall = overall(messages, stopped)

    role = "held out, never used for tuning" if held_out else "used to tune the lexicons"
    print(f"=== Corpus {corpus.path.name} ({role}): {corpus.describe()}")
    print()
    print(
        "Engine (safeclass.moderation.engine.check, default policy; "
        "on_roster = sender is not a guest)"
    )
    print(" Per category (predicted = the category is in verdict.categories):")
    print("\n".join(category_table(engine_categories)))
    print(" Overall (stopped = action is mask, hold or block):")
    print("\n".join(overall_lines(engine_overall, with_targets=True)))

    peers, notes = load_peers()
    side_by_side: list[tuple[str, Overall]] = [("safeclass engine", engine_overall["all"])]
    peer_figures: dict[str, dict[str, object]] = {}
    for peer in peers:
        flags = [peer.flags(m.text) for m in messages]
        as_profanity = [frozenset({"profanity"}) if flag else frozenset() for flag in flags]
        profanity = per_category(messages, as_profanity, ["profanity"])
        scores = overall(messages, flags)
        print()
        print(f"Peer {peer.title}: {peer.call} (flagged = it says the text has bad words)")
        print(" Profanity only (what it claims to detect):")
        print("\n".join(category_table(profanity)))
        print(" Overall:")
        print("\n".join(overall_lines(scores, with_targets=False)))
        side_by_side.append((peer.title, scores["all"]))
        peer_figures[peer.title] = {
            "call": peer.call,
            "profanity": profanity["profanity"].as_dict(),
            "overall": {group: s.as_dict() for group, s in scores.items()},
        }
    for note in notes:
        print(f"\nPeer skipped: {note}")

    print()
    print(f"Side by side ({corpus.path.name}, all languages):")
    print(f"  {'system':<28} {'harmful recall':>14} {'FPR':>7}")
    for title, s in side_by_side:
        print(f"  {title:<28} {fmt(s.recall):>14} {fmt(s.fpr):>7}")
    print(f"  {'target':<28} {'≥ ' + str(TARGET_RECALL):>14} {'≤ ' + str(TARGET_FPR):>7}")

    misses = engine_misses(messages, verdicts)
    if misses_wanted > 0 and held_out:
        print("\nMisses of the held-out corpus are not listed: it must not guide tuning.")
    elif misses_wanted > 0:
        for kind, title in (
            ("false_negatives", "False negatives (harmful, allowed)"),
            ("false_positives", "False positives (not harmful, stopped)"),
        ):
            found = misses[kind]
            print(f"\n{title}: {len(found)}, showing up to {misses_wanted}")
            for miss in found[:misses_wanted]:
                print(f"  {miss['id']}: {miss['text']!r}")
                print(f"      expected {miss['expected']}; got {miss['got']}")
    print()
    return {
        "path": str(corpus.path),
        "held_out": held_out,
        "messages": len(messages),
        "skipped_lines": corpus.skipped,
        "engine": {
            "categories": {c: s.as_dict() for c, s in engine_categories.items()},
            "overall": {group: s.as_dict() for group, s in engine_overall.items()},
            "misses": {kind: len(found) for kind, found in misses.items()} if held_out else misses,
        },
        "peers": peer_figures,
        "peers_skipped": notes,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus",
        type=Path,
        action="append",
        metavar="PATH",
        help="a corpus to score (repeatable); default: the tuning and the held-out corpus",
    )
    parser.add_argument(
        "--misses",
        type=int,
        default=0,
        metavar="N",
        help="list up to N false negatives and N false positives (not for the held-out corpus)",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="write every figure as JSON")
    args = parser.parse_args(argv)
    paths: list[Path] = args.corpus or [CORPUS, HELDOUT]

    warm_up()
    print(
        f"Moderation quality, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"Python {platform.python_version()}"
    )
    print()
    corpora = [
        report(
            path,
            held_out=path.resolve() == HELDOUT.resolve(),
            misses_wanted=args.misses,
        )
        for path in paths
    ]
    if args.json:
        figures = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "targets": {"harmful_recall_min": TARGET_RECALL, "fpr_max": TARGET_FPR},
            "corpora": corpora,
        }
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", "utf-8")
        print(f"Figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
