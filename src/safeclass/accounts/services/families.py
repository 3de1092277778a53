"""Families: parents joining, linking to their children, signing young children in.

A parent reaches a child in one of three ways, all recorded:
- an invitation sent to the contact on the school's roster (proves control of
  that email address: the link is confirmed at once);
- the parent link code on the child's slip (confirmed at once when the
  parent's phone or email matches the roster's contact, otherwise it waits for
  the school to confirm);
- the school adding the link itself (``guardianship_create``).

Young children may sign in without a password: a linked parent asks for a
one-time sign-in link, which works once, for 15 minutes, on the first device
that opens it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from safeclass.accounts.models import (
    AccountKind,
    Guardianship,
    OneTimeToken,
    ParentInvitation,
    ParentLinkCode,
    Relationship,
    TokenPurpose,
    User,
)
from safeclass.accounts.services.accounts import _queue_email, user_create
from safeclass.audit.services import audit_record
from safeclass.core import tokens
from safeclass.core.context import Actor
from safeclass.core.errors import ServiceError
from safeclass.core.phones import normalize_phone
from safeclass.notify import services as notify_services

PARENT_CODE_TTL = timedelta(days=120)
INVITATION_TTL = timedelta(days=60)
PARENT_CODE_PURPOSE = "parent_link"
INVITATION_PURPOSE = "parent_invitation"


def _acting_user(actor: Actor) -> User:
    user = actor.user
    if not isinstance(user, User):
        raise ServiceError(_("Sign in first."))
    return user


# --- Link codes on slips -----------------------------------------------------------


@transaction.atomic
def parent_link_code_issue(*, actor: Actor, student: User) -> str:
    """A new parent link code for the child's slip; earlier codes stop working."""
    if student.kind != AccountKind.STUDENT:
        raise ServiceError(_("Only a student has a parent link code."))
    ParentLinkCode.objects.filter(student=student, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    code = tokens.new_code()
    ParentLinkCode.objects.create(
        student=student,
        digest=tokens.token_digest(PARENT_CODE_PURPOSE, tokens.normalize_code(code)),
        expires_at=timezone.now() + PARENT_CODE_TTL,
    )
    return code


def _contact_matches_roster(parent: User, student: User) -> bool:
    contacts = Q(pk__in=[])
    if parent.email:
        contacts |= Q(email__iexact=parent.email)
    if parent.phone:
        contacts |= Q(phone=parent.phone)
    return ParentInvitation.objects.filter(contacts, student=student).exists()


@transaction.atomic
def guardianship_link_with_code(
    *, actor: Actor, code: str, relationship: str = Relationship.OTHER
) -> Guardianship:
    parent = _acting_user(actor)
    if parent.kind != AccountKind.PARENT:
        raise ServiceError(_("Sign in with a parent account to link to a child."), field="code")
    digest = tokens.token_digest(PARENT_CODE_PURPOSE, tokens.normalize_code(code))
    now = timezone.now()
    live = ParentLinkCode.objects.select_for_update(of=("self",)).filter(
        digest=digest, revoked_at__isnull=True, expires_at__gt=now, uses__lt=F("max_uses")
    )
    link_code = live.select_related("student").first()
    if link_code is None:
        raise ServiceError(
            _("This code is not right, has expired or has been used too often."), field="code"
        )
    student = link_code.student
    existing = Guardianship.objects.filter(parent=parent, student=student).first()
    if existing is not None:
        return existing
    ParentLinkCode.objects.filter(pk=link_code.pk).update(uses=F("uses") + 1)
    verified = _contact_matches_roster(parent, student)
    link = Guardianship.objects.create(
        parent=parent,
        student=student,
        relationship=relationship if relationship in Relationship.values else Relationship.OTHER,
        verified=verified,
        verified_at=now if verified else None,
    )
    audit_record(
        action="accounts.guardianship_link_code",
        actor=actor,
        target=link,
        unit_id=student.school_id,
        data={"student": student.username, "verified": verified},
    )
    return link


# --- Invitations from the roster ---------------------------------------------------


@transaction.atomic
def parent_invitations_create(
    *,
    actor: Actor,
    student: User,
    parent_name: str,
    email: str,
    phone: str,
    link_for: Callable[[str], str] | None,
) -> ParentInvitation | None:
    """Record the roster's parent contact and email an invitation to it.

    Nothing happens when a parent with this contact is already linked. A phone
    number alone is kept (no SMS gateway here): it confirms a parent who later
    links with the slip's code from an account with the same number.
    """
    email = email.strip().lower()
    phone = normalize_phone(phone) or "" if phone else ""
    if not email and not phone:
        return None
    linked = Guardianship.objects.filter(student=student)
    if (email and linked.filter(parent__email__iexact=email).exists()) or (
        phone and linked.filter(parent__phone=phone).exists()
    ):
        return None
    pending = ParentInvitation.objects.filter(
        student=student, accepted_at__isnull=True, email=email, phone=phone
    )
    pending.update(expires_at=timezone.now())
    value = tokens.new_link_token()
    invitation = ParentInvitation.objects.create(
        student=student,
        parent_name=" ".join(parent_name.split()),
        email=email,
        phone=phone,
        digest=tokens.token_digest(INVITATION_PURPOSE, value),
        expires_at=timezone.now() + INVITATION_TTL,
        created_by=actor.user if isinstance(actor.user, User) else None,
    )
    audit_record(
        action="accounts.parent_invitation_create",
        actor=actor,
        target=invitation,
        unit_id=student.school_id,
        data={"student": student.username, "by_email": bool(email), "by_phone": bool(phone)},
    )
    if email and link_for is not None:
        school = student.school.name if student.school else ""
        params = {
            "parent": invitation.parent_name or email,
            "child": student.full_name,
            "school": school,
            "link": link_for(value),
            "days": str(INVITATION_TTL.days),
        }
        subject = gettext_noop("Your child's school invites you to SafeClass")
        body = gettext_noop(
            "Hello %(parent)s,\n\n%(school)s uses SafeClass for safe online classes. "
            "Create your parent account and link it to %(child)s with this link (it works "
            "for %(days)s days):\n\n%(link)s\n\nWith it you can follow timetables and "
            "attendance, receive the school's notices, and decide on consent for your "
            "child's data. If you do not know this school, ignore this email."
        )
        language = "vi"
        notify_services.email_queue(
            to=email, language=language, subject=subject, body=body, params=params
        )
    return invitation


def _live_invitation(value: str) -> ParentInvitation | None:
    return (
        ParentInvitation.objects.select_for_update(of=("self",))
        .filter(
            digest=tokens.token_digest(INVITATION_PURPOSE, value),
            accepted_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .select_related("student", "student__school")
        .first()
    )


def invitation_preview(value: str) -> ParentInvitation | None:
    """The invitation behind a link, if it still works (for the signed-out page)."""
    return (
        ParentInvitation.objects.filter(
            digest=tokens.token_digest(INVITATION_PURPOSE, value),
            accepted_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .select_related("student", "student__school")
        .first()
    )


@transaction.atomic
def parent_invitation_accept(
    *, actor: Actor, value: str, relationship: str = Relationship.OTHER
) -> Guardianship:
    parent = _acting_user(actor)
    if parent.kind != AccountKind.PARENT:
        raise ServiceError(_("Sign in with a parent account to accept this invitation."))
    invitation = _live_invitation(value)
    if invitation is None:
        raise ServiceError(_("This invitation has expired or was already used."))
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = parent
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    link = Guardianship.objects.filter(parent=parent, student=invitation.student).first()
    if link is None:
        link = Guardianship.objects.create(
            parent=parent,
            student=invitation.student,
            relationship=relationship
            if relationship in Relationship.values
            else Relationship.OTHER,
            verified=True,
            verified_at=invitation.accepted_at,
        )
    elif not link.verified:
        link.verified, link.verified_at = True, invitation.accepted_at
        link.save(update_fields=["verified", "verified_at"])
    audit_record(
        action="accounts.parent_invitation_accept",
        actor=actor,
        target=link,
        unit_id=invitation.student.school_id,
        data={"student": invitation.student.username},
    )
    return link


@transaction.atomic
def parent_register(*, actor: Actor, full_name: str, email: str, phone: str, password: str) -> User:
    """A parent creates their own account (only from an invitation or a slip code)."""
    if not email.strip() and not phone.strip():
        raise ServiceError(
            _("Enter an email address or a phone number, so that you can sign in."),
            field="email",
        )
    base = (email.split("@")[0] if email else "") or "phuhuynh"
    username = _free_username(base)
    candidate = User(full_name=full_name, username=username, email=email, phone=phone)
    try:
        password_validation.validate_password(password, candidate)
    except ValidationError as error:
        raise ServiceError(" ".join(error.messages), field="new_password") from error
    return user_create(
        actor=actor,
        username=username,
        full_name=full_name,
        kind=AccountKind.PARENT,
        email=email,
        phone=phone,
        password=password,
        activated=True,
    )


def _free_username(base: str) -> str:
    from safeclass.core.text import alnum_folded

    stem = "".join(ch for ch in alnum_folded(base) if ch.isalnum())[:40] or "phuhuynh"
    if len(stem) < 3:
        stem = f"ph{stem}"
    candidate, number = stem, 1
    while User.objects.filter(username=candidate).exists():
        number += 1
        candidate = f"{stem}{number}"
    return candidate


# --- One-time sign-in links for young children -------------------------------------


def _device_digest(device_id: str) -> str:
    return hashlib.sha256(f"device:{device_id}".encode()).hexdigest()


@transaction.atomic
def signin_link_send(
    *, actor: Actor, student: User, link_for: Callable[[str], str]
) -> tuple[str, bool]:
    """A linked, confirmed parent gets a one-time link that signs the child in.

    Returns the link and whether it was emailed (a parent without email sees
    it on their own signed-in screen instead, which reaches the same person).
    """
    parent = _acting_user(actor)
    if not Guardianship.objects.filter(parent=parent, student=student, verified=True).exists():
        raise ServiceError(_("Only a parent confirmed by the school can do this."))
    if not student.is_active:
        raise ServiceError(_("This account is disabled."))
    OneTimeToken.objects.filter(
        user=student, purpose=TokenPurpose.SIGN_IN, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    value = tokens.new_link_token()
    token = OneTimeToken.objects.create(
        user=student,
        purpose=TokenPurpose.SIGN_IN,
        digest=tokens.token_digest(TokenPurpose.SIGN_IN, value),
        expires_at=timezone.now() + timedelta(seconds=settings.SAFECLASS_SIGNIN_LINK_TTL),
        created_by=parent,
        sent_to=parent,
    )
    audit_record(
        action="accounts.signin_link_send",
        actor=actor,
        target=token,
        unit_id=student.school_id,
        data={"student": student.username},
    )
    link = link_for(value)
    if parent.email:
        _queue_email(
            parent,
            subject=gettext_noop("A sign-in link for %(child)s"),
            body=gettext_noop(
                "Hello %(name)s,\n\nOpen this link on the device your child will use. It "
                "signs %(child)s in to SafeClass once, within %(minutes)s minutes, and only "
                "on the first device that opens it:\n\n%(link)s\n\nDo not forward it to "
                "anyone."
            ),
            params={
                "name": parent.full_name,
                "child": student.full_name,
                "minutes": str(settings.SAFECLASS_SIGNIN_LINK_TTL // 60),
                "link": link,
            },
        )
    return link, bool(parent.email)


def _signin_token(value: str) -> OneTimeToken | None:
    return (
        OneTimeToken.objects.select_for_update(of=("self",))
        .filter(
            purpose=TokenPurpose.SIGN_IN,
            digest=tokens.token_digest(TokenPurpose.SIGN_IN, value),
            used_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
            user__is_active=True,
        )
        .select_related("user")
        .first()
    )


@transaction.atomic
def signin_link_bind(*, value: str, device_id: str) -> User:
    """The first device to open the link owns it; any other device is refused."""
    token = _signin_token(value)
    if token is None:
        raise ServiceError(_("This sign-in link has expired or was already used."))
    digest = _device_digest(device_id)
    if token.device_digest and token.device_digest != digest:
        raise ServiceError(_("This sign-in link was already opened on another device."))
    if not token.device_digest:
        token.device_digest = digest
        token.save(update_fields=["device_digest"])
    return token.user


@transaction.atomic
def signin_link_use(*, actor: Actor, value: str, device_id: str) -> User:
    token = _signin_token(value)
    if token is None:
        raise ServiceError(_("This sign-in link has expired or was already used."))
    if token.device_digest != _device_digest(device_id):
        raise ServiceError(_("This sign-in link was already opened on another device."))
    now = timezone.now()
    updated = OneTimeToken.objects.filter(pk=token.pk, used_at__isnull=True).update(used_at=now)
    if updated != 1:
        raise ServiceError(_("This sign-in link has expired or was already used."))
    student = token.user
    if student.activated_at is None:
        # A parent-managed account is verified by the parent the school confirmed.
        student.activated_at = now
        student.save(update_fields=["activated_at"])
    audit_record(
        action="accounts.signin_link_use",
        actor=Actor(user=student, ip=actor.ip),
        target=token,
        unit_id=student.school_id,
        data={"student": student.username, "sent_to": token.sent_to_id},
    )
    return student
