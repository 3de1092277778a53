"""How fast the moderation engine is, next to a bare automaton and two peers.

    .venv/bin/python bench/moderation.py [--messages N] [--json PATH] [--corpus PATH] [--no-cli]

Every system sees the same messages: the labelled corpus repeated until there
are at least N of them (20,000 by default), in one process and one thread.
Throughput comes from a plain loop over the messages; latencies from a second
loop that times each call with ``time.perf_counter_ns``. The ceiling is what a
bare pyahocorasick pass over the engine's own lexicon keys costs: lower-case
the text and walk the automaton, nothing else. Finally the ``safeclass
moderate`` command is timed end to end, process start included.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import ahocorasick
from _corpus import (
    CORPUS,
    Action,
    Message,
    Overall,
    check,
    engine_verdicts,
    fmt,
    lexicon,
    load,
    load_peers,
    overall,
    warm_up,
)

TARGET_RATE = 20_000  # messages per second on one core
TARGET_P99_US = 1_000.0
CLI_TIMEOUT_SECONDS = 600
PROBE = 100  # messages timed first to estimate what a whole run would cost
MIN_SAMPLE = 500


@dataclass(frozen=True, slots=True)
class Timing:
    name: str
    messages: int
    seconds: float  # the plain loop, for throughput
    p50_us: float
    p99_us: float
    max_us: float

    @property
    def rate(self) -> float:
        return self.messages / self.seconds


def percentile(ordered: Sequence[int], fraction: float) -> int:
    """Nearest-rank percentile of an ascending sequence."""
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def measure(
    name: str, call: Callable[[Message], object], messages: Sequence[Message], budget: float
) -> Timing:
    """Throughput and latencies of ``call``; a slow system runs on a sample instead.

    The two loops together should take about ``budget`` seconds at most: a probe
    on a few messages estimates the cost, and when all the messages would take
    longer, a fixed random sample of them is used (at least ``MIN_SAMPLE``).
    """
    probe = messages[:: max(1, len(messages) // PROBE)]
    start = time.perf_counter_ns()
    for message in probe:
        call(message)
    per_message = (time.perf_counter_ns() - start) / 1e9 / len(probe)
    if 2 * per_message * len(messages) > budget:
        wanted = max(MIN_SAMPLE, int(budget / (2 * per_message)))
        messages = random.Random(0).sample(messages, min(wanted, len(messages)))

    start = time.perf_counter_ns()
    for message in messages:
        call(message)
    elapsed = time.perf_counter_ns() - start
    latencies = []
    for message in messages:
        before = time.perf_counter_ns()
        call(message)
        latencies.append(time.perf_counter_ns() - before)
    latencies.sort()
    return Timing(
        name=name,
        messages=len(messages),
        seconds=elapsed / 1e9,
        p50_us=percentile(latencies, 0.50) / 1e3,
        p99_us=percentile(latencies, 0.99) / 1e3,
        max_us=latencies[-1] / 1e3,
    )


def engine_call(message: Message) -> object:
    return check(message.text, sender_role=message.sender, on_roster=message.on_roster)


def ceiling_automaton() -> tuple[ahocorasick.Automaton, int]:
    """One automaton over every key of the engine's lexicons, padded as the engine pads them."""
    automaton = ahocorasick.Automaton()
    for key, _entry in lexicon.entries():
        automaton.add_word(f" {key} ", key)
    automaton.make_automaton()
    return automaton, len(automaton)


def ceiling_call(automaton: ahocorasick.Automaton) -> Callable[[Message], object]:
    def call(message: Message) -> object:
        for _match in automaton.iter(f" {message.text.lower()} "):
            pass
        return None

    return call


@dataclass(frozen=True, slots=True)
class CliRun:
    lines: int
    seconds: float  # the whole run, process start included
    startup_seconds: float  # the same command with nothing to read

    @property
    def rate(self) -> float:
        return self.lines / self.seconds


def run_cli(messages: Sequence[Message]) -> CliRun | str:
    """Time ``safeclass moderate`` on the messages; a note instead when it cannot run."""
    command = Path(sys.executable).with_name("safeclass")
    if not command.exists():
        return f"{command} does not exist"
    lines = "".join(
        json.dumps({"id": f"{m.id}#{n}", "text": m.text, "sender": m.sender}, ensure_ascii=False)
        + "\n"
        for n, m in enumerate(messages)
    ).encode()

    def run(stdin: bytes) -> tuple[float, subprocess.CompletedProcess[bytes]]:
        start = time.perf_counter()
        done = subprocess.run(  # noqa: S603 (our own command, no shell)
            [str(command), "moderate"],
            input=stdin,
            capture_output=True,
            timeout=CLI_TIMEOUT_SECONDS,
            check=False,
        )
        return time.perf_counter() - start, done

    try:
        seconds, done = run(lines)
        if done.returncode != 0:
            error = done.stderr.decode(errors="replace").strip().splitlines()
            return f"`safeclass moderate` exited {done.returncode}: {error[0] if error else ''}"
        answered = done.stdout.count(b"\n")
        if answered != len(messages):
            return f"`safeclass moderate` answered {answered} lines for {len(messages)} messages"
        startup, _ = run(b"")
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"`safeclass moderate` could not be run: {error}"
    return CliRun(len(messages), seconds, startup)


def processor() -> str:
    name = platform.processor()
    if not name or name == platform.machine():
        try:
            for line in Path("/proc/cpuinfo").read_text().splitlines():
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
    return name or platform.machine()


def against(met: bool, text: str) -> str:
    return f"target {text}: {'met' if met else 'NOT MET'}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000, metavar="N")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--json", type=Path, metavar="PATH", help="write the figures as JSON")
    parser.add_argument(
        "--budget",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="time allowed per system; a slower one is measured on a sample",
    )
    parser.add_argument("--no-cli", action="store_true", help="skip the `safeclass moderate` run")
    args = parser.parse_args(argv)

    corpus = load(args.corpus)
    if not corpus.messages:
        print(f"No messages in {corpus.path}")
        return 0
    repeats = max(1, math.ceil(args.messages / len(corpus.messages)))
    messages = corpus.messages * repeats
    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores

    now = datetime.now(UTC)
    print(f"Moderation speed, {now:%Y-%m-%d %H:%M} UTC")
    print(
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.platform()}"
    )
    print(f"Machine: {processor()}; os.cpu_count() = {cores} ({usable} usable by this process)")
    if hasattr(os, "getloadavg"):
        print(
            f"Load average before the run (1 min): {os.getloadavg()[0]:.2f} (other work skews it)"
        )
    print(f"Corpus {corpus.path}: {corpus.describe()}")
    print(
        f"Messages: the corpus {repeats}× = {len(messages):,}, one process, one thread "
        "(the figures are per core)"
    )
    print()

    warm_up()
    automaton, keys = ceiling_automaton()
    peers, notes = load_peers()
    timings = [measure("safeclass engine check()", engine_call, messages, args.budget)]
    timings.append(
        measure("ceiling: bare pyahocorasick", ceiling_call(automaton), messages, args.budget)
    )
    for peer in peers:
        flags = peer.flags
        timings.append(
            measure(peer.title, lambda m, flags=flags: flags(m.text), messages, args.budget)
        )
    engine, ceiling = timings[0], timings[1]

    print(
        f"  {'system':<30} {'msgs/s':>10} {'p50 µs':>8} {'p99 µs':>8} {'max µs':>9} {'messages':>8}"
    )
    for timing in timings:
        sampled = " (random sample: too slow for all)" if timing.messages < len(messages) else ""
        print(
            f"  {timing.name:<30} {timing.rate:>10,.0f} {timing.p50_us:>8.1f} "
            f"{timing.p99_us:>8.1f} {timing.max_us:>9.1f} {timing.messages:>8,}{sampled}"
        )
    print(
        f"  engine {against(engine.rate >= TARGET_RATE, f'≥ {TARGET_RATE:,} msgs/s per core')}; "
        f"{against(engine.p99_us <= TARGET_P99_US, f'p99 ≤ {TARGET_P99_US:,.0f} µs')}"
    )
    print(
        f"  engine / ceiling: {engine.rate / ceiling.rate:.3f} of the bare automaton's "
        f"throughput (ceiling automaton: {keys:,} keys, every lexicon.entries() key)"
    )
    for note in notes:
        print(f"  peer skipped: {note}")

    # Quality on the corpus itself (once, not repeated), to read the speed against.
    stopped = [v.action != Action.ALLOW for v in engine_verdicts(corpus.messages)]
    quality: dict[str, Overall] = {"safeclass engine": overall(corpus.messages, stopped)["all"]}
    for peer in peers:
        flags = [peer.flags(m.text) for m in corpus.messages]
        quality[peer.title] = overall(corpus.messages, flags)["all"]
    print()
    print(f"Quality on {corpus.path.name} (a message is flagged when the engine does not allow it,")
    print("or when a peer says it contains bad words; the tuning corpus: see")
    print("bench/moderation_eval.py for the held-out corpus, the honest estimate):")
    print(f"  {'system':<30} {'precision':>9} {'recall':>7} {'FPR':>7}")
    for name, score in quality.items():
        print(f"  {name:<30} {fmt(score.precision):>9} {fmt(score.recall):>7} {fmt(score.fpr):>7}")

    print()
    cli: CliRun | str = "skipped (--no-cli)" if args.no_cli else run_cli(messages)
    if isinstance(cli, CliRun):
        print(
            f"CLI `safeclass moderate`, {cli.lines:,} JSON lines end to end: "
            f"{cli.rate:,.0f} lines/s including process start "
            f"({cli.seconds:.2f} s; start-up alone {cli.startup_seconds:.2f} s)"
        )
    else:
        print(f"CLI `safeclass moderate` not measured: {cli}")

    if args.json:
        figures = {
            "date": now.isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "platform": platform.platform(),
            "processor": processor(),
            "cpu_count": cores,
            "usable_cpus": usable,
            "load_average_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
            "corpus": {"path": str(corpus.path), "lines": len(corpus.messages)},
            "messages": len(messages),
            "targets": {"msgs_per_s_min": TARGET_RATE, "p99_us_max": TARGET_P99_US},
            "timings": [{**asdict(t), "msgs_per_s": t.rate} for t in timings],
            "engine_over_ceiling": engine.rate / ceiling.rate,
            "ceiling_keys": keys,
            "quality": {name: score.as_dict() for name, score in quality.items()},
            "cli": {**asdict(cli), "lines_per_s": cli.rate}
            if isinstance(cli, CliRun)
            else {"skipped": cli},
            "peers_skipped": notes,
        }
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", "utf-8")
        print(f"\nFigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
