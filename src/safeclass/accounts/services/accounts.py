"""Writes about accounts. Each service checks its inputs before it changes
anything, runs in one transaction, and writes its audit row in it."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from safeclass.accounts.models import (
    AccountKind,
    AccountSession,
    ConsentCapacity,
    ConsentRecord,
    Gender,
    Guardianship,
    Language,
    Membership,
    OneTimeToken,
    Relationship,
    TokenPurpose,
    User,
    username_validator,
)
from safeclass.accounts.selectors import (
    CHILD_CONSENT_AGE,
    age_on,
    forget_cached_memberships,
    user_grantable_roles_at,
)
from safeclass.accounts.session_store import IP_KEY, USER_AGENT_KEY
from safeclass.audit.services import audit_record, audit_record_now
from safeclass.core import tokens
from safeclass.core.context import Actor
from safeclass.core.errors import ServiceError
from safeclass.core.phones import normalize_phone
from safeclass.core.roles import SCHOOL_ONLY_ROLES, Role
from safeclass.notify import services as notify_services

RECOVERY_CODE_COUNT = 10


# --- Creating accounts ----------------------------------------------------------


def _clean_identity(
    *, username: str, email: str, phone: str, exclude_id: int | None = None
) -> tuple[str, str, str]:
    username = username.strip().lower()
    try:
        username_validator(username)
    except ValidationError as error:
        raise ServiceError(error.messages[0], field="username") from error
    email = email.strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError as error:
            raise ServiceError(_("Enter a valid email address."), field="email") from error
    normalized_phone = ""
    if phone.strip():
        found = normalize_phone(phone)
        if found is None:
            raise ServiceError(
                _("Enter a Vietnamese phone number, e.g. 0912 345 678."), field="phone"
            )
        normalized_phone = found
    others = User.objects.exclude(pk=exclude_id) if exclude_id else User.objects.all()
    if others.filter(username=username).exists():
        raise ServiceError(_("This username is already taken."), field="username")
    if email and others.filter(email__iexact=email).exists():
        raise ServiceError(_("Another account already uses this email address."), field="email")
    if normalized_phone and others.filter(phone=normalized_phone).exists():
        raise ServiceError(_("Another account already uses this phone number."), field="phone")
    return username, email, normalized_phone


@transaction.atomic
def user_create(
    *,
    actor: Actor,
    username: str,
    full_name: str,
    kind: str,
    email: str = "",
    phone: str = "",
    date_of_birth: date | None = None,
    gender: str = "",
    school: Any = None,
    student_code: str = "",
    password: str | None = None,
    activated: bool = False,
) -> User:
    from safeclass.core.text import normalize_person_name

    full_name = normalize_person_name(full_name)
    if not full_name:
        raise ServiceError(_("Enter the person's full name."), field="full_name")
    if kind not in AccountKind.values:
        raise ServiceError(_("Choose an account type."), field="kind")
    username, email, phone = _clean_identity(username=username, email=email, phone=phone)
    if kind == AccountKind.STUDENT:
        if school is None or not getattr(school, "is_school", False):
            raise ServiceError(_("A student must belong to a school."), field="school")
        if date_of_birth is not None and date_of_birth >= timezone.localdate():
            raise ServiceError(_("The date of birth must be in the past."), field="date_of_birth")
        student_code = student_code.strip()
        if student_code and User.objects.filter(school=school, student_code=student_code).exists():
            raise ServiceError(
                _("Another student of this school already has this student code."),
                field="student_code",
            )
    else:
        school, student_code = None, ""
    if gender not in {"", *Gender.values}:
        raise ServiceError(_("Choose a gender."), field="gender")
    user = User(
        username=username,
        full_name=full_name,
        kind=kind,
        email=email,
        phone=phone,
        date_of_birth=date_of_birth,
        gender=gender,
        school=school,
        student_code=student_code,
    )
    if password:
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            raise ServiceError(" ".join(error.messages), field="password") from error
        user.set_password(password)
        user.password_changed_at = timezone.now()
    else:
        user.set_unusable_password()
    if activated:
        user.activated_at = timezone.now()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:
        raise ServiceError(_("An account with these details already exists.")) from error
    audit_record(
        action="accounts.user_create",
        actor=actor,
        target=user,
        unit_id=school.pk if school is not None else None,
        data={"username": user.username, "kind": kind},
    )
    return user


@transaction.atomic
def user_update_profile(
    *, actor: Actor, user: User, full_name: str, email: str, phone: str
) -> User:
    full_name = " ".join(full_name.split())
    if not full_name:
        raise ServiceError(_("Enter the person's full name."), field="full_name")
    _username, email, phone = _clean_identity(
        username=user.username, email=email, phone=phone, exclude_id=user.pk
    )
    changed = [
        name
        for name, value in (("full_name", full_name), ("email", email), ("phone", phone))
        if getattr(user, name) != value
    ]
    if not changed:
        return user
    for name, value in (("full_name", full_name), ("email", email), ("phone", phone)):
        setattr(user, name, value)
    user.save(update_fields=changed)
    audit_record(action="accounts.user_update", actor=actor, target=user, data={"fields": changed})
    return user


@transaction.atomic
def contact_details_change(
    *, actor: Actor, user: User, email: str, phone: str, current_password: str
) -> User:
    """A person changes their own email or phone.

    These are what password resets and sign-in use, so a change needs the
    current password (a borrowed, unlocked phone must not be enough to take the
    account over) and the old address is told.
    """
    old_email = user.email
    _username, new_email, new_phone = _clean_identity(
        username=user.username, email=email, phone=phone, exclude_id=user.pk
    )
    if (new_email, new_phone) == (user.email, user.phone):
        return user
    if not user.check_password(current_password):
        raise ServiceError(
            _("Enter your current password to change your email or phone number."),
            field="current_password",
        )
    user_update_profile(actor=actor, user=user, full_name=user.full_name, email=email, phone=phone)
    if old_email and old_email != new_email:
        recipient = old_email
        language = user.language
        params = {"name": user.full_name, "username": user.username}
        subject = gettext_noop("Your SafeClass contact details were changed")
        body = gettext_noop(
            "Hello %(name)s,\n\nThe email address or phone number of your SafeClass "
            "account %(username)s was just changed. If you did not do this, contact "
            "your school's IT administrator at once."
        )
        notify_services.email_queue(
            to=recipient, language=language, subject=subject, body=body, params=params
        )
    return user


@dataclass(frozen=True)
class IssuedAccount:
    user: User
    activation_code: str | None


@transaction.atomic
def staff_account_create(
    *,
    actor: Actor,
    unit: Any,
    role: str,
    username: str,
    full_name: str,
    email: str = "",
    phone: str = "",
) -> IssuedAccount:
    """A new staff account with a role at ``unit`` and an activation code for its owner."""
    user = user_create(
        actor=actor,
        username=username,
        full_name=full_name,
        kind=AccountKind.STAFF,
        email=email,
        phone=phone,
    )
    membership_grant(actor=actor, user=user, unit=unit, role=role)
    code = activation_code_issue(actor=actor, user=user)
    return IssuedAccount(user=user, activation_code=code)


@transaction.atomic
def user_set_language(*, user: User, language: str) -> None:
    if language not in Language.values:
        raise ServiceError(_("Choose Vietnamese or English."), field="language")
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


# --- Roles ----------------------------------------------------------------------


@transaction.atomic
def membership_grant(*, actor: Actor, user: User, unit: Any, role: str) -> Membership:
    if role not in Role.values:
        raise ServiceError(_("Choose a role."), field="role")
    if user.kind != AccountKind.STAFF:
        raise ServiceError(_("Only staff accounts can hold a staff role."), field="user")
    if not user.is_active:
        raise ServiceError(_("This account is disabled."), field="user")
    if role in SCHOOL_ONLY_ROLES and not unit.is_school:
        raise ServiceError(_("This role can only be held at a school."), field="role")
    if role == Role.AUTHORITY_OFFICER and unit.is_school:
        raise ServiceError(
            _("Authority officers belong to an education authority, not a school."),
            field="role",
        )
    if actor.user is not None and role not in user_grantable_roles_at(actor.user, unit.path):
        raise ServiceError(_("You cannot grant this role."), field="role")
    if Membership.objects.filter(user=user, unit=unit, role=role, ended_at__isnull=True).exists():
        raise ServiceError(_("This person already has this role here."), field="role")
    membership = Membership.objects.create(
        user=user,
        unit=unit,
        role=role,
        created_by=actor.user if isinstance(actor.user, User) else None,
    )
    forget_cached_memberships(user)
    audit_record(
        action="accounts.membership_grant",
        actor=actor,
        target=membership,
        unit_id=unit.pk,
        data={"user": user.username, "role": role},
    )
    return membership


@transaction.atomic
def membership_end(*, actor: Actor, membership: Membership) -> Membership:
    if membership.ended_at is not None:
        raise ServiceError(_("This role has already ended."))
    if actor.user is not None and membership.role not in user_grantable_roles_at(
        actor.user, membership.unit.path
    ):
        raise ServiceError(_("You cannot remove this role."))
    if actor.user is not None and membership.user_id == actor.user.pk:
        raise ServiceError(_("You cannot remove your own role; ask another administrator."))
    membership.ended_at = timezone.now()
    membership.ended_by = actor.user if isinstance(actor.user, User) else None
    membership.save(update_fields=["ended_at", "ended_by"])
    forget_cached_memberships(membership.user)
    audit_record(
        action="accounts.membership_end",
        actor=actor,
        target=membership,
        unit_id=membership.unit_id,
        data={"user": membership.user.username, "role": membership.role},
    )
    return membership


# --- Guardianship and consent ---------------------------------------------------


@transaction.atomic
def guardianship_create(
    *,
    actor: Actor,
    parent: User,
    student: User,
    relationship: str = Relationship.OTHER,
    verified: bool = False,
) -> Guardianship:
    if parent.kind != AccountKind.PARENT:
        raise ServiceError(_("Only a parent account can be linked to a student."))
    if student.kind != AccountKind.STUDENT:
        raise ServiceError(_("A parent can only be linked to a student."))
    if Guardianship.objects.filter(parent=parent, student=student).exists():
        raise ServiceError(_("This parent is already linked to this student."))
    now = timezone.now()
    link = Guardianship.objects.create(
        parent=parent,
        student=student,
        relationship=relationship,
        verified=verified,
        verified_at=now if verified else None,
        verified_by=actor.user if verified and isinstance(actor.user, User) else None,
    )
    audit_record(
        action="accounts.guardianship_create",
        actor=actor,
        target=link,
        unit_id=student.school_id,
        data={"parent": parent.username, "student": student.username, "verified": verified},
    )
    return link


@transaction.atomic
def guardianship_verify(*, actor: Actor, guardianship: Guardianship) -> Guardianship:
    if guardianship.verified:
        return guardianship
    guardianship.verified = True
    guardianship.verified_at = timezone.now()
    guardianship.verified_by = actor.user if isinstance(actor.user, User) else None
    guardianship.save(update_fields=["verified", "verified_at", "verified_by"])
    audit_record(
        action="accounts.guardianship_verify",
        actor=actor,
        target=guardianship,
        unit_id=guardianship.student.school_id,
        data={"parent": guardianship.parent.username, "student": guardianship.student.username},
    )
    return guardianship


@transaction.atomic
def consent_grant(*, actor: Actor, student: User) -> ConsentRecord:
    """Record consent by the acting person: a verified guardian, or the child (7+)."""
    giver = actor.user
    if not isinstance(giver, User):
        raise ServiceError(_("Sign in to give consent."))
    if giver.pk == student.pk:
        born = student.date_of_birth
        if born is None or age_on(born, timezone.localdate()) < CHILD_CONSENT_AGE:
            raise ServiceError(
                _("Children under %(age)s are represented by their parents.")
                % {"age": CHILD_CONSENT_AGE}
            )
        capacity = ConsentCapacity.CHILD
    elif Guardianship.objects.filter(parent=giver, student=student, verified=True).exists():
        capacity = ConsentCapacity.PARENT
    else:
        raise ServiceError(
            _("Only a guardian confirmed by the school can give consent for this child.")
        )
    if ConsentRecord.objects.filter(
        student=student, given_by=giver, withdrawn_at__isnull=True
    ).exists():
        raise ServiceError(_("You have already given consent."))
    record = ConsentRecord.objects.create(
        student=student,
        given_by=giver,
        capacity=capacity,
        notice_version=settings.SAFECLASS_PRIVACY_NOTICE_VERSION,
        granted_at=timezone.now(),
    )
    audit_record(
        action="accounts.consent_grant",
        actor=actor,
        target=record,
        unit_id=student.school_id,
        data={"student": student.username, "capacity": capacity},
    )
    return record


@transaction.atomic
def consent_withdraw(*, actor: Actor, record: ConsentRecord) -> ConsentRecord:
    if actor.user is None or record.given_by_id != actor.user.pk:
        raise ServiceError(_("Only the person who gave consent can withdraw it."))
    if record.withdrawn_at is not None:
        raise ServiceError(_("This consent has already been withdrawn."))
    record.withdrawn_at = timezone.now()
    record.save(update_fields=["withdrawn_at"])
    audit_record(
        action="accounts.consent_withdraw",
        actor=actor,
        target=record,
        unit_id=record.student.school_id,
        data={"student": record.student.username, "capacity": record.capacity},
    )
    return record


# --- One-time credentials -------------------------------------------------------


def _revoke_tokens(user: User, purpose: str) -> None:
    OneTimeToken.objects.filter(
        user=user, purpose=purpose, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())


@transaction.atomic
def activation_code_issue(*, actor: Actor, user: User) -> str:
    """A new activation code; earlier unused codes stop working. Returned once."""
    if not user.is_active:
        raise ServiceError(_("This account is disabled."))
    _revoke_tokens(user, TokenPurpose.ACTIVATION)
    code = tokens.new_code()
    OneTimeToken.objects.create(
        user=user,
        purpose=TokenPurpose.ACTIVATION,
        digest=tokens.token_digest(TokenPurpose.ACTIVATION, tokens.normalize_code(code)),
        expires_at=timezone.now() + timedelta(seconds=settings.SAFECLASS_ACTIVATION_CODE_TTL),
        created_by=actor.user if isinstance(actor.user, User) else None,
    )
    audit_record(
        action="accounts.activation_code_issue",
        actor=actor,
        target=user,
        unit_id=user.school_id,
        data={"user": user.username},
    )
    return code


def _consume(purpose: str, digest: str, *, user: User | None = None) -> OneTimeToken | None:
    """Mark a live token used; None if it is unknown, used, revoked or expired."""
    now = timezone.now()
    live = OneTimeToken.objects.filter(
        purpose=purpose,
        digest=digest,
        used_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=now,
    )
    if user is not None:
        live = live.filter(user=user)
    token = live.select_related("user").first()
    if token is None:
        return None
    # The conditional UPDATE is what makes the token single-use under races.
    if live.filter(pk=token.pk).update(used_at=now) != 1:
        return None
    token.used_at = now
    return token


def _validate_new_password(user: User, password: str) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise ServiceError(" ".join(error.messages), field="new_password") from error


def _set_password(user: User, password: str) -> None:
    user.set_password(password)
    user.password_changed_at = timezone.now()
    fields = ["password", "password_changed_at"]
    if user.activated_at is None:
        user.activated_at = user.password_changed_at
        fields.append("activated_at")
    user.save(update_fields=fields)


@transaction.atomic
def account_activate(*, actor: Actor, identifier: str, code: str, new_password: str) -> User:
    """The owner turns an activation code into their own password (ACC-2)."""
    from safeclass.accounts.backends import find_user

    user = find_user(identifier)
    digest = tokens.token_digest(TokenPurpose.ACTIVATION, tokens.normalize_code(code))
    invalid = ServiceError(
        _("The account or the activation code is not right, or the code has expired."),
        field="code",
    )
    if user is None or not user.is_active:
        raise invalid
    candidate = OneTimeToken.objects.filter(
        user=user,
        purpose=TokenPurpose.ACTIVATION,
        digest=digest,
        used_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).exists()
    if not candidate:
        raise invalid
    # Check the password before the code is spent, so a weak password does not
    # cost the person their code.
    _validate_new_password(user, new_password)
    if _consume(TokenPurpose.ACTIVATION, digest, user=user) is None:
        raise invalid
    _set_password(user, new_password)
    _end_sessions(user)
    audit_record(
        action="accounts.activate", actor=actor, target=user, unit_id=user.school_id, data={}
    )
    return user


@transaction.atomic
def password_reset_request(
    *, actor: Actor, identifier: str, link_for: Callable[[str], str]
) -> None:
    """Email a reset link if the account has an email address.

    The caller shows the same message whatever happens, so the form does not
    reveal which accounts exist.
    """
    from safeclass.accounts.backends import find_user

    user = find_user(identifier)
    if user is None or not user.is_active or not user.email:
        return
    _revoke_tokens(user, TokenPurpose.PASSWORD_RESET)
    value = tokens.new_link_token()
    OneTimeToken.objects.create(
        user=user,
        purpose=TokenPurpose.PASSWORD_RESET,
        digest=tokens.token_digest(TokenPurpose.PASSWORD_RESET, value),
        expires_at=timezone.now() + timedelta(seconds=settings.SAFECLASS_PASSWORD_RESET_TTL),
    )
    audit_record(action="accounts.password_reset_request", actor=actor, target=user, data={})
    minutes = settings.SAFECLASS_PASSWORD_RESET_TTL // 60
    _queue_email(
        user,
        subject=gettext_noop("Reset your SafeClass password"),
        body=gettext_noop(
            "Hello %(name)s,\n\nSomeone (hopefully you) asked to reset the password of "
            "the SafeClass account %(username)s. Open this link within %(minutes)s "
            "minutes to choose a new password:\n\n%(link)s\n\nIf it was not you, ignore "
            "this email: your password has not changed."
        ),
        params={
            "name": user.full_name,
            "username": user.username,
            "minutes": str(minutes),
            "link": link_for(value),
        },
    )


def password_reset_token_valid(value: str) -> bool:
    return OneTimeToken.objects.filter(
        purpose=TokenPurpose.PASSWORD_RESET,
        digest=tokens.token_digest(TokenPurpose.PASSWORD_RESET, value),
        used_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
        user__is_active=True,
    ).exists()


@transaction.atomic
def password_reset_complete(*, actor: Actor, value: str, new_password: str) -> User:
    digest = tokens.token_digest(TokenPurpose.PASSWORD_RESET, value)
    token = (
        OneTimeToken.objects.filter(
            purpose=TokenPurpose.PASSWORD_RESET,
            digest=digest,
            used_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .select_related("user")
        .first()
    )
    if token is None or not token.user.is_active:
        raise ServiceError(_("This link has expired or was already used. Ask for a new one."))
    _validate_new_password(token.user, new_password)
    if _consume(TokenPurpose.PASSWORD_RESET, digest) is None:
        raise ServiceError(_("This link has expired or was already used. Ask for a new one."))
    user = token.user
    _set_password(user, new_password)
    _end_sessions(user)
    audit_record(action="accounts.password_reset", actor=actor, target=user, data={})
    _notify_password_changed(user)
    return user


# --- Passwords and sessions -----------------------------------------------------


def _end_sessions(user: User, *, keep_session_key: str | None = None) -> int:
    sessions = AccountSession.objects.filter(user=user)
    if keep_session_key:
        sessions = sessions.exclude(session_key=keep_session_key)
    count, _details = sessions.delete()
    return int(count)


@transaction.atomic
def password_change(
    *,
    actor: Actor,
    user: User,
    current_password: str,
    new_password: str,
    keep_session_key: str | None,
) -> User:
    """Change a password; every other session of the account ends."""
    if not user.check_password(current_password):
        raise ServiceError(_("Your current password is not right."), field="current_password")
    if current_password == new_password:
        raise ServiceError(
            _("Choose a password different from the current one."), field="new_password"
        )
    _validate_new_password(user, new_password)
    _set_password(user, new_password)
    ended = _end_sessions(user, keep_session_key=keep_session_key)
    audit_record(
        action="accounts.password_change",
        actor=actor,
        target=user,
        data={"other_sessions_ended": ended},
    )
    _notify_password_changed(user)
    return user


@transaction.atomic
def account_set_active(*, actor: Actor, user: User, active: bool) -> User:
    """Disable or re-enable an account. Disabling ends all its sessions at once."""
    if actor.user is not None and actor.user.pk == user.pk:
        raise ServiceError(_("You cannot disable your own account."))
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    ended = 0 if active else _end_sessions(user)
    if not active:
        _revoke_tokens(user, TokenPurpose.ACTIVATION)
        _revoke_tokens(user, TokenPurpose.PASSWORD_RESET)
        _revoke_tokens(user, TokenPurpose.SIGN_IN)
    audit_record(
        action="accounts.enable" if active else "accounts.disable",
        actor=actor,
        target=user,
        unit_id=user.school_id,
        data={"sessions_ended": ended},
    )
    return user


@transaction.atomic
def session_end(*, actor: Actor, user: User, session_key: str) -> None:
    deleted, _details = AccountSession.objects.filter(user=user, session_key=session_key).delete()
    if not deleted:
        raise ServiceError(_("This session has already ended."))
    audit_record(
        action="accounts.session_end",
        actor=actor,
        target=user,
        data={"session": _session_label(session_key)},
    )


@transaction.atomic
def sessions_end_others(*, actor: Actor, user: User, keep_session_key: str) -> int:
    ended = _end_sessions(user, keep_session_key=keep_session_key)
    audit_record(
        action="accounts.sessions_end_others", actor=actor, target=user, data={"ended": ended}
    )
    return ended


def _session_label(session_key: str) -> str:
    """A short, non-secret name for a session in the audit log."""
    return hashlib.sha256(session_key.encode()).hexdigest()[:12]


@transaction.atomic
def login_record(*, actor: Actor, user: User, session: SessionBase) -> None:
    """Called right after Django's ``login`` (which gave the session a new key)."""
    session[IP_KEY] = actor.ip
    session[USER_AGENT_KEY] = actor.user_agent
    session.save()
    audit_record(
        action="accounts.login",
        actor=Actor(user=user, ip=actor.ip),
        target=user,
        data={"session": _session_label(session.session_key or "")},
    )


def login_failure_record(*, actor: Actor, identifier: str) -> None:
    from safeclass.accounts.backends import canonical_identifier

    audit_record_now(
        action="accounts.login_failed",
        actor=actor,
        data={"identifier": canonical_identifier(identifier)},
    )


def logout_record(*, actor: Actor) -> None:
    if actor.user is not None:
        audit_record_now(action="accounts.logout", actor=actor, target=None, data={})


# --- Second factor (TOTP) -------------------------------------------------------


def totp_pending_device(user: User) -> TOTPDevice:
    """The unconfirmed authenticator being set up, created on first request."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="SafeClass", confirmed=False)
    return device


@transaction.atomic
def totp_confirm(*, actor: Actor, user: User, device: TOTPDevice, token: str) -> list[str]:
    """Confirm an authenticator with a code from it; returns new recovery codes."""
    if device.user_id != user.pk or device.confirmed:
        raise ServiceError(_("Start the set-up again."))
    if not device.verify_token(token.strip().replace(" ", "")):
        raise ServiceError(
            _("That code is not right. Check the time on your phone and try the newest code."),
            field="token",
        )
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _recovery_codes_replace(user)
    audit_record(action="accounts.totp_enable", actor=actor, target=user, data={})
    return codes


def _recovery_codes_replace(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    codes = [tokens.new_code()[:9] for _ in range(RECOVERY_CODE_COUNT)]
    for code in codes:
        StaticToken.objects.create(device=device, token=tokens.normalize_code(code).lower())
    return codes


@transaction.atomic
def recovery_codes_regenerate(*, actor: Actor, user: User) -> list[str]:
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ServiceError(_("Set up an authenticator app first."))
    codes = _recovery_codes_replace(user)
    audit_record(action="accounts.recovery_codes_regenerate", actor=actor, target=user, data={})
    return codes


@transaction.atomic
def second_factor_reset(*, actor: Actor, user: User) -> None:
    """Remove a person's authenticator (lost phone); they set up a new one at next sign-in."""
    removed, _details = TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    _end_sessions(user)
    audit_record(action="accounts.totp_reset", actor=actor, target=user, data={"removed": removed})


@transaction.atomic
def second_factor_disable(*, actor: Actor, user: User, password: str) -> None:
    """A teacher who opted in may turn TOTP off again; leaders and officers may not."""
    from safeclass.accounts.selectors import user_role_requires_second_factor

    if user_role_requires_second_factor(user):
        raise ServiceError(_("Your role requires two-step verification."))
    if not user.check_password(password):
        raise ServiceError(_("Your current password is not right."), field="password")
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit_record(action="accounts.totp_disable", actor=actor, target=user, data={})


def second_factor_verify_record(*, actor: Actor, user: User, success: bool) -> None:
    audit_record_now(
        action="accounts.totp_verify" if success else "accounts.totp_failed",
        actor=Actor(user=user, ip=actor.ip),
        target=user,
        data={},
    )


# --- Mail -----------------------------------------------------------------------


def _queue_email(user: User, *, subject: str, body: str, params: dict[str, str]) -> None:
    notify_services.email_queue(
        to=user.email, language=user.language, subject=subject, body=body, params=params
    )


def _notify_password_changed(user: User) -> None:
    if not user.email:
        return
    with translation.override(user.language):
        when = timezone.localtime().strftime("%H:%M %d/%m/%Y")
    _queue_email(
        user,
        subject=gettext_noop("Your SafeClass password was changed"),
        body=gettext_noop(
            "Hello %(name)s,\n\nThe password of your SafeClass account %(username)s was "
            "changed at %(when)s, and every other signed-in device was signed out.\n\n"
            "If you did not do this, contact your school's IT administrator at once."
        ),
        params={"name": user.full_name, "username": user.username, "when": when},
    )


@transaction.atomic
def demo_password_set(*, user: User, password: str) -> None:
    """The demo accounts' shared, printed password. Demo mode only."""
    if not settings.DEMO_MODE or settings.PRODUCTION:
        raise ServiceError("Demo passwords exist only in demo mode.")
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "password_changed_at"])


@transaction.atomic
def user_rename(*, actor: Actor, user: User, full_name: str, unit_id: int | None = None) -> User:
    """Correct the real name of an account (done by the school, never by students)."""
    from safeclass.core.text import normalize_person_name

    name = normalize_person_name(full_name)
    if not name:
        raise ServiceError(_("Enter the person's full name."), field="full_name")
    if name == user.full_name:
        return user
    old = user.full_name
    user.full_name = name
    user.save(update_fields=["full_name"])
    audit_record(
        action="accounts.user_rename",
        actor=actor,
        target=user,
        unit_id=unit_id if unit_id is not None else user.school_id,
        data={"from": old, "to": name},
    )
    return user


def username_for_student(full_name: str, date_of_birth: date | None) -> str:
    """A memorable, unique username: given name, initials, birth year.

    "Nguyễn Minh An", born 2016 → "an.nm16" (then "an.nm16.2", … if taken).
    """
    from safeclass.core.text import alnum_folded

    words = [alnum_folded(word) for word in full_name.split()]
    words = [word for word in words if word]
    given = words[-1] if words else "hs"
    initials = "".join(word[0] for word in words[:-1])
    year = f"{date_of_birth.year % 100:02d}" if date_of_birth else ""
    base = f"{given}.{initials}{year}".strip(".")
    if len(base) < 3:
        base = f"hs.{base}"
    base = base[:56]
    candidate, number = base, 1
    while User.objects.filter(username=candidate).exists():
        number += 1
        candidate = f"{base}.{number}"
    return candidate


@transaction.atomic
def student_update(
    *,
    actor: Actor,
    student: User,
    full_name: str,
    date_of_birth: date | None,
    gender: str,
    student_code: str,
) -> list[str]:
    """Apply roster data to an existing student; returns the fields that changed."""
    from safeclass.core.text import normalize_person_name

    values: dict[str, object] = {
        "full_name": normalize_person_name(full_name),
        "date_of_birth": date_of_birth,
        "gender": gender,
        "student_code": student_code.strip(),
    }
    # An empty cell in a re-imported file never erases what the school knew.
    changed = [
        field
        for field, value in values.items()
        if value not in ("", None) and getattr(student, field) != value
    ]
    if not changed:
        return []
    for field in changed:
        setattr(student, field, values[field])
    student.save(update_fields=changed)
    audit_record(
        action="accounts.student_update",
        actor=actor,
        target=student,
        unit_id=student.school_id,
        data={"fields": changed},
    )
    return changed
