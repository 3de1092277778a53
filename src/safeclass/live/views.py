"""Timetable, calendar, lesson and material pages, and the iCalendar feed."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language as translation_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safeclass.accounts import selectors as account_selectors
from safeclass.classes import selectors as class_selectors
from safeclass.classes import services as class_services
from safeclass.core.context import Actor
from safeclass.core.errors import Forbidden, NotFound, ServiceError
from safeclass.core.files import open_blob
from safeclass.core.forms import apply_service_error
from safeclass.core.roles import Capability
from safeclass.live import attendance, chat, room, selectors, services
from safeclass.live.exports import attendance_xlsx, class_attendance_xlsx
from safeclass.live.forms import (
    CancelForm,
    ChatForm,
    MaterialFileForm,
    MaterialLinkForm,
    PeriodForm,
    SessionCreateForm,
    SessionTimeForm,
    SlotForm,
)
from safeclass.live.ical import calendar_bytes
from safeclass.live.models import AttendanceStatus, MaterialKind, Weekday
from safeclass.moderation.data import Sender
from safeclass.moderation.services import MAX_IMAGE_BYTES
from safeclass.orgs import selectors as org_selectors


def _aware(day: date, at: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day, at), timezone.get_default_timezone())


def _school_teachers(school_id: int) -> list[tuple[int, str]]:
    return [
        (m.user_id, m.user.full_name)
        for m in account_selectors.memberships_at_unit(school_id)
        if m.role == "teacher"
    ]


# --- Periods ------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def periods_view(request: HttpRequest, unit_id: int) -> HttpResponse:
    school = org_selectors.access_unit(
        user=request.user, unit_id=unit_id, capability=Capability.MANAGE_CLASSES
    )
    if not school.is_school:
        raise Forbidden
    actor = Actor.from_request(request)
    services.periods_ensure(actor=actor, school=school)
    form = PeriodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.period_set(actor=actor, school=school, **form.cleaned_data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("The period was saved."))
            return redirect("live:periods", unit_id=school.pk)
    context = {"school": school, "periods": selectors.periods_of(school.pk), "form": form}
    return render(request, "live/periods.html", context)


# --- Weekly timetable ---------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def timetable_view(request: HttpRequest, class_id: int) -> HttpResponse:
    access = class_selectors.access_class(user=request.user, class_id=class_id)
    school_class = access.school_class
    terms = org_selectors.terms_of_year(school_class.school_year_id)
    if not terms:
        return render(request, "live/timetable.html", {"school_class": school_class, "terms": []})
    chosen = request.GET.get("hoc-ky") or request.POST.get("term") or ""
    term = next((t for t in terms if str(t.pk) == chosen), None) or _current_term(terms)
    actor = Actor.from_request(request)
    periods = selectors.periods_of(school_class.school_id)
    if not periods and access.manages_class:
        periods = services.periods_ensure(actor=actor, school=school_class.school)
    form = SlotForm(
        request.POST if request.method == "POST" and "subject" in request.POST else None,
        periods=[(p.pk, str(p)) for p in periods],
        teachers=_school_teachers(school_class.school_id),
    )
    if request.method == "POST":
        if not access.manages_class:
            raise Forbidden
        target = f"{reverse('live:timetable', args=[school_class.pk])}?hoc-ky={term.pk}"
        try:
            if "clear" in request.POST:
                slot = selectors.slot_in_class(
                    class_id=school_class.pk, slot_id=int(request.POST["clear"])
                )
                services.slot_clear(actor=actor, slot=slot)
                messages.success(request, _("The lesson was removed from the timetable."))
                return HttpResponseRedirect(target)
            if "generate" in request.POST:
                created = services.sessions_generate(
                    actor=actor, school_class=school_class, term=term
                )
                messages.success(
                    request,
                    ngettext(
                        "%(count)s lesson was added to the calendar.",
                        "%(count)s lessons were added to the calendar.",
                        created,
                    )
                    % {"count": created},
                )
                return HttpResponseRedirect(target)
            if form.is_valid():
                period = next(p for p in periods if p.pk == form.cleaned_data["period"])
                subject = class_services.subject_get_or_create(
                    actor=actor, school=school_class.school, name=form.cleaned_data["subject"]
                )
                teacher = account_selectors.staff_account_by_id(form.cleaned_data["teacher"])
                services.slot_set(
                    actor=actor,
                    school_class=school_class,
                    term=term,
                    weekday=form.cleaned_data["weekday"],
                    period=period,
                    subject=subject,
                    teacher=teacher,
                )
                messages.success(request, _("The timetable was saved."))
                return HttpResponseRedirect(target)
        except ServiceError as error:
            apply_service_error(form, error)
    slots = selectors.slots_of(school_class.pk, term.pk)
    grid = [
        {
            "period": period,
            "cells": [
                next(
                    (s for s in slots if s.weekday == day and s.period_id == period.pk),
                    None,
                )
                for day, _label in Weekday.choices[:6]
            ],
        }
        for period in periods
    ]
    context = {
        "access": access,
        "school_class": school_class,
        "terms": terms,
        "term": term,
        "days": Weekday.choices[:6],
        "grid": grid,
        "form": form,
        "has_slots": bool(slots),
    }
    return render(request, "live/timetable.html", context)


def _current_term(terms: list[Any]) -> Any:
    today = timezone.localdate()
    return next((t for t in terms if t.starts_on <= today <= t.ends_on), None) or next(
        (t for t in terms if t.starts_on > today), terms[-1]
    )


# --- Calendar -----------------------------------------------------------------------


def _week_from(request: HttpRequest) -> date:
    raw = request.GET.get("tuan", "")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return timezone.localdate()


@require_GET
def calendar_view(request: HttpRequest) -> HttpResponse:
    day = _week_from(request)
    start, end = selectors.week_bounds(day)
    sessions = selectors.sessions_between(request.user, start, end)
    days = []
    for offset in range(7):
        current = (start + timedelta(days=offset)).date()
        days.append(
            {
                "date": current,
                "sessions": [
                    s for s in sessions if timezone.localtime(s.starts_at).date() == current
                ],
            }
        )
    context = {
        "days": days,
        "week_start": start.date(),
        "previous": (start - timedelta(days=7)).date().isoformat(),
        "next": (start + timedelta(days=7)).date().isoformat(),
        "today": timezone.localdate(),
        "has_feed": selectors.has_calendar_feed(request.user),
    }
    return render(request, "live/calendar.html", context)


@never_cache
@require_POST
def calendar_feed_view(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    if request.POST.get("action") == "revoke":
        services.calendar_feed_revoke(actor=actor, user=request.user)  # type: ignore[arg-type]
        messages.success(request, _("Your calendar address no longer works."))
        return redirect("live:calendar")
    value = services.calendar_feed_issue(actor=actor, user=request.user)  # type: ignore[arg-type]
    url = request.build_absolute_uri(reverse("live:calendar_ics", args=[value]))
    return render(request, "live/calendar_feed.html", {"url": url})


@login_not_required
@require_GET
def calendar_ics_view(request: HttpRequest, token: str) -> HttpResponse:
    """The private feed: the timetable only (subjects, classes, times), no names."""
    owner = selectors.feed_owner(token)
    data = calendar_bytes(selectors.feed_sessions(owner))
    response = HttpResponse(data, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="safeclass.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


# --- One lesson ---------------------------------------------------------------------


@never_cache
@require_GET
def session_detail_view(request: HttpRequest, session_id: int) -> HttpResponse:
    access = selectors.access_session(user=request.user, session_id=session_id)
    session = access.session
    materials = selectors.session_materials(session)
    views_table = selectors.material_views(session) if access.sees_views else {}
    roster = []
    if access.sees_views:
        roster = class_selectors.display_names(
            session.school_class, list(class_selectors.class_roster(session.school_class))
        )
    local_start = timezone.localtime(session.starts_at)
    opened_rows = [
        {
            "entry": entry,
            "cells": [
                views_table.get(m.pk, {}).get(entry.enrollment.student_id) for m in materials
            ],
        }
        for entry in roster
    ]
    context = {
        "access": access,
        "session": session,
        "materials": materials,
        "opened_rows": opened_rows,
        "move_form": SessionTimeForm(
            initial={
                "day": local_start.date(),
                "starts_at": local_start.time(),
                "ends_at": timezone.localtime(session.ends_at).time(),
            }
        ),
        "cancel_form": CancelForm(),
        "file_form": MaterialFileForm(),
        "link_form": MaterialLinkForm(),
    }
    return render(request, "live/session_detail.html", context)


@require_POST
def session_move_view(request: HttpRequest, session_id: int) -> HttpResponse:
    access = selectors.access_session_to_change(user=request.user, session_id=session_id)
    form = SessionTimeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the date and times."))
        return redirect("live:session_detail", session_id=session_id)
    data = form.cleaned_data
    try:
        services.session_move(
            actor=Actor.from_request(request),
            session=access.session,
            starts_at=_aware(data["day"], data["starts_at"]),
            ends_at=_aware(data["day"], data["ends_at"]),
            reason=data["reason"],
        )
    except ServiceError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The lesson was moved; students and parents were told."))
    return redirect("live:session_detail", session_id=session_id)


@require_POST
def session_cancel_view(request: HttpRequest, session_id: int) -> HttpResponse:
    access = selectors.access_session_to_change(user=request.user, session_id=session_id)
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    services.session_cancel(
        actor=Actor.from_request(request), session=access.session, reason=reason
    )
    messages.success(request, _("The lesson was cancelled; students and parents were told."))
    return redirect("live:session_detail", session_id=session_id)


@never_cache
@require_http_methods(["GET", "POST"])
def session_create_view(request: HttpRequest, class_id: int) -> HttpResponse:
    access = class_selectors.access_class(user=request.user, class_id=class_id)
    if not (access.is_homeroom or access.manages_class or access.teaches):
        raise Forbidden
    school_class = access.school_class
    form = SessionCreateForm(
        request.POST or None, teachers=_school_teachers(school_class.school_id)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        actor = Actor.from_request(request)
        try:
            subject = (
                class_services.subject_get_or_create(
                    actor=actor, school=school_class.school, name=data["subject"]
                )
                if data["subject"].strip()
                else None
            )
            session = services.session_create(
                actor=actor,
                school_class=school_class,
                teacher=account_selectors.staff_account_by_id(data["teacher"]),
                subject=subject,
                title=data["title"],
                starts_at=_aware(data["day"], data["starts_at"]),
                ends_at=_aware(data["day"], data["ends_at"]),
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("The lesson was added; students and parents were told."))
            return redirect("live:session_detail", session_id=session.pk)
    return render(request, "live/session_create.html", {"school_class": school_class, "form": form})


# --- Materials ----------------------------------------------------------------------


@require_POST
def material_add_view(request: HttpRequest, session_id: int) -> HttpResponse:
    access = selectors.access_session(user=request.user, session_id=session_id)
    if not access.can_add_materials:
        raise Forbidden
    actor = Actor.from_request(request)
    try:
        if "url" in request.POST:
            link_form = MaterialLinkForm(request.POST)
            if not link_form.is_valid():
                raise ServiceError(_("Enter a full web address starting with https:// or http://"))
            services.material_add_link(
                actor=actor,
                session=access.session,
                title=link_form.cleaned_data["title"],
                url=link_form.cleaned_data["url"],
            )
        else:
            file_form = MaterialFileForm(request.POST, request.FILES)
            if not file_form.is_valid():
                raise ServiceError(_("Choose a file to upload."))
            upload = file_form.cleaned_data["file"]
            if upload.size > services.MAX_MATERIAL_BYTES:
                raise ServiceError(
                    _("The file is larger than %(size)s MB.")
                    % {"size": services.MAX_MATERIAL_BYTES // 2**20}
                )
            services.material_add_file(
                actor=actor,
                session=access.session,
                title=file_form.cleaned_data["title"],
                upload=services.UploadedFile(name=upload.name, data=upload.read()),
            )
    except ServiceError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The material was added."))
    return redirect("live:session_detail", session_id=session_id)


@require_POST
def material_remove_view(request: HttpRequest, material_id: int) -> HttpResponse:
    material, access = selectors.access_material(user=request.user, material_id=material_id)
    if not access.can_add_materials:
        raise Forbidden
    services.material_remove(actor=Actor.from_request(request), material=material)
    messages.success(request, _("The material was removed."))
    return redirect("live:session_detail", session_id=material.session_id)


@require_GET
def material_open_view(request: HttpRequest, material_id: int) -> HttpResponseBase:
    """Open a material, recording who opened it (CLS-6)."""
    material, _access = selectors.access_material(user=request.user, material_id=material_id)
    services.material_opened(user=request.user, material=material)  # type: ignore[arg-type]
    if material.kind == MaterialKind.LINK:
        return render(request, "live/material_link.html", {"material": material})
    inline = material.content_type.split(";")[0] in {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "audio/mpeg",
        "video/mp4",
        "text/plain",
    }
    response = FileResponse(
        open_blob(material.sha256),
        as_attachment=not inline,
        filename=material.file_name,
        content_type=material.content_type,
    )
    # A file is data, never a page: no scripts run from it, even if a browser guesses.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Chat and the teacher's review queue (CLS-1…CLS-3) -------------------------------


def _reason_text(message: Any, language: str) -> str:
    event = message.moderation_event
    if event is None:
        return ""
    key = "vi" if language.startswith("vi") else "en"
    return " ".join(reason.get(key, "") for reason in event.reasons)


@never_cache
@require_http_methods(["GET", "POST"])
def chat_view(request: HttpRequest, session_id: int) -> HttpResponse:
    access = selectors.access_session(user=request.user, session_id=session_id)
    role = selectors.chat_role(access, request.user)
    images = role == Sender.TEACHER or (role == Sender.STUDENT and access.session.student_images)
    form = ChatForm(request.POST or None, request.FILES or None, images=images)
    if request.method == "POST":
        if role is None:
            raise Forbidden
        if form.is_valid():
            upload = form.cleaned_data.get("image")
            try:
                message = chat.chat_post(
                    actor=Actor.from_request(request),
                    access=access,
                    text=form.cleaned_data["text"],
                    # One byte over the limit is enough for the service to refuse it.
                    image=upload.read(MAX_IMAGE_BYTES + 1) if upload else None,
                )
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                if message.status != "delivered" or message.text != form.cleaned_data["text"]:
                    messages.warning(request, _reason_text(message, translation_language()))
                return redirect("live:chat", session_id=session_id)
    language = translation_language()
    rows = [
        {
            "message": m,
            "reason": _reason_text(m, language) if m.sender_id == request.user.pk else "",
        }
        for m in selectors.chat_messages_visible(access, request.user)
    ]
    context = {
        "session": access.session,
        "access": access,
        "rows": rows,
        "form": form,
        "can_write": role is not None and not access.session.is_cancelled,
        "can_review": role == "teacher",
        "can_post_images": images,
    }
    return render(request, "live/chat.html", context)


@never_cache
@require_GET
def chat_image_view(request: HttpRequest, session_id: int, message_id: int) -> FileResponse:
    """A chat picture, for those who may see its message; never a public file address."""
    access = selectors.access_session(user=request.user, session_id=session_id)
    message = (
        selectors.chat_messages_visible(access, request.user)
        .filter(pk=message_id)
        .exclude(image_sha256="")
        .first()
    )
    if message is None:
        raise NotFound
    response = FileResponse(open_blob(message.image_sha256), content_type="image/jpeg")
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def chat_images_view(request: HttpRequest, session_id: int) -> HttpResponse:
    """The teacher's switch: may students post pictures in this lesson's chat?"""
    access = selectors.access_session(user=request.user, session_id=session_id)
    allowed = request.POST.get("allowed") == "1"
    chat.chat_images_set(actor=Actor.from_request(request), access=access, allowed=allowed)
    if allowed:
        messages.success(request, _("Students may now post pictures; each one is checked."))
    else:
        messages.success(request, _("Students can no longer post pictures."))
    return redirect("live:chat", session_id=session_id)


@never_cache
@require_GET
def review_queue_view(request: HttpRequest) -> HttpResponse:
    held = list(selectors.chat_messages_held_for(request.user))
    return render(request, "live/review_queue.html", {"held": held})


@require_POST
def review_view(request: HttpRequest, message_id: int) -> HttpResponse:
    message = selectors.access_chat_message(user=request.user, message_id=message_id)
    access = selectors.access_session(user=request.user, session_id=message.session_id)
    decision = request.POST.get("decision")
    if decision not in {"approve", "reject"}:
        messages.error(request, _("Choose whether to show the message or not."))
        return redirect("live:review_queue")
    try:
        chat.chat_review(
            actor=Actor.from_request(request),
            access=access,
            message_id=message.pk,
            approve=decision == "approve",
            note=request.POST.get("note", ""),
        )
    except ServiceError as error:
        messages.error(request, str(error.message))
    else:
        if decision == "approve":
            messages.success(request, _("The message is now shown to the class, in its place."))
        else:
            messages.success(request, _("The message stays hidden; its sender was told kindly."))
    return redirect("live:review_queue")


# --- the live room ----------------------------------------------------------------------

_REFUSALS = {
    room.Refusal.NOT_ALLOWED: (
        403,
        gettext_lazy(
            "This lesson is only for its class, its teachers and the guests they invited. "
            "Your attempt was recorded and the teacher was told."
        ),
    ),
    room.Refusal.REMOVED: (403, gettext_lazy("The teacher removed you from this lesson.")),
    room.Refusal.DENIED: (403, gettext_lazy("The teacher did not let you into this lesson.")),
    room.Refusal.TOO_EARLY: (200, gettext_lazy("The lesson has not opened yet.")),
    room.Refusal.LOCKED: (
        200,
        gettext_lazy("The teacher has locked the room. Ask your teacher or homeroom teacher."),
    ),
    room.Refusal.ENDED: (200, gettext_lazy("This lesson has ended.")),
    room.Refusal.CANCELLED: (200, gettext_lazy("This lesson was cancelled.")),
}


def _request_meta(request: HttpRequest) -> dict[str, str]:
    return {
        "ip": request.META.get("REMOTE_ADDR", ""),
        "agent": request.META.get("HTTP_USER_AGENT", "")[:200],
    }


@never_cache
@require_GET
def room_view(request: HttpRequest, session_id: int) -> HttpResponse:
    """The lesson's room: refused, waiting in the lobby, or in (ACC-1, ACC-5, ACC-6)."""
    entry = room.room_enter(
        actor=Actor.from_request(request),
        session_id=session_id,
        request_meta=_request_meta(request),
    )
    session = entry.session
    if entry.refusal is not None:
        status, message = _REFUSALS[entry.refusal]
        context = {
            "session": session,
            "message": message,
            "refusal": str(entry.refusal),
            "opens_at": entry.opens_at,
            "lobby_spread": settings.SAFECLASS_LOBBY_SPREAD_SECONDS,
            "hotline": True,
        }
        return render(request, "live/room_refused.html", context, status=status)
    participant = entry.participant
    if participant is None:  # every path without a participant is a refusal
        raise NotFound
    if not entry.admitted:
        materials = selectors.room_materials(session) if participant.role == "student" else []
        return render(
            request,
            "live/room_waiting.html",
            {"session": session, "participant": participant, "materials": materials},
        )
    teacher = participant.role == "teacher"
    controls = entry.controls or room.controls_of(session)
    people = selectors.room_participants(session, teacher=True)
    names = {p.user_id: p.display_name for p in people}
    # No message yet when the room's switches were read: nothing to ask for (one
    # stored since then has a later event number, which the socket reads on).
    messages_so_far, earlier = (
        selectors.room_chat_messages(session, request.user, teacher=teacher)
        if controls.chat_seq
        else ([], False)
    )
    rows = [{"message": m, "data": chat.message_data(m, names)} for m in messages_so_far]
    context = {
        "session": session,
        "entry": entry,
        "phase": str(entry.phase),
        "participant": participant,
        "teacher": teacher,
        "can_write": participant.role != "guest",
        "controls": controls,
        "participants": people if teacher else [p for p in people if p.state == "admitted"],
        "materials": selectors.room_materials(session),
        "rows": rows,
        "earlier_messages": earlier,
        "last_seq": controls.event_seq,
        "slow_mode_choices": room.SLOW_MODE_CHOICES,
        "reactions": attendance.REACTIONS,
        "security_events": selectors.room_security_events(session) if teacher else [],
    }
    return render(request, "live/room.html", context)


@require_POST
def room_control_view(request: HttpRequest, session_id: int) -> HttpResponse:
    """One teacher control, from the room page's buttons (audited in the service)."""
    action = request.POST.get("action", "")
    params: dict[str, Any] = {}
    for name in ("participant_id", "seconds", "text", "username"):
        if name in request.POST:
            params[name] = request.POST[name]
    if "on" in request.POST:
        params["on"] = request.POST["on"] == "1"
    if "ban" in request.POST:
        params["ban"] = request.POST["ban"] == "1"
    try:
        if "participant_id" in params:
            int(params["participant_id"])
        if "seconds" in params:
            int(params["seconds"])
        room.room_control(
            actor=Actor.from_request(request), session_id=session_id, action=action, **params
        )
    except ValueError:
        messages.error(request, _("That control needs a number."))
    except ServiceError as error:
        messages.error(request, str(error.message))
    return redirect("live:room", session_id=session_id)


@never_cache
@require_GET
def room_events_view(request: HttpRequest, session_id: int) -> JsonResponse:
    """One's state in the room (the lobby asks for it) and, once admitted, the room's
    log after ``?after=N``, for clients that cannot keep a socket open."""
    try:
        after = max(0, int(request.GET.get("after", "0")))
    except ValueError:
        after = 0
    state, found = selectors.room_log_for(session_id=session_id, user=request.user, after=after)
    return JsonResponse({"state": state, "events": found})


@never_cache
@require_http_methods(["GET", "POST"])
def attendance_view(request: HttpRequest, session_id: int) -> HttpResponse:
    """A lesson's attendance sheet (TRK-1); its teachers correct a status with a reason."""
    access = selectors.access_session(user=request.user, session_id=session_id)
    if not access.sees_views:
        raise Forbidden
    session = access.session
    can_correct = room.teaches(session, request.user)
    if request.method == "POST":
        try:
            attendance.correct(
                actor=Actor.from_request(request),
                session_id=session.pk,
                student_id=int(request.POST.get("student", "0")),
                status=request.POST.get("status", ""),
                reason=request.POST.get("reason", ""),
            )
        except ValueError:
            messages.error(request, _("Choose a student."))
        except ServiceError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("The status was corrected and the change recorded."))
        return redirect("live:attendance", session_id=session.pk)
    lines = attendance.sheet(session)
    if request.GET.get("format") == "xlsx":
        data = attendance_xlsx(session, lines)
        response = HttpResponse(
            data,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        day = timezone.localtime(session.starts_at).strftime("%Y-%m-%d")
        response["Content-Disposition"] = (
            f'attachment; filename="diem-danh-{session.school_class.name}-{day}.xlsx"'
        )
        return response
    context = {
        "session": session,
        "lines": lines,
        "can_correct": can_correct,
        "statuses": AttendanceStatus.choices,
    }
    return render(request, "live/attendance.html", context)


def _day(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


@never_cache
@require_GET
def class_attendance_view(request: HttpRequest, class_id: int) -> HttpResponse:
    """A class's attendance over a date range, one column per lesson (TRK-1)."""
    access = class_selectors.access_class(user=request.user, class_id=class_id)
    if not access.sees_roster:
        raise Forbidden
    today = timezone.localdate()
    last_day = _day(request.GET.get("den"), today)
    first_day = _day(request.GET.get("tu"), last_day - timedelta(days=6))
    if first_day > last_day:
        first_day, last_day = last_day, first_day
    if (last_day - first_day).days > 92:
        messages.warning(request, _("At most three months at a time; the range was shortened."))
        first_day = last_day - timedelta(days=92)
    sessions, roster, cells = attendance.class_range(access.school_class, first_day, last_day)
    if request.GET.get("format") == "xlsx":
        data = class_attendance_xlsx(access.school_class, sessions, roster, cells)
        response = HttpResponse(
            data,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="diem-danh-{access.school_class.name}-'
            f'{first_day.isoformat()}-{last_day.isoformat()}.xlsx"'
        )
        return response
    rows = [
        {
            "entry": entry,
            "cells": [cells.get((s.pk, entry.enrollment.student_id)) for s in sessions],
        }
        for entry in roster
    ]
    context = {
        "school_class": access.school_class,
        "sessions": sessions,
        "rows": rows,
        "first_day": first_day,
        "last_day": last_day,
        "labels": dict(AttendanceStatus.choices),
    }
    return render(request, "live/class_attendance.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def live_settings_view(request: HttpRequest, unit_id: int) -> HttpResponse:
    """A school's live-lesson rules: lobby, lateness, admission, absence notices."""
    school = org_selectors.access_unit(
        user=request.user, unit_id=unit_id, capability=Capability.MANAGE_CLASSES
    )
    if not school.is_school:
        raise Forbidden
    current = room.settings_of(school.pk)
    error = ""
    if request.method == "POST":
        try:
            room.settings_update(
                actor=Actor.from_request(request),
                school=school,
                lobby_minutes=int(request.POST.get("lobby_minutes") or 0),
                late_after_minutes=int(request.POST.get("late_after_minutes") or 0),
                admit_manually=request.POST.get("admit_manually") == "on",
                notify_absence=request.POST.get("notify_absence") == "on",
            )
        except ValueError:
            error = _("Enter whole numbers of minutes.")
        except ServiceError as problem:
            error = str(problem.message)
        else:
            messages.success(request, _("The live lesson settings were saved."))
            return redirect("live:settings", unit_id=school.pk)
    return render(
        request, "live/settings.html", {"school": school, "current": current, "error": error}
    )
