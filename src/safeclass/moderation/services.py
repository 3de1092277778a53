"""Moderation services: run the engine with a school's policy and keep the verdicts."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from safeclass.accounts import selectors as account_selectors
from safeclass.audit.services import audit_record
from safeclass.core.context import Actor
from safeclass.core.errors import ServiceError
from safeclass.core.roles import Role
from safeclass.moderation import selectors
from safeclass.moderation.engine import (
    Action,
    Category,
    Policy,
    Sender,
    Verdict,
    check,
    warm_up,
)
from safeclass.moderation.engine.images import ImageError, PreparedImage, prepare
from safeclass.moderation.engine.reasons import reason_for
from safeclass.moderation.hashlists import ImageCheck, check_image, match_hash
from safeclass.moderation.models import ModerationEvent, SchoolPolicy
from safeclass.notify import services as notify_services

if TYPE_CHECKING:
    from safeclass.orgs.models import Unit


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    event: ModerationEvent | None
    # Set when the sender is muted: nothing was checked or stored.
    muted_until: datetime | None = None


def prepare_engine() -> None:
    """Build the engine's lexicon automata now (about three seconds), as a server
    process starts, rather than in the first chat message it stores."""
    warm_up()


def assess(
    *, school_id: int, sender: Any, sender_role: Sender, on_roster: bool, text: str
) -> Outcome:
    """The verdict on one message and whether its sender is muted now; stores nothing.

    An "allow" for a sender who is not muted leaves nothing to keep; any other
    outcome is kept by :func:`moderate`, which may be handed this assessment.
    """
    policy = selectors.policy_for(school_id)
    verdict = check(text, sender_role=sender_role, on_roster=on_roster, policy=policy)
    # Strikes never mute a teacher, so their strikes are not read.
    if sender_role != Sender.TEACHER:
        until = selectors.muted_until(school_id=school_id, sender=sender, policy=policy)
        if until is not None:
            return Outcome(verdict=verdict, event=None, muted_until=until)
    return Outcome(verdict=verdict, event=None)


def verdict_under(policy: Policy, *, text: str, sender_role: Sender, on_roster: bool) -> Verdict:
    """The engine's verdict on ``text`` under a policy the caller already holds (from
    ``selectors.policy_for``); reads nothing, so an event loop may call it."""
    return check(text, sender_role=sender_role, on_roster=on_roster, policy=policy)


def moderate(
    *,
    school: Unit,
    sender: Any,
    sender_role: Sender,
    on_roster: bool,
    text: str,
    context: str,
    counsellor_url: str = "",
    assessed: Outcome | None = None,
) -> Outcome:
    """Check one message; store every verdict other than "allow" (with its reasons).

    Runs inside the caller's transaction, so the stored message and its
    verdict stand or fall together. A self-harm finding tells the school's
    counsellors (in the app) at once. ``assessed``: this message's
    :func:`assess`, when the caller already made it.
    """
    outcome = assessed or assess(
        school_id=school.pk,
        sender=sender,
        sender_role=sender_role,
        on_roster=on_roster,
        text=text,
    )
    verdict = outcome.verdict
    if outcome.muted_until is not None or verdict.action == Action.ALLOW:
        return outcome
    event = ModerationEvent.objects.create(
        school=school,
        context=context[:60],
        sender=sender,
        sender_role=str(sender_role),
        on_roster=on_roster,
        action=verdict.action.label,
        categories=[str(category) for category in verdict.categories],
        reasons=[{"category": str(r.category), "vi": r.vi, "en": r.en} for r in verdict.reasons],
        findings=[
            {"category": f.category, "evidence": f.evidence, "source": f.source}
            for f in verdict.findings
        ],
        text=text,
        text_sha256=hashlib.sha256(text.encode()).hexdigest(),
        report=verdict.report,
        counsellor=verdict.counsellor,
        strike=verdict.strike,
    )
    if verdict.counsellor:
        counsellors = [
            membership.user
            for membership in account_selectors.memberships_at_unit(school.pk)
            if membership.role == Role.COUNSELLOR
        ]
        notify_services.notify(
            recipients=counsellors,
            kind="moderation.self_harm",
            subject=gettext_noop("A student may need support now"),
            body=gettext_noop(
                "A message in a lesson suggests that %(name)s may be thinking of self-harm. "
                "It was not shown to the class. Please reach out today."
            ),
            params={"name": getattr(sender, "full_name", "")},
            url=counsellor_url,
        )
    return Outcome(verdict=verdict, event=event)


# Uploads larger than this are refused before they are decoded.
MAX_IMAGE_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class ImageOutcome:
    """``image`` is the clean copy to store and show; ``blocked`` when it matched a hash list."""

    image: PreparedImage
    check: ImageCheck
    event: ModerationEvent | None

    @property
    def blocked(self) -> bool:
        return self.check.matched


def moderate_image(
    *,
    school: Unit,
    sender: Any,
    sender_role: Sender,
    on_roster: bool,
    data: bytes,
    context: str,
) -> ImageOutcome:
    """Check one uploaded image against the hash lists (CLS-2).

    Unreadable or oversized uploads raise :class:`ServiceError` and change
    nothing. An image that matches a list is blocked and kept as a reported
    moderation event with its PDQ hash and SHA-256, never as a picture: the
    platform must not hold or pass on such material. Runs inside the caller's
    transaction, like :func:`moderate`.
    """
    if len(data) > MAX_IMAGE_BYTES:
        raise ServiceError(
            _("A picture can be at most %(size)s MB.") % {"size": MAX_IMAGE_BYTES // (1024 * 1024)},
            field="image",
        )
    try:
        image = prepare(data)
    except ImageError as error:
        raise ServiceError(
            _("This file is not a picture SafeClass can read (JPEG, PNG, GIF, WebP or BMP)."),
            field="image",
        ) from error
    result = match_hash(image.pdq, image.quality)
    if not result.matched:
        return ImageOutcome(image=image, check=result, event=None)
    reason = reason_for(Category.IMAGE, Action.BLOCK)
    digest = hashlib.sha256(data).hexdigest()
    event = ModerationEvent.objects.create(
        school=school,
        context=context[:60],
        sender=sender,
        sender_role=str(sender_role),
        on_roster=on_roster,
        action=Action.BLOCK.label,
        categories=[str(Category.IMAGE)],
        reasons=[{"category": str(Category.IMAGE), "vi": reason.vi, "en": reason.en}],
        findings=[
            {
                "category": str(Category.IMAGE),
                "evidence": f"{result.label} (distance {result.distance})",
                "source": "pdq",
                "pdq": image.pdq,
                "sha256": digest,
            }
        ],
        text="",
        text_sha256=digest,
        report=True,
        counsellor=False,
        strike=True,
    )
    return ImageOutcome(image=image, check=result, event=event)


__all__ = [
    "MAX_IMAGE_BYTES",
    "ImageCheck",
    "ImageOutcome",
    "Outcome",
    "check_image",
    "moderate",
    "moderate_image",
    "policy_update",
]

ACTION_CHOICES = [action.label for action in Action]


@transaction.atomic
def policy_update(
    *,
    actor: Actor,
    school: Unit,
    allowed_domains: str,
    allowed_phones: str,
    actions: dict[str, dict[str, str]],
    mute_after: int,
    mute_window_minutes: int,
    mute_minutes: int,
) -> SchoolPolicy:
    """Change a school's policy (school IT admins and leaders), audited."""
    domains = [line.strip().lower() for line in allowed_domains.splitlines() if line.strip()]
    for domain in domains:
        if "/" in domain or " " in domain or "." not in domain:
            raise ServiceError(
                _("“%(domain)s” is not a web site name like school.edu.vn.") % {"domain": domain},
                field="allowed_domains",
            )
    clean: dict[str, dict[str, str]] = {}
    for sender, per_category in actions.items():
        if sender not in Sender.__members__.values():
            raise ServiceError(_("Unknown kind of sender."))
        for category, action in per_category.items():
            if category not in Category.__members__.values() or action not in ACTION_CHOICES:
                raise ServiceError(_("Choose allow, mask, hold or block."))
            if category in {Category.SEXUAL, Category.GROOMING} and action != "block":
                raise ServiceError(
                    _("Sexual content and grooming are always blocked and reported."),
                    field="actions",
                )
            clean.setdefault(sender, {})[category] = action
    if not (0 <= mute_after <= 20 and 1 <= mute_window_minutes <= 240 and 1 <= mute_minutes <= 240):
        raise ServiceError(
            _("Muting needs 0–20 violations within 1–240 minutes, for 1–240 minutes.")
        )
    policy, _created = SchoolPolicy.objects.update_or_create(
        school=school,
        defaults={
            "allowed_domains": "\n".join(domains),
            "allowed_phones": allowed_phones.strip(),
            "actions": clean,
            "mute_after": mute_after,
            "mute_window_minutes": mute_window_minutes,
            "mute_minutes": mute_minutes,
            "updated_by": account_selectors.acting_user(actor),
        },
    )
    selectors.policy_for.changed(school.pk)
    audit_record(
        action="moderation.policy_update",
        actor=actor,
        target=policy,
        unit_id=school.pk,
        data={"domains": len(domains), "actions": clean, "mute_after": mute_after},
    )
    return policy
