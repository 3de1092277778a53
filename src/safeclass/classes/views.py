"""Class pages: classes of a school, a class and its roster, teachers, roster
import and export, credential slips, class rules and their acceptance."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safeclass.accounts import selectors as account_selectors
from safeclass.classes import selectors, services
from safeclass.classes.forms import (
    ClassCreateForm,
    DisplayNameForm,
    NameCorrectForm,
    RosterUploadForm,
    RulesAdditionsForm,
    RulesTemplateForm,
    TeachingForm,
)
from safeclass.classes.middleware import forget_rules_check
from safeclass.classes.models import RulesTemplate
from safeclass.classes.roster.messages import problem_message
from safeclass.classes.roster_export import roster_xlsx
from safeclass.classes.services import roster as roster_services
from safeclass.classes.services import slips as slip_services
from safeclass.classes.slips_pdf import slips_pdf
from safeclass.core.context import Actor
from safeclass.core.errors import Forbidden, NotFound, ServiceError
from safeclass.core.forms import apply_service_error
from safeclass.core.roles import Capability
from safeclass.orgs import selectors as org_selectors

# --- Lists --------------------------------------------------------------------------


@require_GET
def class_list_view(request: HttpRequest) -> HttpResponse:
    taught = list(selectors.classes_taught(request.user))
    attended = list(selectors.classes_attended(request.user))
    children = list(account_selectors.children_of(request.user))
    children_classes = list(
        selectors.enrollments_of_students([link.student_id for link in children if link.verified])
    )
    schools = [
        {
            "school": school,
            "classes": list(selectors.classes_of_school(school.pk)),
            "manages": Capability.MANAGE_CLASSES
            in account_selectors.user_capabilities_at(request.user, school.path),
        }
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


@never_cache
@require_http_methods(["GET", "POST"])
def school_classes_view(request: HttpRequest, unit_id: int) -> HttpResponse:
    """A school's classes; leaders and IT admins create classes and set display names."""
    school = org_selectors.access_unit(
        user=request.user, unit_id=unit_id, capability=Capability.MANAGE_CLASSES
    )
    if not school.is_school:
        raise Forbidden
    years = [(y.pk, y.name) for y in org_selectors.years_for_school(school)]
    form = ClassCreateForm(request.POST or None, years=years, prefix="class")
    names_form = DisplayNameForm(
        request.POST or None,
        prefix="names",
        initial={"display_name_template": selectors.display_name_template_of(school.pk)},
    )
    actor = Actor.from_request(request)
    if request.method == "POST":
        if "class-name" in request.POST and form.is_valid():
            year = org_selectors.school_year_for_school(school, form.cleaned_data["school_year"])
            try:
                school_class = services.class_create(
                    actor=actor,
                    school=school,
                    school_year=year,
                    name=form.cleaned_data["name"],
                    grade=form.cleaned_data["grade"],
                )
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                messages.success(
                    request, _("Class %(name)s was created.") % {"name": school_class.name}
                )
                return redirect("classes:class_detail", class_id=school_class.pk)
        elif "names-display_name_template" in request.POST and names_form.is_valid():
            try:
                services.display_name_template_set(
                    actor=actor,
                    school=school,
                    template=names_form.cleaned_data["display_name_template"],
                )
            except ServiceError as error:
                apply_service_error(names_form, error)
            else:
                messages.success(request, _("The display names were updated."))
                return redirect("classes:school_classes", unit_id=school.pk)
    if request.method == "GET":
        form = ClassCreateForm(years=years, prefix="class")
        names_form = DisplayNameForm(
            prefix="names",
            initial={"display_name_template": selectors.display_name_template_of(school.pk)},
        )
    context = {
        "school": school,
        "classes": selectors.classes_of_school(school.pk),
        "form": form,
        "names_form": names_form,
        "example": selectors.display_name_example(school.pk),
    }
    return render(request, "classes/school_classes.html", context)


# --- A class ------------------------------------------------------------------------


@require_GET
def class_detail_view(request: HttpRequest, class_id: int) -> HttpResponse:
    access = selectors.access_class(user=request.user, class_id=class_id)
    school_class = access.school_class
    roster: list[Any] = []
    rules_status: dict[int, bool] = {}
    version = selectors.current_rules(school_class)
    if access.sees_roster:
        enrollments = list(selectors.class_roster_with_families(school_class))
        roster = selectors.display_names(school_class, enrollments)
        if version is not None:
            accepted = selectors.rules_accepted_by(version)
            rules_status = {
                e.student_id: (e.student_id, e.student_id) in accepted for e in enrollments
            }
    own = selectors.enrollment_of(request.user, school_class)
    context = {
        "access": access,
        "school_class": school_class,
        "teachings": list(school_class.teachings.all()),
        "roster": roster,
        "rules_status": rules_status,
        "rules_version": version,
        "own": own,
        "own_display_name": selectors.display_name_of(own) if own else "",
        "verified_count": sum(1 for r in roster if r.enrollment.student.activated_at),
        "pending_parents": [
            g for r in roster for g in r.enrollment.student.guardians.all() if not g.verified
        ],
    }
    return render(request, "classes/class_detail.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def class_teachers_view(request: HttpRequest, class_id: int) -> HttpResponse:
    access = selectors.access_class_to_manage(user=request.user, class_id=class_id, roster=False)
    school_class = access.school_class
    teachers = [
        (m.user_id, m.user.full_name)
        for m in account_selectors.memberships_at_unit(school_class.school_id)
        if m.role == "teacher"
    ]
    form = TeachingForm(request.POST or None, teachers=teachers)
    if request.method == "POST":
        actor = Actor.from_request(request)
        remove = request.POST.get("remove")
        if remove:
            teaching = selectors.teaching_in_class(
                class_id=school_class.pk, teaching_id=int(remove)
            )
            services.teaching_remove(actor=actor, teaching=teaching)
            messages.success(request, _("The assignment was removed."))
            return redirect("classes:class_teachers", class_id=school_class.pk)
        if form.is_valid():
            teacher = account_selectors.staff_account_by_id(form.cleaned_data["teacher"])
            try:
                subject = None
                if (form.cleaned_data["subject"] or "").strip():
                    subject = services.subject_get_or_create(
                        actor=actor, school=school_class.school, name=form.cleaned_data["subject"]
                    )
                services.teaching_assign(
                    actor=actor,
                    teacher=teacher,
                    school_class=school_class,
                    subject=subject,
                    is_homeroom=form.cleaned_data["is_homeroom"],
                )
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                messages.success(request, _("The teacher was assigned."))
                return redirect("classes:class_teachers", class_id=school_class.pk)
    context = {
        "school_class": school_class,
        "teachings": list(school_class.teachings.all()),
        "form": form,
    }
    return render(request, "classes/class_teachers.html", context)


@require_POST
def name_correct_view(request: HttpRequest, class_id: int, enrollment_id: int) -> HttpResponse:
    access = selectors.access_class_to_manage(user=request.user, class_id=class_id)
    enrollment = selectors.enrollment_in_class(
        class_id=access.school_class.pk, enrollment_id=enrollment_id
    )
    form = NameCorrectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the student's full name."))
    else:
        try:
            services.student_name_correct(
                actor=Actor.from_request(request),
                enrollment=enrollment,
                full_name=form.cleaned_data["full_name"],
            )
        except ServiceError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("The name was corrected."))
    return redirect("classes:class_detail", class_id=class_id)


@require_POST
def enrollment_leave_view(request: HttpRequest, class_id: int, enrollment_id: int) -> HttpResponse:
    access = selectors.access_class_to_manage(user=request.user, class_id=class_id)
    enrollment = selectors.enrollment_in_class(
        class_id=access.school_class.pk, enrollment_id=enrollment_id
    )
    try:
        services.enrollment_leave(actor=Actor.from_request(request), enrollment=enrollment)
    except ServiceError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request,
            _("%(name)s is no longer on the roster; their account is kept.")
            % {"name": enrollment.student.full_name},
        )
    return redirect("classes:class_detail", class_id=class_id)


# --- Roster import and export -------------------------------------------------------


def _invitation_link(request: HttpRequest) -> Any:
    return lambda value: request.build_absolute_uri(
        reverse("accounts:parent_invitation", args=[value])
    )


def _messages_for(problems: list[Any]) -> list[dict[str, Any]]:
    return [{"problem": problem, "message": problem_message(problem)} for problem in problems]


@never_cache
@require_http_methods(["GET", "POST"])
def roster_import_view(request: HttpRequest, class_id: int) -> HttpResponse:
    access = selectors.access_class_to_manage(user=request.user, class_id=class_id)
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            preview = roster_services.roster_upload(
                actor=Actor.from_request(request),
                school_class=access.school_class,
                data=upload.read(),
                file_name=upload.name,
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            return redirect(
                "classes:roster_preview",
                class_id=access.school_class.pk,
                import_id=preview.roster_import.pk,
            )
    context = {
        "school_class": access.school_class,
        "form": form,
        "recent": selectors.recent_imports(access.school_class.pk),
    }
    return render(request, "classes/roster_import.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def roster_preview_view(request: HttpRequest, class_id: int, import_id: int) -> HttpResponse:
    access = selectors.access_class_to_manage(user=request.user, class_id=class_id)
    roster_import = selectors.roster_import_in_class(
        class_id=access.school_class.pk, import_id=import_id
    )
    if roster_import.status != "preview":
        return render(
            request,
            "classes/roster_done.html",
            {"school_class": access.school_class, "roster_import": roster_import},
        )
    error_message = ""
    if request.method == "POST":
        leave = {int(value) for value in request.POST.getlist("leave") if value.isdigit()}
        try:
            roster_services.roster_apply(
                actor=Actor.from_request(request),
                roster_import=roster_import,
                leave=leave,
                invitation_link_for=_invitation_link(request),
            )
        except ServiceError as error:
            error_message = str(error.message)
        else:
            messages.success(request, _("The roster was imported."))
            return redirect(
                "classes:roster_preview", class_id=access.school_class.pk, import_id=import_id
            )
    preview = roster_services.roster_preview(roster_import=roster_import)
    context = {
        "school_class": access.school_class,
        "roster_import": roster_import,
        "preview": preview,
        "problems": _messages_for(preview.blocking),
        "notices": _messages_for([p for p in preview.problems if not p.blocking]),
        "bad_rows": preview.bad_row_numbers(),
        "counts": {action: preview.count(action) for action in ("create", "update", "unchanged")},
        "error_message": error_message,
    }
    return render(request, "classes/roster_preview.html", context)


@require_GET
def roster_export_view(request: HttpRequest, class_id: int) -> HttpResponse:
    access = selectors.access_class_to_manage(user=request.user, class_id=class_id)
    school_class = access.school_class
    entries = selectors.display_names(
        school_class, list(selectors.class_roster_with_families(school_class))
    )
    data = roster_xlsx(school_class=school_class, entries=entries)
    response = HttpResponse(
        data,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    filename = f"danh-sach-lop-{school_class.name.lower()}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
def slips_view(request: HttpRequest, class_id: int) -> HttpResponse:
    """Print credential slips: issues new codes, so it is a POST, and it is audited."""
    access = selectors.access_class_to_manage(user=request.user, class_id=class_id)
    school_class = access.school_class
    raw_ids = [int(value) for value in request.POST.getlist("enrollment") if value.isdigit()]

    def activation_link(username: str, code: str) -> str:
        query = urlencode({"u": username, "code": code})
        return request.build_absolute_uri(f"{reverse('accounts:activate')}?{query}")

    def parent_link(code: str) -> str:
        query = urlencode({"ma": code})
        return request.build_absolute_uri(f"{reverse('accounts:parent_link')}?{query}")

    slips = slip_services.slips_issue(
        actor=Actor.from_request(request),
        school_class=school_class,
        enrollment_ids=raw_ids or None,
        activation_link_for=activation_link,
        parent_link_for=parent_link,
    )
    if not slips:
        messages.error(request, _("There is no student on the roster yet."))
        return redirect("classes:class_detail", class_id=class_id)
    version = selectors.current_rules(school_class)
    pdf = slips_pdf(
        slips=slips, school_class=school_class, rules=list(version.sections) if version else []
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="phieu-tai-khoan-lop-{school_class.name.lower()}.pdf"'
    )
    return response


# --- Class rules --------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def class_rules_view(request: HttpRequest, class_id: int) -> HttpResponse:
    access, version = selectors.access_rules_version(user=request.user, class_id=class_id)
    school_class = access.school_class
    form = RulesAdditionsForm(
        request.POST or None,
        initial={"additions": selectors.rules_additions_of(school_class.pk)},
    )
    if request.method == "POST":
        if not access.manages_roster:
            raise Forbidden
        if form.is_valid():
            services.rules_additions_save(
                actor=Actor.from_request(request),
                school_class=school_class,
                additions=form.cleaned_data["additions"],
            )
            messages.success(request, _("The class rules were saved."))
            return redirect("classes:class_rules", class_id=school_class.pk)
    acceptances = []
    if access.sees_roster and version is not None:
        accepted = selectors.rules_accepted_by(version)
        acceptances = [
            {
                "entry": entry,
                "student": accepted.get((entry.enrollment.student_id, entry.enrollment.student_id)),
            }
            for entry in selectors.display_names(
                school_class, list(selectors.class_roster(school_class))
            )
        ]
    context = {
        "access": access,
        "school_class": school_class,
        "version": version,
        "sections": selectors.rules_sections_labelled(version),
        "form": form,
        "acceptances": acceptances,
    }
    return render(request, "classes/class_rules.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def school_rules_view(request: HttpRequest, unit_id: int) -> HttpResponse:
    school = org_selectors.access_unit(
        user=request.user, unit_id=unit_id, capability=Capability.MANAGE_CLASSES
    )
    if not school.is_school:
        raise Forbidden
    current = selectors.rules_template_values(school)
    form = RulesTemplateForm(request.POST or None, initial=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.rules_template_save(
                actor=Actor.from_request(request),
                school=school,
                sections={key: form.cleaned_data[key] for key in RulesTemplate.SECTIONS},
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(
                request,
                _(
                    "The school's rules were saved. Classes whose rules changed ask for "
                    "acceptance again."
                ),
            )
            return redirect("classes:school_rules", unit_id=school.pk)
    return render(request, "classes/school_rules.html", {"school": school, "form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def rules_pending_view(request: HttpRequest) -> HttpResponse:
    """What a student (or a primary-school parent) must accept before anything else."""
    pending = selectors.rules_pending_for(request.user)
    target = request.POST.get("next") or request.GET.get("next") or reverse("core:home")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("core:home")
    if request.method == "POST":
        version_id = request.POST.get("version", "")
        student_id = request.POST.get("student", "")
        item = next(
            (
                p
                for p in pending
                if str(p.version.pk) == version_id and str(p.student.pk) == student_id
            ),
            None,
        )
        if item is None:
            raise NotFound
        try:
            services.rules_accept(
                actor=Actor.from_request(request), version=item.version, student=item.student
            )
        except ServiceError as error:
            messages.error(request, str(error.message))
        forget_rules_check(request)
        pending = selectors.rules_pending_for(request.user)
        if not pending:
            messages.success(request, _("Thank you. You can go to class now."))
            return HttpResponseRedirect(target)
    if not pending:
        return HttpResponseRedirect(target)
    items = [
        {"pending": p, "sections": selectors.rules_sections_labelled(p.version)} for p in pending
    ]
    return render(request, "classes/rules_pending.html", {"items": items, "next": target})
