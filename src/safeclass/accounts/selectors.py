"""Reads about accounts, and the scope rules every other app builds on.

A staff role held at a unit reaches the unit's subtree: a role at ``/1/5/``
applies at ``/1/5/9/``. ``user_capabilities_at`` is the one place that turns a
person's memberships into what they may do at a unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from safeclass.accounts.models import (
    AccountKind,
    AccountSession,
    ConsentCapacity,
    ConsentRecord,
    Guardianship,
    Membership,
    User,
)
from safeclass.core.errors import Forbidden, NotFound
from safeclass.core.paths import subtree_q
from safeclass.core.roles import (
    SECOND_FACTOR_REQUIRED,
    Capability,
    capabilities_of,
    grantable_by,
)

ALL_CAPABILITIES = frozenset(Capability)
_CACHE_ATTR = "_safeclass_memberships"

# Decree 13/2023/NĐ-CP art. 20: a child of 7 or more consents as well as the parent.
CHILD_CONSENT_AGE = 7


def _as_user(user: Any) -> User | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user if isinstance(user, User) else None


def active_memberships(user: Any) -> list[Membership]:
    """The person's current staff roles, read once per request object."""
    account = _as_user(user)
    if account is None or not account.is_active:
        return []
    cached: list[Membership] | None = getattr(account, _CACHE_ATTR, None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=account, ended_at__isnull=True, unit__is_active=True)
            .select_related("unit")
            .order_by("unit__path", "role")
        )
        setattr(account, _CACHE_ATTR, cached)
    return cached


def forget_cached_memberships(user: Any) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def user_roles_at(user: Any, unit_path: str) -> frozenset[str]:
    return frozenset(m.role for m in active_memberships(user) if unit_path.startswith(m.unit.path))


def user_capabilities_at(user: Any, unit_path: str) -> frozenset[Capability]:
    account = _as_user(user)
    if account is None or not account.is_active:
        return frozenset()
    if account.is_superuser:
        return ALL_CAPABILITIES
    return capabilities_of(user_roles_at(account, unit_path))


def user_has_capability(user: Any, unit_path: str, capability: Capability) -> bool:
    return capability in user_capabilities_at(user, unit_path)


def user_grantable_roles_at(user: Any, unit_path: str) -> frozenset[str]:
    account = _as_user(user)
    if account is None:
        return frozenset()
    if account.is_superuser:
        return grantable_by({"authority_officer"})
    return grantable_by(user_roles_at(account, unit_path))


def user_scope_paths(user: Any, capability: Capability | None = None) -> list[str]:
    """Top-most unit paths where the person holds a role (with the capability, if given)."""
    account = _as_user(user)
    if account is None or not account.is_active:
        return []
    if account.is_superuser:
        return ["/"]
    paths = sorted(
        {
            m.unit.path
            for m in active_memberships(account)
            if capability is None or capability in capabilities_of({m.role})
        }
    )
    top: list[str] = []
    for path in paths:
        if not any(path.startswith(kept) for kept in top):
            top.append(path)
    return top


def user_requires_second_factor(user: Any) -> bool:
    """Leaders and officers must use TOTP; anyone who enrolled a device uses it too."""
    account = _as_user(user)
    if account is None:
        return False
    if any(m.role in SECOND_FACTOR_REQUIRED for m in active_memberships(account)):
        return True
    return bool(user_has_device(account, confirmed=True))


def user_role_requires_second_factor(user: Any) -> bool:
    return any(m.role in SECOND_FACTOR_REQUIRED for m in active_memberships(user))


def user_sessions(user: User) -> QuerySet[AccountSession]:
    return AccountSession.objects.filter(user=user, expire_date__gt=timezone.now()).order_by(
        "-last_seen_at"
    )


def staff_in_units(paths: list[str]) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(subtree_q("unit__path", paths), ended_at__isnull=True)
        .select_related("user", "unit")
        .order_by("unit__path", "role", "user__full_name")
    )


def memberships_at_unit(unit_id: int) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(unit_id=unit_id, ended_at__isnull=True)
        .select_related("user")
        .order_by("role", "user__full_name")
    )


def students_of_school(school_id: int) -> QuerySet[User]:
    return User.objects.filter(school_id=school_id, kind=AccountKind.STUDENT).order_by("full_name")


def students_in_units(paths: list[str]) -> QuerySet[User]:
    return User.objects.filter(
        subtree_q("school__path", paths), kind=AccountKind.STUDENT, is_active=True
    )


def count_students_in(paths: list[str]) -> int:
    return students_in_units(paths).count()


def children_of(parent: Any) -> QuerySet[Guardianship]:
    account = _as_user(parent)
    if account is None:
        return Guardianship.objects.none()
    return (
        Guardianship.objects.filter(parent=account)
        .select_related("student", "student__school")
        .order_by("student__full_name")
    )


def guardians_of(student: User) -> QuerySet[Guardianship]:
    return Guardianship.objects.filter(student=student).select_related("parent")


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


@dataclass(frozen=True)
class ConsentStatus:
    parent_consent: ConsentRecord | None
    child_required: bool
    child_consent: ConsentRecord | None

    @property
    def complete(self) -> bool:
        return self.parent_consent is not None and (
            not self.child_required or self.child_consent is not None
        )


def student_consent_status(student: User) -> ConsentStatus:
    """Whether the child's data may be shown outside the school (LAW-1)."""
    active = list(
        ConsentRecord.objects.filter(student=student, withdrawn_at__isnull=True).select_related(
            "given_by"
        )
    )
    verified_parents = set(
        Guardianship.objects.filter(student=student, verified=True).values_list(
            "parent_id", flat=True
        )
    )
    parent_consent = next(
        (
            r
            for r in active
            if r.capacity == ConsentCapacity.PARENT and r.given_by_id in verified_parents
        ),
        None,
    )
    child_consent = next(
        (r for r in active if r.capacity == ConsentCapacity.CHILD and r.given_by_id == student.pk),
        None,
    )
    today = timezone.localdate()
    child_required = (
        student.date_of_birth is not None
        and age_on(student.date_of_birth, today) >= CHILD_CONSENT_AGE
    )
    return ConsentStatus(parent_consent, child_required, child_consent)


def consent_history(student: User) -> QuerySet[ConsentRecord]:
    return ConsentRecord.objects.filter(student=student).select_related("given_by")


def access_guarded_student(*, user: Any, student_id: int) -> User:
    """A child as seen by one of their parents; "not found" for anyone else."""
    account = _as_user(user)
    if account is None:
        raise NotFound
    link = (
        Guardianship.objects.filter(parent=account, student_id=student_id)
        .select_related("student", "student__school")
        .first()
    )
    if link is None:
        raise NotFound
    return link.student


def user_sees_student(viewer: Any, student: User) -> bool:
    """The student themself, their guardians, school staff who see students,
    and the teachers of a class they attend."""
    account = _as_user(viewer)
    if account is None:
        return False
    if student.pk == account.pk:
        return True
    if student.school is not None and user_has_capability(
        account, student.school.path, Capability.VIEW_STUDENTS
    ):
        return True
    # A parent sees their child once the school has confirmed the link.
    if Guardianship.objects.filter(parent=account, student=student, verified=True).exists():
        return True
    # Through the reverse relation: a teacher of a class the student attends.
    return bool(
        student.enrollments.filter(
            left_at__isnull=True, school_class__teachings__teacher=account
        ).exists()
    )


def access_student(*, user: Any, student_id: int) -> User:
    """A student, for anyone ``user_sees_student`` allows; "not found" otherwise."""
    student = (
        User.objects.filter(pk=student_id, kind=AccountKind.STUDENT)
        .select_related("school")
        .first()
    )
    if student is None or not user_sees_student(user, student):
        raise NotFound
    return student


def access_guardianship(*, user: Any, guardianship_id: int, capability: Capability) -> Guardianship:
    """A parent-child link, for school staff holding ``capability`` at the child's school."""
    link = (
        Guardianship.objects.select_related("parent", "student", "student__school")
        .filter(pk=guardianship_id)
        .first()
    )
    if link is None or not user_sees_student(user, link.student):
        raise NotFound
    school_path = link.student.school.path if link.student.school else "-"
    if capability in user_capabilities_at(user, school_path):
        return link
    # The homeroom teacher confirms the parents of their own class (FAM-1).
    homeroom = link.student.enrollments.filter(
        left_at__isnull=True,
        school_class__teachings__teacher=user,
        school_class__teachings__is_homeroom=True,
    ).exists()
    if capability == Capability.MANAGE_STUDENTS and homeroom:
        return link
    raise Forbidden


def access_staff_account(*, user: Any, account_id: int, capability: Capability) -> User:
    """A staff account as seen by someone holding ``capability`` where it holds a role."""
    viewer = _as_user(user)
    if viewer is None:
        raise NotFound
    target = User.objects.filter(pk=account_id).first()
    if target is None:
        raise NotFound
    if viewer.pk == target.pk:
        return target
    paths = user_scope_paths(viewer, capability)
    if not paths:
        raise NotFound
    in_scope = Membership.objects.filter(subtree_q("unit__path", paths), user=target).exists()
    if not in_scope:
        raise NotFound
    return target


def user_can_manage_account(viewer: Any, target: User) -> bool:
    """Act on an account as a whole (disable it, reset its second factor).

    Only someone who could have granted every role the account holds may do
    it, so an IT admin cannot lock out the principal, and a school cannot
    disable a teacher who also works for another school.
    """
    account = _as_user(viewer)
    if account is None or account.pk == target.pk:
        return False
    if account.is_superuser:
        return True
    if target.is_superuser:
        return False
    memberships = list(
        Membership.objects.filter(user=target, ended_at__isnull=True).select_related("unit")
    )
    if target.kind == AccountKind.STUDENT:
        return target.school is not None and user_has_capability(
            account, target.school.path, Capability.MANAGE_STUDENTS
        )
    if target.kind == AccountKind.PARENT:
        schools = [link.student.school for link in children_of(target)]
        return bool(schools) and all(
            school is not None
            and user_has_capability(account, school.path, Capability.MANAGE_STUDENTS)
            for school in schools
        )
    if not memberships:
        return False
    return all(
        user_has_capability(account, m.unit.path, Capability.MANAGE_STAFF)
        and m.role in user_grantable_roles_at(account, m.unit.path)
        for m in memberships
    )


def user_has_authenticator(user: User) -> bool:
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def access_own_consent(*, user: Any, record_id: int) -> ConsentRecord:
    """A consent record, to act on: only its giver; others who see the child get 403."""
    account = _as_user(user)
    record = (
        ConsentRecord.objects.filter(pk=record_id)
        .select_related("student", "student__school")
        .first()
    )
    if account is None or record is None or not user_sees_student(account, record.student):
        raise NotFound
    if record.given_by_id != account.pk:
        raise Forbidden
    return record


def staff_account_by_username(username: str) -> User | None:
    return User.objects.filter(username=username.strip().lower(), kind=AccountKind.STAFF).first()


def access_membership(*, user: Any, membership_id: int, capability: Capability) -> Membership:
    membership = (
        Membership.objects.select_related("user", "unit")
        .filter(pk=membership_id, ended_at__isnull=True)
        .first()
    )
    if membership is None:
        raise NotFound
    granted = user_capabilities_at(user, membership.unit.path)
    if Capability.VIEW_UNIT not in granted:
        raise NotFound
    if capability not in granted:
        raise Forbidden
    return membership


def access_managed_account(*, user: Any, account_id: int) -> User:
    """An account the viewer may act on as a whole (see ``user_can_manage_account``)."""
    target = User.objects.select_related("school").filter(pk=account_id).first()
    if target is None:
        raise NotFound
    if user_can_manage_account(user, target):
        return target
    if user_sees_account(user, target):
        raise Forbidden
    raise NotFound


def user_sees_account(viewer: Any, target: User) -> bool:
    """Whether the account lies in the viewer's scope at all (for 403 versus 404)."""
    account = _as_user(viewer)
    if account is None:
        return False
    if account.pk == target.pk or account.is_superuser:
        return True
    if target.kind == AccountKind.STUDENT:
        return user_sees_student(account, target)
    if target.kind == AccountKind.PARENT:
        return any(user_sees_student(account, link.student) for link in children_of(target))
    paths = user_scope_paths(account, Capability.VIEW_UNIT)
    return bool(
        paths
        and Membership.objects.filter(
            subtree_q("unit__path", paths), user=target, ended_at__isnull=True
        ).exists()
    )


def account_memberships(account: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=account)
        .select_related("unit")
        .order_by("ended_at", "unit__path")
    )


def student_by_id(student_id: int) -> User:
    """For callers that already established access by another rule (a teacher's class)."""
    student = (
        User.objects.filter(pk=student_id, kind=AccountKind.STUDENT)
        .select_related("school")
        .first()
    )
    if student is None:
        raise NotFound
    return student


def user_by_username(username: str) -> User | None:
    """For commands run by the platform's operators (no viewer, no scope)."""
    return User.objects.filter(username=username.strip().lower()).first()


def staff_account_by_id(account_id: int) -> User:
    user = User.objects.filter(pk=account_id, kind=AccountKind.STAFF).first()
    if user is None:
        raise NotFound
    return user


def guardianships_prefetch(lookup: str) -> Prefetch[Any]:
    """Prefetch guardianships with their parents, for roster pages."""
    return Prefetch(lookup, queryset=Guardianship.objects.select_related("parent"))


def students_by_code(school_id: int, codes: list[str]) -> dict[str, User]:
    return {
        student.student_code: student
        for student in User.objects.filter(
            school_id=school_id, kind=AccountKind.STUDENT, student_code__in=codes
        )
    }


def class_audience(class_id: int) -> list[User]:
    """A class's current, active students and their confirmed, active parents."""
    students = list(
        User.objects.filter(
            enrollments__school_class_id=class_id,
            enrollments__left_at__isnull=True,
            is_active=True,
        )
    )
    parents = list(
        User.objects.filter(wards__student__in=students, wards__verified=True, is_active=True)
        .exclude(pk__in=[s.pk for s in students])
        .distinct()
    )
    return students + parents


def acting_user(actor: Any) -> User | None:
    """The account behind an ``Actor`` (None for the platform itself)."""
    return _as_user(getattr(actor, "user", None))
