"""Writes about classes (the roster import and timetable build on these)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeclass.accounts import services as account_services
from safeclass.accounts.data import AccountKind
from safeclass.audit.services import audit_record
from safeclass.classes.models import Enrollment, SchoolClass, Subject, Teaching
from safeclass.core.context import Actor
from safeclass.core.errors import ServiceError
from safeclass.core.roles import Role

if TYPE_CHECKING:
    from safeclass.accounts.models import User
    from safeclass.orgs.models import SchoolYear, Unit


@transaction.atomic
def class_create(
    *, actor: Actor, school: Unit, school_year: SchoolYear, name: str, grade: int
) -> SchoolClass:
    name = " ".join(name.split()).upper()
    if not school.is_school:
        raise ServiceError(_("Classes belong to a school."), field="school")
    if not name:
        raise ServiceError(_("Enter the class name, e.g. 5A."), field="name")
    if not 1 <= grade <= 12:
        raise ServiceError(_("The grade must be between 1 and 12."), field="grade")
    if not school.path.startswith(school_year.unit.path):
        raise ServiceError(
            _("This school year does not apply to this school."), field="school_year"
        )
    if SchoolClass.objects.filter(school=school, school_year=school_year, name=name).exists():
        raise ServiceError(
            _("This school already has a class with this name this year."), field="name"
        )
    school_class = SchoolClass.objects.create(
        school=school, school_year=school_year, name=name, grade=grade
    )
    audit_record(
        action="classes.class_create",
        actor=actor,
        target=school_class,
        unit_id=school.pk,
        data={"name": name, "school_year": school_year.name},
    )
    from safeclass.classes.services.rules import rules_publish

    rules_publish(actor=actor, school_class=school_class)
    return school_class


@transaction.atomic
def subject_get_or_create(*, actor: Actor, school: Unit, name: str) -> Subject:
    name = " ".join(name.split())
    if not name:
        raise ServiceError(_("Enter the subject name."), field="name")
    subject = Subject.objects.filter(school=school, name=name).first()
    if subject is None:
        subject = Subject.objects.create(school=school, name=name)
        audit_record(
            action="classes.subject_create",
            actor=actor,
            target=subject,
            unit_id=school.pk,
            data={"name": name},
        )
    return subject


@transaction.atomic
def teaching_assign(
    *,
    actor: Actor,
    teacher: User,
    school_class: SchoolClass,
    subject: Subject | None = None,
    is_homeroom: bool = False,
) -> Teaching:
    if teacher.kind != AccountKind.STAFF or not teacher.is_active:
        raise ServiceError(_("Only an active staff account can teach a class."), field="teacher")
    if not teacher.memberships.filter(
        unit_id=school_class.school_id, role=Role.TEACHER, ended_at__isnull=True
    ).exists():
        raise ServiceError(_("This person is not a teacher of this school."), field="teacher")
    if subject is None and not is_homeroom:
        raise ServiceError(
            _("Choose a subject or make them the homeroom teacher."), field="subject"
        )
    if subject is not None and subject.school_id != school_class.school_id:
        raise ServiceError(_("This subject belongs to another school."), field="subject")
    if is_homeroom and school_class.teachings.filter(is_homeroom=True).exists():
        raise ServiceError(_("This class already has a homeroom teacher."), field="is_homeroom")
    if Teaching.objects.filter(
        teacher=teacher, school_class=school_class, subject=subject
    ).exists():
        raise ServiceError(_("This assignment already exists."))
    teaching = Teaching.objects.create(
        teacher=teacher, school_class=school_class, subject=subject, is_homeroom=is_homeroom
    )
    audit_record(
        action="classes.teaching_assign",
        actor=actor,
        target=teaching,
        unit_id=school_class.school_id,
        data={
            "teacher": teacher.username,
            "class": school_class.name,
            "subject": subject.name if subject else None,
            "homeroom": is_homeroom,
        },
    )
    return teaching


@transaction.atomic
def enrollment_add(
    *, actor: Actor, school_class: SchoolClass, student: User, roster_no: int
) -> Enrollment:
    if student.kind != AccountKind.STUDENT:
        raise ServiceError(_("Only a student can be enrolled in a class."), field="student")
    if student.school_id != school_class.school_id:
        raise ServiceError(_("This student belongs to another school."), field="student")
    if roster_no < 1:
        raise ServiceError(_("The roster number must be 1 or more."), field="roster_no")
    if Enrollment.objects.filter(school_class=school_class, student=student).exists():
        raise ServiceError(_("This student is already in this class."), field="student")
    if Enrollment.objects.filter(
        school_class=school_class, roster_no=roster_no, left_at__isnull=True
    ).exists():
        raise ServiceError(_("Another student has this roster number."), field="roster_no")
    enrollment = Enrollment.objects.create(
        school_class=school_class, student=student, roster_no=roster_no
    )
    audit_record(
        action="classes.enrollment_add",
        actor=actor,
        target=enrollment,
        unit_id=school_class.school_id,
        data={"class": school_class.name, "student": student.username, "roster_no": roster_no},
    )
    return enrollment


@transaction.atomic
def teaching_remove(*, actor: Actor, teaching: Teaching) -> None:
    audit_record(
        action="classes.teaching_remove",
        actor=actor,
        target=teaching,
        unit_id=teaching.school_class.school_id,
        data={
            "teacher": teaching.teacher.username,
            "class": teaching.school_class.name,
            "subject": teaching.subject.name if teaching.subject else None,
            "homeroom": teaching.is_homeroom,
        },
    )
    teaching.delete()


@transaction.atomic
def enrollment_leave(*, actor: Actor, enrollment: Enrollment) -> Enrollment:
    """A student leaves the class: kept in the history, off the current roster."""
    if enrollment.left_at is not None:
        raise ServiceError(_("This student has already left the class."))
    enrollment.left_at = timezone.now()
    enrollment.save(update_fields=["left_at"])
    audit_record(
        action="classes.enrollment_leave",
        actor=actor,
        target=enrollment,
        unit_id=enrollment.school_class.school_id,
        data={"class": enrollment.school_class.name, "student": enrollment.student.username},
    )
    return enrollment


@transaction.atomic
def student_name_correct(*, actor: Actor, enrollment: Enrollment, full_name: str) -> None:
    """A teacher corrects a student's name as it appears on the roster (ACC-3)."""
    account_services.user_rename(
        actor=actor,
        user=enrollment.student,
        full_name=full_name,
        unit_id=enrollment.school_class.school_id,
    )
