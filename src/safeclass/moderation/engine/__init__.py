"""The moderation engine: pure Python, no Django, usable and benchmarkable alone.

    >>> from safeclass.moderation.engine import check, Sender
    >>> check("cac ban oi mo sach trang 12", sender_role=Sender.STUDENT).action.label
    'allow'

``check`` normalises the text (architecture §7), runs every detector, applies
the school's :class:`Policy` for this kind of sender and returns a
:class:`Verdict`. Ordinary messages take the fast path: no span bookkeeping
unless something was found.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Protocol

from safeclass.moderation.engine.detect import Finding, scan
from safeclass.moderation.engine.normalize import nfc
from safeclass.moderation.engine.policy import (
    ALWAYS_REPORT,
    DEFAULT_POLICY,
    STRIKES,
    Action,
    Category,
    Policy,
    Sender,
)
from safeclass.moderation.engine.reasons import Reason, reason_for

__all__ = [
    "DEFAULT_POLICY",
    "Action",
    "Category",
    "Finding",
    "MuteTracker",
    "Policy",
    "Reason",
    "Sender",
    "Verdict",
    "check",
    "warm_up",
]

MASK_CHAR = "*"
# Findings that come from the phrase lexicons (their source is the view's name).
LEXICON_SOURCES = frozenset(
    {"words", "leet", "squeezed", "squeezed2", "joined", "joined-leet", "joined-squeezed",
     "singles", "singles-leet"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Verdict:
    action: Action
    categories: tuple[Category, ...]
    findings: tuple[Finding, ...]
    reasons: tuple[Reason, ...]
    # The text as it may be shown when the action is MASK (NFC-normalised),
    # otherwise the NFC text unchanged.
    text: str
    # Opens a moderation event for the incident process (sexual or grooming
    # content from anyone, anything harmful from someone not on the roster).
    report: bool
    # Goes to the school counsellor (self-harm).
    counsellor: bool
    # Counts towards muting the sender.
    strike: bool

    @property
    def allowed(self) -> bool:
        return self.action == Action.ALLOW

    def as_dict(self) -> dict[str, object]:
        return {
            "action": self.action.label,
            "categories": [str(category) for category in self.categories],
            "text": self.text,
            "report": self.report,
            "counsellor": self.counsellor,
            "reasons": [
                {"category": str(r.category), "vi": r.vi, "en": r.en} for r in self.reasons
            ],
            "spans": [
                {"category": f.category, "start": f.start, "end": f.end, "evidence": f.evidence}
                for f in self.findings
            ],
        }


_ORDER = {category: position for position, category in enumerate(Category)}


_SENDERS: dict[str, Sender] = {sender.value: sender for sender in Sender}


def _sender(sender_role: Sender | str, on_roster: bool) -> Sender:
    # A dictionary look-up first: building an enum from its value is slow.
    sender = _SENDERS.get(sender_role) or Sender.parse(sender_role)
    if not on_roster and sender != Sender.TEACHER:
        return Sender.GUEST
    return sender


def _allowed_finding(
    finding: Finding, links: dict[str, str], policy: Policy, phones: set[str]
) -> bool:
    """Findings the school's allow-lists cover: its own domains, its office phone."""
    if finding.category == Category.LINK:
        host = links.get(finding.evidence, "")
        return bool(host) and policy.allows_domain(host)
    if finding.category == Category.PERSONAL_DATA and finding.source == "phone":
        digits = "".join(ch for ch in finding.evidence.replace("o", "0") if ch.isdigit())
        if digits.startswith("84"):
            digits = "0" + digits[2:]
        return digits in phones
    return False


_CATEGORIES = {category.value: category for category in Category}


def check(
    text: str,
    *,
    sender_role: Sender | str = Sender.STUDENT,
    on_roster: bool = True,
    policy: Policy = DEFAULT_POLICY,
) -> Verdict:
    """Moderate one chat message."""
    sender = _sender(sender_role, on_roster)
    text = nfc(text)
    result = scan(text)
    if not result.findings:
        return Verdict(Action.ALLOW, (), (), (), text, False, False, False)
    links = {link.text: link.host for link in result.links}
    phones = {p if not p.startswith("84") else "0" + p[2:] for p in policy.allowed_phones}
    findings = [f for f in result.findings if not _allowed_finding(f, links, policy, phones)]
    if not findings:
        return Verdict(Action.ALLOW, (), (), (), text, False, False, False)
    categories = tuple(sorted({_CATEGORIES[f.category] for f in findings}, key=_ORDER.__getitem__))
    actions = {category: policy.action(sender, category) for category in categories}
    action = max(actions.values())
    if sender == Sender.GUEST and action > Action.ALLOW and Category.SELF_HARM not in categories:
        action = Action.BLOCK
    flagged = tuple(c for c in categories if actions[c] > Action.ALLOW)
    reasons = tuple(reason_for(c, actions[c]) for c in flagged)
    report = bool(set(categories) & ALWAYS_REPORT) or (
        sender == Sender.GUEST and action > Action.ALLOW
    )
    shown = text
    spans: tuple[Finding, ...] = tuple(findings)
    if action == Action.MASK:
        # Now, and only now, work out where in the text each finding is.
        tracked = scan(text, tracked=True)
        spans = tuple(
            f
            for f in tracked.findings
            if not _allowed_finding(
                f, {link.text: link.host for link in tracked.links}, policy, phones
            )
        )
        # Personal data: hide the value (the number, the address), not the words
        # around it. A cue without a value we can find ("my address is…") is
        # held for the teacher rather than delivered half-hidden.
        to_mask = [
            f
            for f in spans
            if actions.get(_CATEGORIES[f.category]) == Action.MASK
            and not (f.category == Category.PERSONAL_DATA and f.source in LEXICON_SOURCES)
        ]
        if actions.get(Category.PERSONAL_DATA) == Action.MASK and not any(
            f.category == Category.PERSONAL_DATA for f in to_mask
        ):
            action = Action.HOLD
        shown = mask(text, to_mask) if action == Action.MASK else text
    return Verdict(
        action=action,
        categories=flagged or categories,
        findings=spans,
        reasons=reasons,
        text=shown,
        report=report,
        counsellor=Category.SELF_HARM in categories,
        strike=bool(set(flagged) & STRIKES),
    )


def mask(text: str, findings: list[Finding]) -> str:
    chars = list(text)
    for finding in findings:
        if finding.start < 0:
            continue
        for position in range(finding.start, min(finding.end, len(chars))):
            if not chars[position].isspace():
                chars[position] = MASK_CHAR
    return "".join(chars)


def warm_up() -> None:
    """Build the lexicon automata now rather than on the first message."""
    check("xin chào")


class Clock(Protocol):
    def monotonic(self) -> float: ...


class MuteTracker:
    """Strikes per sender in a sliding window; enough of them mute the sender.

    In memory, for one process (the CLI, the benchmark); the Django layer
    keeps strikes in the database so every server process agrees.
    """

    def __init__(self, policy: Policy = DEFAULT_POLICY, clock: Clock | None = None) -> None:
        self._policy = policy
        self._now = clock.monotonic if clock is not None else time.monotonic
        self._strikes: dict[str, deque[float]] = {}
        self._muted_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def muted(self, sender_key: str) -> bool:
        with self._lock:
            return bool(self._muted_until.get(sender_key, 0.0) > self._now())

    def record(self, sender_key: str, verdict: Verdict) -> bool:
        """Count the verdict's strike; returns whether the sender is now muted."""
        if not verdict.strike:
            return self.muted(sender_key)
        now = self._now()
        with self._lock:
            strikes = self._strikes.setdefault(sender_key, deque())
            strikes.append(now)
            while strikes and strikes[0] < now - self._policy.mute_window_seconds:
                strikes.popleft()
            if len(strikes) >= self._policy.mute_after:
                self._muted_until[sender_key] = now + self._policy.mute_seconds
                strikes.clear()
            return bool(self._muted_until.get(sender_key, 0.0) > now)
