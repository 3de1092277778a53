"""Class pages: the classes a person teaches, attends or follows, and their rosters."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from safeclass.accounts import selectors as account_selectors
from safeclass.classes import selectors
from safeclass.core.errors import Forbidden
from safeclass.core.roles import Capability
from safeclass.orgs import selectors as org_selectors


@require_GET
def class_list_view(request: HttpRequest) -> HttpResponse:
    taught = list(selectors.classes_taught(request.user))
    attended = list(selectors.classes_attended(request.user))
    children = list(account_selectors.children_of(request.user))  # type: ignore[arg-type]
    children_classes = list(
        selectors.enrollments_of_students([link.student_id for link in children])
    )
    schools = [
        {"school": school, "classes": list(selectors.classes_of_school(school.pk))}
        for school in org_selectors.units_where(request.user, Capability.VIEW_STUDENTS)
        if school.is_school
    ]
    if not (taught or attended or children_classes or schools):
        raise Forbidden
    context = {
        "taught": taught,
        "attended": attended,
        "children_classes": children_classes,
        "schools": schools,
    }
    return render(request, "classes/class_list.html", context)


@require_GET
def class_detail_view(request: HttpRequest, class_id: int) -> HttpResponse:
    access = selectors.access_class(user=request.user, class_id=class_id)
    context = {
        "access": access,
        "school_class": access.school_class,
        "teachings": list(access.school_class.teachings.all()),
        "roster": list(selectors.class_roster(access.school_class)) if access.sees_roster else [],
        "own": selectors.enrollment_of(request.user, access.school_class),
    }
    return render(request, "classes/class_detail.html", context)
