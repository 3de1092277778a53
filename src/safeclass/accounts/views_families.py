"""Parents joining and linking to their children; one-time sign-in for young children."""

from __future__ import annotations

import secrets

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from safeclass.accounts import services
from safeclass.accounts.forms import InvitationAcceptForm, ParentLinkForm, ParentRegisterForm
from safeclass.accounts.models import User
from safeclass.accounts.selectors import access_guarded_student
from safeclass.accounts.throttle import address_failure_add, address_is_throttled
from safeclass.core.context import Actor
from safeclass.core.errors import ServiceError
from safeclass.core.forms import apply_service_error
from safeclass.core.http import client_ip

DEVICE_COOKIE = "safeclass-device"


def _sign_in(request: HttpRequest, user: User) -> None:
    login(request, user, backend="safeclass.accounts.backends.IdentifierBackend")
    services.login_record(actor=Actor.from_request(request), user=user, session=request.session)


@login_not_required
@never_cache
@sensitive_post_parameters("new_password", "new_password_again", "code")
@require_http_methods(["GET", "POST"])
def parent_link_view(request: HttpRequest) -> HttpResponse:
    """Link to a child with the code on the slip; create the parent account if needed."""
    user = request.user
    signed_in_parent = isinstance(user, User) and user.is_parent
    if isinstance(user, User) and not user.is_parent:
        return render(request, "accounts/parent_link.html", {"wrong_account": True})
    link_form = ParentLinkForm(
        request.POST if request.method == "POST" else None,
        initial={"code": request.GET.get("ma", "")},
    )
    register_form = (
        None
        if signed_in_parent
        else ParentRegisterForm(request.POST if request.method == "POST" else None)
    )
    if request.method == "POST":
        ip = client_ip(request)
        if address_is_throttled(ip):
            return render(request, "accounts/locked.html", {"per_address": True}, status=429)
        forms_valid = link_form.is_valid() and (register_form is None or register_form.is_valid())
        if forms_valid:
            actor = Actor.from_request(request)
            try:
                from django.db import transaction

                with transaction.atomic():
                    if register_form is not None:
                        parent = services.parent_register(
                            actor=actor,
                            full_name=register_form.cleaned_data["full_name"],
                            email=register_form.cleaned_data["email"],
                            phone=register_form.cleaned_data["phone"],
                            password=register_form.cleaned_data["new_password"],
                        )
                        actor = Actor(user=parent, ip=actor.ip, user_agent=actor.user_agent)
                    link = services.guardianship_link_with_code(
                        actor=actor,
                        code=link_form.cleaned_data["code"],
                        relationship=link_form.cleaned_data["relationship"],
                    )
            except ServiceError as error:
                if error.field == "code":
                    address_failure_add(ip)
                target = link_form if error.field in link_form.fields else register_form
                apply_service_error(target or link_form, error)
            else:
                if register_form is not None:
                    _sign_in(request, link.parent)
                if link.verified:
                    messages.success(
                        request,
                        _("You are now linked to %(child)s.") % {"child": link.student.full_name},
                    )
                else:
                    messages.success(
                        request,
                        _(
                            "Your request to link to %(child)s was sent. The school will "
                            "confirm it; until then you will not see your child's details."
                        )
                        % {"child": link.student.full_name},
                    )
                return redirect("core:home")
    context = {"link_form": link_form, "register_form": register_form}
    return render(request, "accounts/parent_link.html", context)


@login_not_required
@never_cache
@sensitive_post_parameters("new_password", "new_password_again")
@require_http_methods(["GET", "POST"])
def parent_invitation_view(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_preview(token)
    if invitation is None:
        return render(request, "accounts/parent_invitation_invalid.html", status=410)
    user = request.user
    if isinstance(user, User) and not user.is_parent:
        return render(request, "accounts/parent_link.html", {"wrong_account": True})
    signed_in_parent = isinstance(user, User) and user.is_parent
    accept_form = InvitationAcceptForm(request.POST if request.method == "POST" else None)
    register_form = None
    if not signed_in_parent:
        register_form = ParentRegisterForm(
            request.POST if request.method == "POST" else None,
            initial={
                "full_name": invitation.parent_name,
                "email": invitation.email,
                "phone": invitation.phone.replace("+84", "0", 1) if invitation.phone else "",
            },
        )
    if (
        request.method == "POST"
        and accept_form.is_valid()
        and (register_form is None or register_form.is_valid())
    ):
        actor = Actor.from_request(request)
        try:
            from django.db import transaction

            with transaction.atomic():
                if register_form is not None:
                    parent = services.parent_register(
                        actor=actor,
                        full_name=register_form.cleaned_data["full_name"],
                        email=register_form.cleaned_data["email"],
                        phone=register_form.cleaned_data["phone"],
                        password=register_form.cleaned_data["new_password"],
                    )
                    actor = Actor(user=parent, ip=actor.ip, user_agent=actor.user_agent)
                link = services.parent_invitation_accept(
                    actor=actor,
                    value=token,
                    relationship=accept_form.cleaned_data["relationship"],
                )
        except ServiceError as error:
            apply_service_error(register_form or accept_form, error)
        else:
            if register_form is not None:
                _sign_in(request, link.parent)
            messages.success(
                request, _("You are now linked to %(child)s.") % {"child": link.student.full_name}
            )
            return redirect("core:home")
    context = {
        "invitation": invitation,
        "accept_form": accept_form,
        "register_form": register_form,
    }
    return render(request, "accounts/parent_invitation.html", context)


@require_POST
def child_signin_link_view(request: HttpRequest, student_id: int) -> HttpResponse:
    """A confirmed parent asks for a one-time link that signs their young child in."""
    user = request.user
    if not isinstance(user, User) or not user.is_parent:
        raise PermissionDenied
    student = access_guarded_student(user=user, student_id=student_id)
    try:
        link, emailed = services.signin_link_send(
            actor=Actor.from_request(request),
            student=student,
            link_for=lambda value: request.build_absolute_uri(
                reverse("accounts:signin_link", args=[value])
            ),
        )
    except ServiceError as error:
        messages.error(request, str(error.message))
        return redirect("core:home")
    context = {
        "student": student,
        "emailed": emailed,
        "minutes": settings.SAFECLASS_SIGNIN_LINK_TTL // 60,
        "link": None if emailed else link,
        "qr_svg": None
        if emailed
        else str(segno.make(link, error="m").svg_inline(scale=4, dark="#10243e")),
    }
    return render(request, "accounts/signin_link_sent.html", context)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def signin_link_view(request: HttpRequest, token: str) -> HttpResponse:
    """The first device to open the link owns it; a button signs the child in.

    Opening (GET) does not spend the link, so a link preview in a chat app
    cannot use it up; but it binds the link to this browser.
    """
    device_id = request.COOKIES.get(DEVICE_COOKIE) or secrets.token_urlsafe(24)
    try:
        if request.method == "POST":
            student = services.signin_link_use(
                actor=Actor.from_request(request), value=token, device_id=device_id
            )
            _sign_in(request, student)
            return redirect("core:home")
        student = services.signin_link_bind(value=token, device_id=device_id)
    except ServiceError as error:
        return render(
            request, "accounts/signin_link_invalid.html", {"reason": error.message}, status=410
        )
    response = render(request, "accounts/signin_link.html", {"student": student})
    response.set_cookie(
        DEVICE_COOKIE,
        device_id,
        max_age=30 * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response
