"""Credential slips: one printable page per student (ACC-2, ACC-4, FAM-1).

Printing slips issues a fresh activation code for every student who has not
activated yet (codes are stored only as digests, so they cannot be printed
twice) and a fresh parent link code for every student. The old codes stop
working, so a slip that went astray is harmless once new ones are printed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction

from safeclass.accounts import services as account_services
from safeclass.audit.services import audit_record
from safeclass.classes.models import Enrollment, SchoolClass
from safeclass.core.context import Actor

if TYPE_CHECKING:
    from safeclass.accounts.models import User


@dataclass(frozen=True)
class Slip:
    student: User
    display_name: str
    roster_no: int
    activation_code: str | None  # None: the account is already active
    activation_link: str | None
    parent_code: str
    parent_link: str


@transaction.atomic
def slips_issue(
    *,
    actor: Actor,
    school_class: SchoolClass,
    enrollment_ids: list[int] | None,
    activation_link_for: Callable[[str, str], str],
    parent_link_for: Callable[[str], str],
) -> list[Slip]:
    from safeclass.classes.selectors import display_names

    enrollments = list(
        Enrollment.objects.filter(school_class=school_class, left_at__isnull=True)
        .select_related("student")
        .order_by("roster_no")
    )
    if enrollment_ids is not None:
        wanted = set(enrollment_ids)
        enrollments = [e for e in enrollments if e.pk in wanted]
    slips = []
    for entry in display_names(school_class, enrollments):
        student = entry.enrollment.student
        code = None
        if student.activated_at is None and student.is_active:
            code = account_services.activation_code_issue(actor=actor, user=student)
        parent_code = account_services.parent_link_code_issue(actor=actor, student=student)
        slips.append(
            Slip(
                student=student,
                display_name=entry.display_name,
                roster_no=entry.enrollment.roster_no,
                activation_code=code,
                activation_link=activation_link_for(student.username, code) if code else None,
                parent_code=parent_code,
                parent_link=parent_link_for(parent_code),
            )
        )
    audit_record(
        action="classes.slips_issue",
        actor=actor,
        target=school_class,
        unit_id=school_class.school_id,
        data={
            "class": school_class.name,
            "slips": len(slips),
            "activation_codes": sum(1 for s in slips if s.activation_code),
        },
    )
    return slips
