"""Reads about classes. Scope now also covers classes taught or attended and
the classes of children a parent guards."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from safeclass.accounts.selectors import user_has_capability
from safeclass.classes.models import Enrollment, SchoolClass, Teaching
from safeclass.core.errors import NotFound
from safeclass.core.roles import Capability


@dataclass(frozen=True)
class ClassAccess:
    school_class: SchoolClass
    sees_roster: bool  # staff: the full roster with student details
    teaches: bool
    is_homeroom: bool


def _with_teachers(queryset: QuerySet[SchoolClass]) -> QuerySet[SchoolClass]:
    return queryset.select_related("school", "school_year").prefetch_related(
        Prefetch(
            "teachings",
            queryset=Teaching.objects.select_related("teacher", "subject").order_by(
                "-is_homeroom", "subject__name"
            ),
        )
    )


def classes_taught(user: Any) -> QuerySet[SchoolClass]:
    if not getattr(user, "is_authenticated", False):
        return SchoolClass.objects.none()
    return _with_teachers(
        SchoolClass.objects.filter(teachings__teacher=user).distinct().order_by("grade", "name")
    )


def classes_attended(user: Any) -> QuerySet[SchoolClass]:
    if not getattr(user, "is_authenticated", False):
        return SchoolClass.objects.none()
    return _with_teachers(
        SchoolClass.objects.filter(
            enrollments__student=user, enrollments__left_at__isnull=True
        ).order_by("-school_year__starts_on")
    )


def classes_of_school(school_id: int) -> QuerySet[SchoolClass]:
    return _with_teachers(SchoolClass.objects.filter(school_id=school_id)).order_by(
        "-school_year__starts_on", "grade", "name"
    )


def classes_in_units(paths: list[str]) -> QuerySet[SchoolClass]:
    from safeclass.core.paths import subtree_q

    return SchoolClass.objects.filter(subtree_q("school__path", paths))


def enrollment_of(user: Any, school_class: SchoolClass) -> Enrollment | None:
    return Enrollment.objects.filter(
        school_class=school_class, student=user, left_at__isnull=True
    ).first()


def enrollments_of_students(student_ids: list[int]) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(
        student_id__in=student_ids, left_at__isnull=True
    ).select_related("school_class", "school_class__school")


def class_roster(school_class: SchoolClass) -> QuerySet[Enrollment]:
    return (
        Enrollment.objects.filter(school_class=school_class, left_at__isnull=True)
        .select_related("student")
        .order_by("roster_no")
    )


def access_class(*, user: Any, class_id: int) -> ClassAccess:
    """A class as seen by its teachers, school staff who see students, its
    students and their parents; "not found" for everyone else."""
    school_class = _with_teachers(SchoolClass.objects.filter(pk=class_id)).first()
    if school_class is None or not getattr(user, "is_authenticated", False):
        raise NotFound
    teachings = [t for t in school_class.teachings.all() if t.teacher_id == user.pk]
    school_wide = user_has_capability(user, school_class.school.path, Capability.VIEW_STUDENTS)
    if teachings or school_wide:
        return ClassAccess(
            school_class,
            sees_roster=True,
            teaches=bool(teachings),
            is_homeroom=any(t.is_homeroom for t in teachings),
        )
    member = Enrollment.objects.filter(school_class=school_class, left_at__isnull=True).filter(
        Q(student=user) | Q(student__guardians__parent=user)
    )
    if member.exists():
        return ClassAccess(school_class, sees_roster=False, teaches=False, is_homeroom=False)
    raise NotFound


def teaches_student(user: Any, student_id: int) -> bool:
    return Enrollment.objects.filter(
        student_id=student_id,
        left_at__isnull=True,
        school_class__teachings__teacher=user,
    ).exists()


def class_by_name(school_id: int, school_year_id: int, name: str) -> SchoolClass | None:
    return SchoolClass.objects.filter(
        school_id=school_id, school_year_id=school_year_id, name=name
    ).first()
