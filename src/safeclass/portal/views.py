"""Home pages per role, help and privacy pages, student pages, the audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from safeclass.accounts import selectors as account_selectors
from safeclass.accounts import services as account_services
from safeclass.audit import selectors as audit_selectors
from safeclass.classes import selectors as class_selectors
from safeclass.core.context import Actor
from safeclass.core.errors import Forbidden
from safeclass.core.roles import Capability
from safeclass.live import selectors as live_selectors
from safeclass.orgs import selectors as org_selectors
from safeclass.portal import selectors

if TYPE_CHECKING:
    pass


@require_GET
def home_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "units": selectors.unit_summaries(user),
        "taught": list(class_selectors.classes_taught(user)),
        "attended": list(class_selectors.classes_attended(user)),
        "children": selectors.child_summaries(user),
        "consent": (
            account_selectors.student_consent_status(user)  # type: ignore[arg-type]
            if getattr(user, "is_student", False)
            else None
        ),
        "upcoming": live_selectors.upcoming_sessions(user, limit=6),
        "suggest_second_factor": (
            not account_selectors.user_requires_second_factor(user)
            and bool(account_selectors.active_memberships(user))
        ),
    }
    return render(request, "portal/home.html", context)


@login_not_required
@require_GET
def help_view(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/help.html")


@login_not_required
@require_GET
def privacy_view(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/privacy.html")


@require_GET
def school_students_view(request: HttpRequest, unit_id: int) -> HttpResponse:
    school = org_selectors.access_unit(
        user=request.user, unit_id=unit_id, capability=Capability.VIEW_STUDENTS
    )
    if not school.is_school:
        raise Forbidden
    students = account_selectors.students_of_school(school.pk).prefetch_related("guardians")
    enrollments = {
        e.student_id: e
        for e in class_selectors.enrollments_of_students(
            list(students.values_list("pk", flat=True))
        )
    }
    rows = [{"student": s, "enrollment": enrollments.get(s.pk)} for s in students]
    return render(request, "portal/school_students.html", {"school": school, "rows": rows})


@require_GET
def student_detail_view(request: HttpRequest, student_id: int) -> HttpResponse:
    student = account_selectors.access_student(user=request.user, student_id=student_id)
    context = {
        "student": student,
        "guardians": list(account_selectors.guardians_of(student)),
        "consent": account_selectors.student_consent_status(student),
        "enrollments": list(class_selectors.enrollments_of_students([student_id])),
        "attendance": live_selectors.child_attendance(student),
        "can_manage": account_selectors.user_can_manage_account(request.user, student),
        "can_verify": account_selectors.user_has_capability(
            request.user,
            student.school.path if student.school else "-",
            Capability.MANAGE_STUDENTS,
        ),
    }
    return render(request, "portal/student_detail.html", context)


@require_POST
def guardianship_verify_view(request: HttpRequest, guardianship_id: int) -> HttpResponse:
    """School staff confirm that a parent really is this child's parent or guardian."""
    link = account_selectors.access_guardianship(
        user=request.user, guardianship_id=guardianship_id, capability=Capability.MANAGE_STUDENTS
    )
    account_services.guardianship_verify(actor=Actor.from_request(request), guardianship=link)
    messages.success(
        request,
        _("%(name)s is now confirmed as a parent or guardian.") % {"name": link.parent.full_name},
    )
    return redirect("portal:student_detail", student_id=link.student_id)


@require_GET
def audit_log_view(request: HttpRequest) -> HttpResponse:
    paths = account_selectors.user_scope_paths(request.user, Capability.VIEW_AUDIT)
    if not paths:
        raise Forbidden
    prefix = request.GET.get("loai", "")
    events = audit_selectors.events_in_units(paths, action_prefix=prefix)
    page = Paginator(events, 50).get_page(request.GET.get("trang"))
    context = {
        "page": page,
        "prefix": prefix,
        "prefixes": audit_selectors.action_prefixes(),
    }
    return render(request, "portal/audit_log.html", context)
