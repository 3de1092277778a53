"""Sign-in, second factor, activation, passwords, sessions and consent."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token

from safeclass.accounts import services
from safeclass.accounts.forms import (
    ActivationForm,
    LoginForm,
    PasswordChangeForm,
    PasswordConfirmForm,
    PasswordResetForm,
    PasswordResetRequestForm,
    ProfileForm,
    TokenForm,
    password_help_items,
)
from safeclass.accounts.models import User
from safeclass.accounts.selectors import (
    access_own_consent,
    access_student,
    children_of,
    consent_history,
    student_consent_status,
    user_has_authenticator,
    user_requires_second_factor,
    user_role_requires_second_factor,
    user_sessions,
)
from safeclass.accounts.throttle import address_failure_add, address_is_throttled
from safeclass.core.context import Actor
from safeclass.core.errors import NotFound, ServiceError
from safeclass.core.forms import apply_service_error
from safeclass.core.http import client_ip
from safeclass.core.phones import display_phone


def _current_user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _too_many_attempts(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/locked.html", {"per_address": True}, status=429)


def lockout_response(request: HttpRequest, credentials: Any = None, *args: Any) -> HttpResponse:
    """django-axes calls this when an account is locked for this address."""
    return render(request, "accounts/locked.html", {"per_address": False}, status=429)


def _set_language_cookie(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite="Lax",
    )


@login_not_required
@require_POST
def language_view(request: HttpRequest) -> HttpResponse:
    """Switch between Vietnamese and English; remembered on the account too."""
    language = request.POST.get("language", "")
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = HttpResponseRedirect(target)
    if language not in {code for code, _name in settings.LANGUAGES}:
        return response
    if isinstance(request.user, User):
        services.user_set_language(user=request.user, language=language)
    _set_language_cookie(response, language)
    return response


# --- Sign in and out ------------------------------------------------------------


@login_not_required
@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("core:home")
    form = LoginForm(request.POST or None)
    if request.method == "POST":
        ip = client_ip(request)
        if address_is_throttled(ip):
            return _too_many_attempts(request)
        if form.is_valid():
            identifier = form.cleaned_data["identifier"]
            user = authenticate(
                request, identifier=identifier, password=form.cleaned_data["password"]
            )
            if isinstance(user, User):
                login(request, user)
                services.login_record(
                    actor=Actor.from_request(request), user=user, session=request.session
                )
                response = HttpResponseRedirect(_safe_next(request, reverse("core:home")))
                _set_language_cookie(response, user.language)
                return response
            address_failure_add(ip)
            services.login_failure_record(actor=Actor.from_request(request), identifier=identifier)
            form.add_error(
                None,
                _(
                    "The username or password is not right. Check the keyboard language and "
                    "Caps Lock, then try again."
                ),
            )
    return render(request, "accounts/login.html", {"form": form, "next": _safe_next(request, "")})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    services.logout_record(actor=Actor.from_request(request))
    logout(request)
    messages.success(request, _("You have signed out."))
    return redirect("accounts:login")


# --- Second factor --------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def second_factor_view(request: HttpRequest) -> HttpResponse:
    user = _current_user(request)
    if user.is_verified():  # type: ignore[attr-defined]
        return redirect("core:home")
    form = TokenForm(request.POST or None)
    if request.method == "POST":
        ip = client_ip(request)
        if address_is_throttled(ip):
            return _too_many_attempts(request)
        if form.is_valid():
            token = form.cleaned_data["token"].strip().replace(" ", "").replace("-", "").lower()
            device = match_token(user, token)
            if device is not None:
                otp_login(request, device)
                # A fully signed-in session gets a key nobody saw before the second step.
                request.session.cycle_key()
                services.second_factor_verify_record(
                    actor=Actor.from_request(request), user=user, success=True
                )
                return HttpResponseRedirect(_safe_next(request, reverse("core:home")))
            address_failure_add(ip)
            services.second_factor_verify_record(
                actor=Actor.from_request(request), user=user, success=False
            )
            form.add_error(
                "token",
                _(
                    "That code is not right. Use the newest 6-digit code from your "
                    "authenticator app, or one of your recovery codes."
                ),
            )
    return render(request, "accounts/second_factor.html", {"form": form})


def _qr_svg(data: str) -> str:
    return str(segno.make(data, error="m").svg_inline(scale=5, dark="#10243e", light="#ffffff"))


@never_cache
@require_http_methods(["GET", "POST"])
def second_factor_setup_view(request: HttpRequest) -> HttpResponse:
    user = _current_user(request)
    if user_has_authenticator(user) and not user.is_verified():  # type: ignore[attr-defined]
        return redirect("accounts:second_factor")
    device = services.totp_pending_device(user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.totp_confirm(
                actor=Actor.from_request(request),
                user=user,
                device=device,
                token=form.cleaned_data["token"],
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            otp_login(request, device)
            return render(request, "accounts/recovery_codes.html", {"codes": codes})
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    context = {
        "form": form,
        "qr_svg": _qr_svg(device.config_url),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "required": user_role_requires_second_factor(user),
    }
    return render(request, "accounts/second_factor_setup.html", context)


@require_POST
def recovery_codes_view(request: HttpRequest) -> HttpResponse:
    user = _current_user(request)
    try:
        codes = services.recovery_codes_regenerate(actor=Actor.from_request(request), user=user)
    except ServiceError as error:
        messages.error(request, str(error.message))
        return redirect("accounts:security")
    return render(request, "accounts/recovery_codes.html", {"codes": codes})


@require_POST
@sensitive_post_parameters("password")
def second_factor_disable_view(request: HttpRequest) -> HttpResponse:
    user = _current_user(request)
    form = PasswordConfirmForm(request.POST)
    if form.is_valid():
        try:
            services.second_factor_disable(
                actor=Actor.from_request(request), user=user, password=form.cleaned_data["password"]
            )
        except ServiceError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("Two-step verification is off."))
    else:
        messages.error(request, _("Enter your current password."))
    return redirect("accounts:security")


# --- Security page: password, second factor, sessions ----------------------------


def _session_id(session_key: str) -> str:
    return hashlib.sha256(session_key.encode()).hexdigest()[:16]


def _describe_device(user_agent: str) -> str:
    ua = user_agent.lower()
    browser = next(
        (
            name
            for key, name in (
                ("edg/", "Edge"),
                ("coc_coc", "Cốc Cốc"),
                ("zalo", "Zalo"),
                ("firefox/", "Firefox"),
                ("chrome/", "Chrome"),
                ("safari/", "Safari"),
            )
            if key in ua
        ),
        _("Browser"),
    )
    system = next(
        (
            name
            for key, name in (
                ("android", "Android"),
                ("iphone", "iPhone"),
                ("ipad", "iPad"),
                ("windows", "Windows"),
                ("mac os", "macOS"),
                ("linux", "Linux"),
            )
            if key in ua
        ),
        "",
    )
    return f"{browser} · {system}" if system else browser


@never_cache
def security_view(request: HttpRequest) -> HttpResponse:
    user = _current_user(request)
    current_key = request.session.session_key or ""
    sessions = [
        {
            "id": _session_id(s.session_key),
            "current": s.session_key == current_key,
            "device": _describe_device(s.user_agent),
            "ip": s.ip,
            "created_at": s.created_at,
            "last_seen_at": s.last_seen_at,
        }
        for s in user_sessions(user)
    ]
    context = {
        "sessions": sessions,
        "has_totp": user_has_authenticator(user),
        "totp_required": user_role_requires_second_factor(user),
        "second_factor_in_use": user_requires_second_factor(user),
        "password_form": PasswordChangeForm(),
        "disable_form": PasswordConfirmForm(),
        "password_help": password_help_items(),
    }
    return render(request, "accounts/security.html", context)


@require_POST
def session_end_view(request: HttpRequest, session_id: str) -> HttpResponse:
    user = _current_user(request)
    current_key = request.session.session_key or ""
    match = next(
        (s.session_key for s in user_sessions(user) if _session_id(s.session_key) == session_id),
        None,
    )
    if match is None:
        raise NotFound
    if match == current_key:
        return logout_view(request)
    try:
        services.session_end(actor=Actor.from_request(request), user=user, session_key=match)
    except ServiceError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("That session has ended."))
    return redirect("accounts:security")


@require_POST
def sessions_end_others_view(request: HttpRequest) -> HttpResponse:
    user = _current_user(request)
    ended = services.sessions_end_others(
        actor=Actor.from_request(request),
        user=user,
        keep_session_key=request.session.session_key or "",
    )
    messages.success(
        request,
        ngettext(
            "Signed out of %(count)s other session.",
            "Signed out of %(count)s other sessions.",
            ended,
        )
        % {"count": ended},
    )
    return redirect("accounts:security")


@never_cache
@sensitive_post_parameters("current_password", "new_password", "new_password_again")
@require_http_methods(["GET", "POST"])
def password_change_view(request: HttpRequest) -> HttpResponse:
    user = _current_user(request)
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                actor=Actor.from_request(request),
                user=user,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password"],
                keep_session_key=request.session.session_key,
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            # Keeps this session valid and gives it a new key.
            update_session_auth_hash(request, user)
            messages.success(
                request, _("Your password was changed. Every other session has been signed out.")
            )
            return redirect("accounts:security")
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "password_help": password_help_items()},
    )


@never_cache
@sensitive_post_parameters("current_password")
@require_http_methods(["GET", "POST"])
def profile_view(request: HttpRequest) -> HttpResponse:
    user = _current_user(request)
    initial = {"email": user.email, "phone": display_phone(user.phone), "language": user.language}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_details_change(
                actor=Actor.from_request(request),
                user=user,
                email=form.cleaned_data["email"],
                phone=form.cleaned_data["phone"],
                current_password=form.cleaned_data["current_password"],
            )
            services.user_set_language(user=user, language=form.cleaned_data["language"])
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("Your details were saved."))
            response = redirect("accounts:profile")
            _set_language_cookie(response, user.language)
            return response
    return render(request, "accounts/profile.html", {"form": form, "account": user})


# --- Activation and password reset (signed out) -----------------------------------


@login_not_required
@never_cache
@sensitive_post_parameters("code", "new_password", "new_password_again")
@require_http_methods(["GET", "POST"])
def activate_view(request: HttpRequest) -> HttpResponse:
    form = ActivationForm(
        request.POST or None,
        initial={"code": request.GET.get("code", ""), "identifier": request.GET.get("u", "")},
    )
    if request.method == "POST":
        ip = client_ip(request)
        if address_is_throttled(ip):
            return _too_many_attempts(request)
        if form.is_valid():
            try:
                services.account_activate(
                    actor=Actor.from_request(request),
                    identifier=form.cleaned_data["identifier"],
                    code=form.cleaned_data["code"],
                    new_password=form.cleaned_data["new_password"],
                )
            except ServiceError as error:
                if error.field == "code":
                    address_failure_add(ip)
                apply_service_error(form, error)
            else:
                messages.success(
                    request, _("Your account is active. Sign in with your new password.")
                )
                return redirect("accounts:login")
    return render(
        request,
        "accounts/activate.html",
        {"form": form, "password_help": password_help_items()},
    )


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_request_view(request: HttpRequest) -> HttpResponse:
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST":
        ip = client_ip(request)
        if address_is_throttled(ip):
            return _too_many_attempts(request)
        if form.is_valid():
            # Every request counts toward the address ceiling: this form sends mail.
            address_failure_add(ip)
            services.password_reset_request(
                actor=Actor.from_request(request),
                identifier=form.cleaned_data["identifier"],
                link_for=lambda value: request.build_absolute_uri(
                    reverse("accounts:password_reset", args=[value])
                ),
            )
            return render(request, "accounts/password_reset_sent.html")
    return render(request, "accounts/password_reset_request.html", {"form": form})


@login_not_required
@never_cache
@sensitive_post_parameters("new_password", "new_password_again")
@require_http_methods(["GET", "POST"])
def password_reset_view(request: HttpRequest, token: str) -> HttpResponse:
    if not services.password_reset_token_valid(token):
        return render(request, "accounts/password_reset_invalid.html", status=410)
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_reset_complete(
                actor=Actor.from_request(request),
                value=token,
                new_password=form.cleaned_data["new_password"],
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("Your password was changed. Sign in with it now."))
            return redirect("accounts:login")
    return render(
        request,
        "accounts/password_reset.html",
        {"form": form, "password_help": password_help_items()},
    )


# --- Consent (LAW-1) ----------------------------------------------------------------


@never_cache
def consent_view(request: HttpRequest) -> HttpResponse:
    """Parents see and manage consent for each child; a student (7+) for themself."""
    user = _current_user(request)
    if not (user.is_student or user.is_parent):
        raise PermissionDenied
    entries = []
    if user.is_student:
        status = student_consent_status(user)
        entries.append(
            {
                "student": user,
                "status": status,
                "mine": status.child_consent,
                "can_give": status.child_required,
                "verified_link": True,
                "history": list(consent_history(user)),
            }
        )
    for link in children_of(user):
        status = student_consent_status(link.student)
        mine = next(
            (
                r
                for r in consent_history(link.student)
                if r.given_by_id == user.pk and r.withdrawn_at is None
            ),
            None,
        )
        entries.append(
            {
                "student": link.student,
                "status": status,
                "mine": mine,
                "can_give": link.verified,
                "verified_link": link.verified,
                "history": list(consent_history(link.student)),
            }
        )
    return render(request, "accounts/consent.html", {"entries": entries})


@require_POST
def consent_grant_view(request: HttpRequest, student_id: int) -> HttpResponse:
    user = _current_user(request)
    # Only the child or a guardian gives consent; anyone else who may see the
    # child is refused (403), everyone else learns nothing (404).
    student = access_student(user=user, student_id=student_id)
    if student.pk != user.pk and not children_of(user).filter(student=student).exists():
        raise PermissionDenied
    try:
        services.consent_grant(actor=Actor.from_request(request), student=student)
    except ServiceError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Your consent was recorded."))
    return redirect("accounts:consent")


@require_POST
def consent_withdraw_view(request: HttpRequest, record_id: int) -> HttpResponse:
    user = _current_user(request)
    record = access_own_consent(user=user, record_id=record_id)
    try:
        services.consent_withdraw(actor=Actor.from_request(request), record=record)
    except ServiceError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request,
            _(
                "Your consent was withdrawn. The school will no longer show this child's data "
                "outside the school."
            ),
        )
    return redirect("accounts:consent")
