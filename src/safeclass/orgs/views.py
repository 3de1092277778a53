"""Unit administration: the tree, details, staff, school years and terms."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safeclass.accounts import selectors as account_selectors
from safeclass.accounts import services as account_services
from safeclass.core.context import Actor
from safeclass.core.errors import Forbidden, NotFound, ServiceError
from safeclass.core.forms import apply_service_error
from safeclass.core.roles import SCHOOL_ONLY_ROLES, Capability, Role
from safeclass.orgs import selectors, services
from safeclass.orgs.forms import (
    SchoolYearForm,
    StaffAddForm,
    TermForm,
    UnitCreateForm,
    UnitDetailsForm,
    UnitMoveForm,
)
from safeclass.orgs.models import Unit


def _unit(request: HttpRequest, unit_id: int, capability: Capability) -> Unit:
    return selectors.access_unit(user=request.user, unit_id=unit_id, capability=capability)


@require_GET
def unit_list_view(request: HttpRequest) -> HttpResponse:
    units = list(selectors.units_in_scope(request.user).filter(is_active=True))
    if not units:
        raise Forbidden
    roots = selectors.scope_roots(request.user)
    base_depth = min(u.depth for u in roots) if roots else 0
    rows = [{"unit": u, "indent": u.depth - base_depth} for u in units]
    return render(request, "orgs/unit_list.html", {"rows": rows})


@require_GET
def unit_detail_view(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = _unit(request, unit_id, Capability.VIEW_UNIT)
    caps = account_selectors.user_capabilities_at(request.user, unit.path)
    period = selectors.current_period(unit)
    leaders = [
        m
        for m in account_selectors.memberships_at_unit(unit.pk)
        if m.role in {Role.SCHOOL_LEADER, Role.AUTHORITY_OFFICER}
    ]
    context: dict[str, Any] = {
        "unit": unit,
        "ancestors": selectors.unit_visible_ancestors(request.user, unit),
        "children": selectors.unit_children(unit),
        "period": period,
        "leaders": leaders,
        "province": selectors.province_name(unit.province_code),
        "ward": selectors.ward_name(unit.ward_code),
        "can_manage_units": Capability.MANAGE_UNITS in caps,
        "can_edit": Capability.EDIT_UNIT in caps,
        "can_manage_staff": Capability.MANAGE_STAFF in caps,
        "can_view_students": Capability.VIEW_STUDENTS in caps and unit.is_school,
        "can_manage_classes": Capability.MANAGE_CLASSES in caps and unit.is_school,
        "student_count": account_selectors.count_students_in([unit.path]),
        "school_count": selectors.schools_in([unit.path]).count(),
    }
    return render(request, "orgs/unit_detail.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def unit_create_view(request: HttpRequest, unit_id: int) -> HttpResponse:
    parent = _unit(request, unit_id, Capability.MANAGE_UNITS)
    if parent.is_school:
        raise Forbidden
    form = UnitCreateForm(
        request.POST or None,
        province=parent.province_code,
        initial={"province_code": parent.province_code},
    )
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.unit_create(
                actor=Actor.from_request(request),
                parent=parent,
                kind=form.cleaned_data["kind"],
                **form.details(),
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("%(name)s was created.") % {"name": unit.name})
            return redirect("orgs:unit_detail", unit_id=unit.pk)
    return render(request, "orgs/unit_form.html", {"form": form, "parent": parent, "unit": None})


@never_cache
@require_http_methods(["GET", "POST"])
def unit_edit_view(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = _unit(request, unit_id, Capability.EDIT_UNIT)
    initial = {field: getattr(unit, field) for field in UnitDetailsForm.DETAILS}
    form = UnitDetailsForm(request.POST or None, initial=initial, province=unit.province_code)
    if request.method == "POST" and form.is_valid():
        try:
            services.unit_update(actor=Actor.from_request(request), unit=unit, **form.details())
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("The details were saved."))
            return redirect("orgs:unit_detail", unit_id=unit.pk)
    return render(
        request, "orgs/unit_form.html", {"form": form, "parent": unit.parent, "unit": unit}
    )


@never_cache
@require_http_methods(["GET", "POST"])
def unit_move_view(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = _unit(request, unit_id, Capability.MANAGE_UNITS)
    if unit.parent is None:
        raise Forbidden
    # The unit's current parent must also be the viewer's to change.
    _unit(request, unit.parent.pk, Capability.MANAGE_UNITS)
    targets = [
        (u.pk, "— " * u.depth + u.name)
        for u in selectors.units_where(request.user, Capability.MANAGE_UNITS)
        if not u.is_school and not u.path.startswith(unit.path) and u.pk != unit.parent_id
    ]
    form = UnitMoveForm(request.POST or None, parents=targets)
    if request.method == "POST" and form.is_valid():
        new_parent = _unit(request, form.cleaned_data["parent"], Capability.MANAGE_UNITS)
        try:
            services.unit_move(actor=Actor.from_request(request), unit=unit, new_parent=new_parent)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("The unit was moved."))
            return redirect("orgs:unit_detail", unit_id=unit.pk)
    return render(request, "orgs/unit_move.html", {"form": form, "unit": unit})


@require_POST
def unit_set_active_view(request: HttpRequest, unit_id: int) -> HttpResponse:
    """Close a unit that no longer operates (merged, dissolved), or reopen it."""
    unit = _unit(request, unit_id, Capability.MANAGE_UNITS)
    if unit.parent is None:
        raise Forbidden
    # Closing is decided above the unit: the parent must be the viewer's too.
    _unit(request, unit.parent.pk, Capability.MANAGE_UNITS)
    active = request.POST.get("active") == "1"
    try:
        services.unit_set_active(actor=Actor.from_request(request), unit=unit, active=active)
    except ServiceError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request, _("The unit was reopened.") if active else _("The unit was closed.")
        )
    return redirect("orgs:unit_detail", unit_id=unit.pk)


@require_GET
def wards_view(request: HttpRequest) -> JsonResponse:
    """Communes of a province, for the unit form (works without it too)."""
    raw = request.GET.get("province", "")
    if not raw.isdigit():
        return JsonResponse({"error": _("Choose a province.")}, status=400)
    return JsonResponse(
        {"wards": [{"code": c, "name": n} for c, n in selectors.ward_choices(int(raw))]}
    )


# --- Staff ----------------------------------------------------------------------


def _role_choices(request: HttpRequest, unit: Unit) -> list[tuple[str, str | Promise]]:
    grantable = account_selectors.user_grantable_roles_at(request.user, unit.path)
    return [
        (value, label)
        for value, label in Role.choices
        if value in grantable
        and (value not in SCHOOL_ONLY_ROLES or unit.is_school)
        and not (value == Role.AUTHORITY_OFFICER and unit.is_school)
    ]


@never_cache
@require_http_methods(["GET", "POST"])
def unit_staff_view(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = _unit(request, unit_id, Capability.MANAGE_STAFF)
    roles = _role_choices(request, unit)
    form = StaffAddForm(request.POST or None, roles=roles)
    issued = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        actor = Actor.from_request(request)
        try:
            if data["existing_username"]:
                account = account_selectors.staff_account_by_username(data["existing_username"])
                if account is None:
                    raise ServiceError(
                        _("No staff account has this username."), field="existing_username"
                    )
                account_services.membership_grant(
                    actor=actor, user=account, unit=unit, role=data["role"]
                )
                messages.success(
                    request,
                    _("%(name)s now has this role here.") % {"name": account.full_name},
                )
                return redirect("orgs:unit_staff", unit_id=unit.pk)
            issued = account_services.staff_account_create(
                actor=actor,
                unit=unit,
                role=data["role"],
                username=data["username"],
                full_name=data["full_name"],
                email=data["email"],
                phone=data["phone"],
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            form = StaffAddForm(roles=roles)
    context = {
        "unit": unit,
        "memberships": account_selectors.memberships_at_unit(unit.pk),
        "form": form,
        "issued": issued,
        "can_add": bool(roles),
    }
    return render(request, "orgs/unit_staff.html", context)


@require_POST
def membership_end_view(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = account_selectors.access_membership(
        user=request.user, membership_id=membership_id, capability=Capability.MANAGE_STAFF
    )
    try:
        account_services.membership_end(actor=Actor.from_request(request), membership=membership)
    except ServiceError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The role was removed."))
    return redirect("orgs:unit_staff", unit_id=membership.unit_id)


@never_cache
@require_GET
def account_detail_view(request: HttpRequest, account_id: int) -> HttpResponse:
    account = account_selectors.access_managed_account(user=request.user, account_id=account_id)
    context = {
        "account": account,
        "memberships": account_selectors.account_memberships(account),
        "has_totp": account_selectors.user_has_authenticator(account),
        "session_count": account_selectors.user_sessions(account).count(),
    }
    return render(request, "orgs/account_detail.html", context)


@never_cache
@require_POST
def account_activation_code_view(request: HttpRequest, account_id: int) -> HttpResponse:
    account = account_selectors.access_managed_account(user=request.user, account_id=account_id)
    try:
        code = account_services.activation_code_issue(
            actor=Actor.from_request(request), user=account
        )
    except ServiceError as error:
        messages.error(request, str(error.message))
        return redirect("orgs:account_detail", account_id=account.pk)
    return render(request, "orgs/activation_code.html", {"account": account, "code": code})


@require_POST
def account_set_active_view(request: HttpRequest, account_id: int) -> HttpResponse:
    account = account_selectors.access_managed_account(user=request.user, account_id=account_id)
    active = request.POST.get("active") == "1"
    try:
        account_services.account_set_active(
            actor=Actor.from_request(request), user=account, active=active
        )
    except ServiceError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request,
            _("The account was enabled.")
            if active
            else _("The account was disabled and all its sessions were ended."),
        )
    return redirect("orgs:account_detail", account_id=account.pk)


@require_POST
def account_second_factor_reset_view(request: HttpRequest, account_id: int) -> HttpResponse:
    account = account_selectors.access_managed_account(user=request.user, account_id=account_id)
    account_services.second_factor_reset(actor=Actor.from_request(request), user=account)
    messages.success(
        request,
        _("The authenticator was removed. They will set up a new one when they next sign in."),
    )
    return redirect("orgs:account_detail", account_id=account.pk)


# --- School years and terms -------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def school_years_view(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = _unit(request, unit_id, Capability.VIEW_UNIT)
    can_manage = Capability.MANAGE_UNITS in account_selectors.user_capabilities_at(
        request.user, unit.path
    )
    years = list(selectors.unit_school_years(unit))
    year_form = SchoolYearForm(prefix="year")
    term_forms = {year.pk: TermForm(prefix=f"term-{year.pk}") for year in years}
    if request.method == "POST":
        if not can_manage:
            raise Forbidden
        actor = Actor.from_request(request)
        if "school_year" not in request.POST:
            year_form = SchoolYearForm(request.POST, prefix="year")
            if year_form.is_valid():
                try:
                    year = services.school_year_create(
                        actor=actor, unit=unit, **year_form.cleaned_data
                    )
                except ServiceError as error:
                    apply_service_error(year_form, error)
                else:
                    messages.success(
                        request, _("School year %(name)s was added.") % {"name": year.name}
                    )
                    return redirect("orgs:school_years", unit_id=unit.pk)
        else:
            raw = request.POST.get("school_year", "")
            target = next((y for y in years if str(y.pk) == raw), None)
            if target is None:
                raise NotFound
            term_form = TermForm(request.POST, prefix=f"term-{target.pk}")
            term_forms[target.pk] = term_form
            if term_form.is_valid():
                try:
                    services.term_create(actor=actor, school_year=target, **term_form.cleaned_data)
                except ServiceError as error:
                    apply_service_error(term_form, error)
                else:
                    messages.success(request, _("The term was added."))
                    return redirect("orgs:school_years", unit_id=unit.pk)
    context = {
        "unit": unit,
        "rows": [(year, term_forms[year.pk]) for year in years],
        "period": selectors.current_period(unit),
        "form": year_form,
        "can_manage": can_manage,
    }
    return render(request, "orgs/school_years.html", context)
