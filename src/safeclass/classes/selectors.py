"""Reads about classes. Scope now also covers classes taught or attended and
the classes of children a parent guards."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet

from safeclass.accounts.data import AccountKind
from safeclass.accounts.selectors import user_capabilities_at
from safeclass.classes.display_names import render as render_display_name
from safeclass.classes.models import (
    DEFAULT_DISPLAY_NAME_TEMPLATE,
    RULES_SECTION_LABELS,
    ClassRules,
    Enrollment,
    RosterImport,
    RulesAcceptance,
    RulesTemplate,
    RulesVersion,
    SchoolClass,
    SchoolSettings,
    Teaching,
)
from safeclass.core.db import instance_from, select_list
from safeclass.core.errors import Forbidden, NotFound
from safeclass.core.memo import ProcessMemo
from safeclass.core.roles import Capability


@dataclass(frozen=True)
class ClassAccess:
    school_class: SchoolClass
    sees_roster: bool  # staff: the full roster with student details
    teaches: bool
    is_homeroom: bool
    manages_roster: bool = False  # import, slips, names, parents, class rules
    manages_class: bool = False  # teachers and timetable


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
    """The classes this person teaches; none, without a query, for anyone but
    staff (the only accounts ``teaching_assign`` accepts)."""
    if not getattr(user, "is_authenticated", False):
        return SchoolClass.objects.none()
    if getattr(user, "kind", AccountKind.STAFF) != AccountKind.STAFF:
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
    return (
        _with_teachers(SchoolClass.objects.filter(school_id=school_id))
        .annotate(student_count=Count("enrollments", filter=Q(enrollments__left_at__isnull=True)))
        .order_by("-school_year__starts_on", "grade", "name")
    )


def classes_in_units(paths: list[str]) -> QuerySet[SchoolClass]:
    from safeclass.core.paths import subtree_q

    return SchoolClass.objects.filter(subtree_q("school__path", paths))


def enrollment_of(user: Any, school_class: SchoolClass) -> Enrollment | None:
    """The student's current place in the class, with the class and the student
    (what :func:`display_name_of` needs) read in the same query."""
    return (
        Enrollment.objects.filter(school_class=school_class, student=user, left_at__isnull=True)
        .select_related("school_class", "student")
        .first()
    )


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
    granted = user_capabilities_at(user, school_class.school.path)
    if teachings or Capability.VIEW_STUDENTS in granted:
        is_homeroom = any(t.is_homeroom for t in teachings)
        return ClassAccess(
            school_class,
            sees_roster=True,
            teaches=bool(teachings),
            is_homeroom=is_homeroom,
            manages_roster=is_homeroom or Capability.MANAGE_STUDENTS in granted,
            manages_class=Capability.MANAGE_CLASSES in granted,
        )
    member = Enrollment.objects.filter(school_class=school_class, left_at__isnull=True).filter(
        Q(student=user) | Q(student__guardians__parent=user, student__guardians__verified=True)
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


def access_class_to_manage(*, user: Any, class_id: int, roster: bool = True) -> ClassAccess:
    """The class, for someone who manages its roster (or, with roster=False, the class)."""
    access = access_class(user=user, class_id=class_id)
    allowed = access.manages_roster if roster else access.manages_class
    if not allowed:
        # The class is in the person's scope (they may open it): refuse, do not hide.
        raise Forbidden
    return access


def school_settings(school_id: int) -> SchoolSettings | None:
    return SchoolSettings.objects.filter(school_id=school_id).first()


def _stored_template(school_id: int) -> str:
    found = school_settings(school_id)
    return found.display_name_template if found else DEFAULT_DISPLAY_NAME_TEMPLATE


# Read for every student coming into a lesson, so each process keeps it for a
# few seconds (``display_name_template_set`` marks it changed).
display_name_template_of = ProcessMemo(_stored_template, seconds=10.0)


@dataclass(frozen=True)
class RosterEntry:
    enrollment: Enrollment
    display_name: str


def display_names(school_class: SchoolClass, enrollments: list[Enrollment]) -> list[RosterEntry]:
    template = display_name_template_of(school_class.school_id)
    return [
        RosterEntry(
            e,
            render_display_name(
                template,
                roster_no=e.roster_no,
                full_name=e.student.full_name,
                class_name=school_class.name,
            ),
        )
        for e in enrollments
    ]


def display_name_of(enrollment: Enrollment) -> str:
    return render_display_name(
        display_name_template_of(enrollment.school_class.school_id),
        roster_no=enrollment.roster_no,
        full_name=enrollment.student.full_name,
        class_name=enrollment.school_class.name,
    )


def current_rules(school_class: SchoolClass) -> RulesVersion | None:
    return RulesVersion.objects.filter(school_class=school_class).order_by("-number").first()


def enrollment_for_entry(user: Any, school_class: SchoolClass) -> tuple[Enrollment | None, bool]:
    """The student's current place in the class (as :func:`enrollment_of`) and
    whether they accepted the class's current rules (True when it has none yet),
    in one query: what a room entry needs.

    Written out rather than built by the ORM: a whole school opens its rooms
    at 7:20, and composing the rules subquery for each entry cost more than
    running it."""
    with connection.cursor() as cursor:
        cursor.execute(_enrollment_for_entry_sql(), [user.pk, user.pk, school_class.pk, user.pk])
        row = cursor.fetchone()
    if row is None:
        return None, False
    width = len(Enrollment._meta.concrete_fields)
    enrollment = instance_from(Enrollment, row[:width])
    # The class and the student are the caller's own rows: no join builds them again.
    enrollment.school_class = school_class
    enrollment.student = user
    return enrollment, bool(row[width])


@cache
def _enrollment_for_entry_sql() -> str:
    """The current enrollment, then whether its class's newest rules version (if any)
    was accepted by the student for themselves; parameters: the user twice, the
    class, the user."""
    quote = connection.ops.quote_name
    return f"""
        SELECT {select_list(Enrollment, "e")},
               COALESCE((SELECT EXISTS (SELECT 1 FROM {quote(RulesAcceptance._meta.db_table)} a
                                         WHERE a.version_id = v.id
                                           AND a.user_id = %s AND a.student_id = %s)
                           FROM {quote(RulesVersion._meta.db_table)} v
                          WHERE v.school_class_id = e.school_class_id
                          ORDER BY v.number DESC
                          LIMIT 1), TRUE)
          FROM {quote(Enrollment._meta.db_table)} e
         WHERE e.school_class_id = %s AND e.student_id = %s AND e.left_at IS NULL
         ORDER BY e.id
         LIMIT 1
    """  # noqa: S608 - table and column names from the models, values as parameters


def rules_accepted_by(version: RulesVersion) -> dict[tuple[int, int], RulesAcceptance]:
    """Acceptances of a version keyed by (user id, student id)."""
    return {(a.user_id, a.student_id): a for a in RulesAcceptance.objects.filter(version=version)}


@dataclass(frozen=True)
class PendingRules:
    school_class: SchoolClass
    version: RulesVersion
    student: Any  # the student the acceptance is about


def rules_pending_for(user: Any) -> list[PendingRules]:
    """Rules a person must accept before anything else: a student for each of
    their classes; a parent for each child at a primary school."""
    if not getattr(user, "is_authenticated", False):
        return []
    kind = getattr(user, "kind", "")
    enrollments: list[Enrollment] = []
    if kind == "student":
        enrollments = list(
            Enrollment.objects.filter(student=user, left_at__isnull=True).select_related(
                "school_class", "school_class__school", "student"
            )
        )
    elif kind == "parent":
        enrollments = list(
            Enrollment.objects.filter(
                student__guardians__parent=user,
                student__guardians__verified=True,
                left_at__isnull=True,
                school_class__school__school_level="primary",
            ).select_related("school_class", "school_class__school", "student")
        )
    if not enrollments:
        return []
    class_ids = {e.school_class_id for e in enrollments}
    latest: dict[int, RulesVersion] = {}
    for version in RulesVersion.objects.filter(school_class_id__in=class_ids).order_by("number"):
        latest[version.school_class_id] = version
    accepted = set(
        RulesAcceptance.objects.filter(
            user=user, version__in=[v.pk for v in latest.values()]
        ).values_list("version_id", "student_id")
    )
    pending = []
    for e in enrollments:
        current = latest.get(e.school_class_id)
        if current is not None and (current.pk, e.student_id) not in accepted:
            pending.append(PendingRules(e.school_class, current, e.student))
    return pending


def access_rules_version(*, user: Any, class_id: int) -> tuple[ClassAccess, RulesVersion | None]:
    access = access_class(user=user, class_id=class_id)
    return access, current_rules(access.school_class)


def display_name_example(school_id: int) -> str:
    return render_display_name(
        display_name_template_of(school_id),
        roster_no=1,
        full_name="Nguyễn Minh An",
        class_name="5A",
    )


def class_roster_with_families(school_class: SchoolClass) -> QuerySet[Enrollment]:
    from safeclass.accounts.selectors import guardianships_prefetch

    return (
        Enrollment.objects.filter(school_class=school_class, left_at__isnull=True)
        .select_related("student")
        .prefetch_related(guardianships_prefetch("student__guardians"))
        .order_by("roster_no")
    )


def teaching_in_class(*, class_id: int, teaching_id: int) -> Teaching:
    teaching = (
        Teaching.objects.filter(pk=teaching_id, school_class_id=class_id)
        .select_related("teacher", "subject", "school_class")
        .first()
    )
    if teaching is None:
        raise NotFound
    return teaching


def enrollment_in_class(*, class_id: int, enrollment_id: int) -> Enrollment:
    enrollment = (
        Enrollment.objects.filter(pk=enrollment_id, school_class_id=class_id, left_at__isnull=True)
        .select_related("student", "school_class")
        .first()
    )
    if enrollment is None:
        raise NotFound
    return enrollment


def recent_imports(class_id: int) -> list[RosterImport]:
    return list(
        RosterImport.objects.filter(school_class_id=class_id)
        .defer("content")
        .select_related("uploaded_by")
        .order_by("-created_at")[:10]
    )


def roster_import_in_class(*, class_id: int, import_id: int) -> RosterImport:
    found = (
        RosterImport.objects.filter(pk=import_id, school_class_id=class_id)
        .select_related("school_class", "school_class__school", "school_class__school_year")
        .first()
    )
    if found is None:
        raise NotFound
    return found


def rules_additions_of(class_id: int) -> str:
    found = ClassRules.objects.filter(school_class_id=class_id).first()
    return found.additions if found else ""


def rules_template_values(school: Any) -> dict[str, str]:
    from safeclass.classes.rules_defaults import DEFAULT_RULES

    template = RulesTemplate.objects.filter(school=school).first()
    if template is None:
        return dict(DEFAULT_RULES)
    return {key: getattr(template, key) for key in RulesTemplate.SECTIONS}


def rules_sections_labelled(version: RulesVersion | None) -> list[dict[str, str]]:
    """A version's sections with their headings in the reader's language."""
    from django.utils.translation import gettext

    if version is None:
        return []
    headings = {key: str(RULES_SECTION_LABELS[key]) for key in RulesTemplate.SECTIONS}
    headings["class"] = gettext("Rules of this class")
    return [
        {"heading": headings.get(section["key"], ""), "text": section["text"]}
        for section in version.sections
    ]


def current_class_by_name(school_id: int, name: str) -> SchoolClass | None:
    """The class of that name in the school's newest school year."""
    return (
        SchoolClass.objects.filter(school_id=school_id, name=name.strip().upper())
        .select_related("school", "school_year")
        .order_by("-school_year__starts_on")
        .first()
    )


def teaches_class(user: Any, class_id: int) -> bool:
    """Whether this person teaches the class (homeroom or subject).

    Only staff accounts are ever given a class to teach (``teaching_assign``),
    so a student's or a parent's answer needs no query.
    """
    if getattr(user, "kind", AccountKind.STAFF) != AccountKind.STAFF:
        return False
    return Teaching.objects.filter(
        school_class_id=class_id, teacher_id=getattr(user, "pk", None)
    ).exists()
