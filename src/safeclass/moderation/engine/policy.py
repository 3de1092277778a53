# ruff: noqa: E501
"""Per-school moderation policy: what each finding does, per kind of sender."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import IntEnum, StrEnum
from types import MappingProxyType


class Action(IntEnum):
    """Ordered by severity: the verdict takes the most severe action of its findings."""

    ALLOW = 0
    MASK = 1
    HOLD = 2
    BLOCK = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Action:
        return cls[value.strip().upper()]


class Category(StrEnum):
    PROFANITY = "profanity"
    HARASSMENT = "harassment"
    VIOLENCE = "violence"
    SELF_HARM = "self_harm"
    SEXUAL = "sexual"
    GROOMING = "grooming"
    PERSONAL_DATA = "personal_data"
    LINK = "link"
    SCAM = "scam"
    IMAGE = "image"


class Sender(StrEnum):
    """Who is writing, as far as moderation cares."""

    STUDENT = "student"
    TEACHER = "teacher"  # any staff member of the class's school
    GUEST = "guest"  # anyone not on the class roster

    @classmethod
    def parse(cls, value: str) -> Sender:
        return cls(value.strip().lower())


A, C, S = Action, Category, Sender
DEFAULT_ACTIONS: Mapping[tuple[Sender, Category], Action] = MappingProxyType({
    (S.STUDENT, C.PROFANITY): A.MASK, (S.TEACHER, C.PROFANITY): A.MASK, (S.GUEST, C.PROFANITY): A.BLOCK,
    (S.STUDENT, C.HARASSMENT): A.HOLD, (S.TEACHER, C.HARASSMENT): A.HOLD, (S.GUEST, C.HARASSMENT): A.BLOCK,
    (S.STUDENT, C.VIOLENCE): A.HOLD, (S.TEACHER, C.VIOLENCE): A.HOLD, (S.GUEST, C.VIOLENCE): A.BLOCK,
    # Self-harm is held for a caring adult, never treated as misbehaviour.
    (S.STUDENT, C.SELF_HARM): A.HOLD, (S.TEACHER, C.SELF_HARM): A.HOLD, (S.GUEST, C.SELF_HARM): A.HOLD,
    (S.STUDENT, C.SEXUAL): A.BLOCK, (S.TEACHER, C.SEXUAL): A.BLOCK, (S.GUEST, C.SEXUAL): A.BLOCK,
    (S.STUDENT, C.GROOMING): A.BLOCK, (S.TEACHER, C.GROOMING): A.BLOCK, (S.GUEST, C.GROOMING): A.BLOCK,
    (S.STUDENT, C.PERSONAL_DATA): A.MASK, (S.TEACHER, C.PERSONAL_DATA): A.ALLOW,
    (S.GUEST, C.PERSONAL_DATA): A.BLOCK,
    (S.STUDENT, C.LINK): A.HOLD, (S.TEACHER, C.LINK): A.ALLOW, (S.GUEST, C.LINK): A.BLOCK,
    (S.STUDENT, C.SCAM): A.BLOCK, (S.TEACHER, C.SCAM): A.HOLD, (S.GUEST, C.SCAM): A.BLOCK,
    (S.STUDENT, C.IMAGE): A.BLOCK, (S.TEACHER, C.IMAGE): A.BLOCK, (S.GUEST, C.IMAGE): A.BLOCK,
})  # fmt: skip

# Findings that always open a moderation event for the incident process,
# whoever sent them.
ALWAYS_REPORT = frozenset({Category.SEXUAL, Category.GROOMING, Category.IMAGE})
# Findings that count towards muting a sender who keeps at it. Children who
# share their own number or a link, or who say they are hurting, are protected,
# not punished.
STRIKES = frozenset(
    {
        Category.PROFANITY,
        Category.HARASSMENT,
        Category.VIOLENCE,
        Category.SEXUAL,
        Category.GROOMING,
        Category.SCAM,
    }
)


@dataclass(frozen=True, slots=True)
class Policy:
    """A school's moderation settings. Immutable; build a new one to change it."""

    actions: Mapping[tuple[Sender, Category], Action] = field(
        default_factory=lambda: DEFAULT_ACTIONS
    )
    # Domains anyone may link to (the school's own site, the textbook publisher…);
    # subdomains included.
    allowed_domains: frozenset[str] = frozenset()
    # Phone numbers anyone may post (the school's office), national form "0xxxxxxxxx".
    allowed_phones: frozenset[str] = frozenset()
    # Repeated violations: this many strikes within the window mute the sender.
    mute_after: int = 3
    mute_window_seconds: int = 600
    mute_seconds: int = 300

    def action(self, sender: Sender, category: Category) -> Action:
        return self.actions.get((sender, category), DEFAULT_ACTIONS[(sender, category)])

    def with_actions(self, changes: Mapping[tuple[Sender, Category], Action]) -> Policy:
        merged = {**self.actions, **changes}
        return replace(self, actions=MappingProxyType(merged))

    def allows_domain(self, host: str) -> bool:
        host = host.lower().strip(".")
        return any(host == domain or host.endswith("." + domain) for domain in self.allowed_domains)


DEFAULT_POLICY = Policy()
