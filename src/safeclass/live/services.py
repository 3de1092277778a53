"""Writes about lessons: periods, weekly timetables, sessions and their changes,
calendar feeds and materials (TRK-3, CLS-6).

Every change that moves, adds or cancels a lesson notifies the class's
students and their confirmed parents, in-app and by email, through the notify
outbox written in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from safeclass.accounts import selectors as account_selectors
from safeclass.audit.services import audit_record
from safeclass.core import tokens
from safeclass.core.context import Actor
from safeclass.core.errors import ServiceError
from safeclass.core.files import store_bytes
from safeclass.core.filetypes import sniff
from safeclass.live.models import (
    CalendarFeed,
    Material,
    MaterialKind,
    MaterialView,
    PeriodTime,
    Session,
    SessionStatus,
    WeeklySlot,
)
from safeclass.notify import services as notify_services

if TYPE_CHECKING:
    from safeclass.accounts.models import User
    from safeclass.classes.models import SchoolClass, Subject
    from safeclass.orgs.models import Term, Unit

FEED_PURPOSE = "calendar_feed"
MAX_MATERIAL_BYTES = 25 * 1024 * 1024

# Periods of a Vietnamese primary school day (35-minute periods), used until a
# school sets its own; secondary schools usually change them to 45 minutes.
DEFAULT_PERIODS = [
    (1, time(7, 30), time(8, 5)),
    (2, time(8, 10), time(8, 45)),
    (3, time(9, 5), time(9, 40)),
    (4, time(9, 45), time(10, 20)),
    (5, time(10, 25), time(11, 0)),
    (6, time(14, 0), time(14, 35)),
    (7, time(14, 40), time(15, 15)),
    (8, time(15, 30), time(16, 5)),
    (9, time(16, 10), time(16, 45)),
]


def _local(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at), timezone.get_default_timezone())


def _format(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M %d/%m/%Y")


# --- Notifications ------------------------------------------------------------------


def class_audience(school_class: SchoolClass) -> list[User]:
    """The class's current students and their confirmed parents."""
    return account_selectors.class_audience(school_class.pk)


def _notify_change(session: Session, *, subject: str, body: str, extra: dict[str, str]) -> None:
    label = session.subject.name if session.subject else (session.title or _("Lesson"))
    notify_services.notify(
        recipients=class_audience(session.school_class),
        kind="timetable.change",
        subject=subject,
        body=body,
        params={
            "class": session.school_class.name,
            "subject": label,
            "when": _format(session.starts_at),
            **extra,
        },
        url=reverse("live:session_detail", args=[session.pk]),
    )


# --- Periods ------------------------------------------------------------------------


@transaction.atomic
def periods_ensure(*, actor: Actor, school: Unit) -> list[PeriodTime]:
    """The school's periods, created from the usual day on first use."""
    periods = list(PeriodTime.objects.filter(school=school).order_by("number"))
    if periods:
        return periods
    created = [
        PeriodTime.objects.create(school=school, number=n, starts_at=start, ends_at=end)
        for n, start, end in DEFAULT_PERIODS
    ]
    audit_record(
        action="live.periods_default", actor=actor, unit_id=school.pk, data={"count": len(created)}
    )
    return created


@transaction.atomic
def period_set(
    *, actor: Actor, school: Unit, number: int, starts_at: time, ends_at: time
) -> PeriodTime:
    if not 1 <= number <= 15:
        raise ServiceError(_("A period number is between 1 and 15."), field="number")
    if ends_at <= starts_at:
        raise ServiceError(_("A period must end after it starts."), field="ends_at")
    others = PeriodTime.objects.filter(school=school).exclude(number=number)
    if others.filter(starts_at__lt=ends_at, ends_at__gt=starts_at).exists():
        raise ServiceError(_("This period overlaps another one."), field="starts_at")
    period, _created = PeriodTime.objects.update_or_create(
        school=school, number=number, defaults={"starts_at": starts_at, "ends_at": ends_at}
    )
    audit_record(
        action="live.period_set",
        actor=actor,
        target=period,
        unit_id=school.pk,
        data={"number": number, "starts_at": f"{starts_at:%H:%M}", "ends_at": f"{ends_at:%H:%M}"},
    )
    return period


# --- Weekly timetable and sessions --------------------------------------------------


def _term_days(term: Term, weekday: int, start: date) -> Iterable[date]:
    day = max(term.starts_on, start)
    day += timedelta(days=(weekday - day.isoweekday()) % 7)
    while day <= term.ends_on:
        yield day
        day += timedelta(days=7)


def _check_teacher(school_class: SchoolClass, teacher: User) -> None:
    if (
        not teacher.is_active
        or not teacher.memberships.filter(
            unit_id=school_class.school_id, role="teacher", ended_at__isnull=True
        ).exists()
    ):
        raise ServiceError(_("This person is not a teacher of this school."), field="teacher")


def _generate_for_slot(slot: WeeklySlot, start: date) -> int:
    existing = set(Session.objects.filter(slot=slot).values_list("original_starts_at", "starts_at"))
    taken = {first or second for first, second in existing}
    created = 0
    for day in _term_days(slot.term, slot.weekday, start):
        starts_at = _local(day, slot.period.starts_at)
        if starts_at in taken:
            continue
        Session.objects.create(
            school_class=slot.school_class,
            subject=slot.subject,
            teacher=slot.teacher,
            starts_at=starts_at,
            ends_at=_local(day, slot.period.ends_at),
            slot=slot,
        )
        created += 1
    return created


@transaction.atomic
def slot_set(
    *,
    actor: Actor,
    school_class: SchoolClass,
    term: Term,
    weekday: int,
    period: PeriodTime,
    subject: Subject,
    teacher: User,
) -> WeeklySlot:
    """Put a lesson in the weekly timetable; lessons from today on follow it."""
    if period.school_id != school_class.school_id or subject.school_id != school_class.school_id:
        raise ServiceError(_("This period or subject belongs to another school."))
    if not 1 <= weekday <= 7:
        raise ServiceError(_("Choose a day of the week."), field="weekday")
    if not school_class.school.path.startswith(term.school_year.unit.path) or (
        term.school_year_id != school_class.school_year_id
    ):
        raise ServiceError(_("This term is not in the class's school year."), field="term")
    _check_teacher(school_class, teacher)
    clash = (
        WeeklySlot.objects.filter(term=term, weekday=weekday, period=period, teacher=teacher)
        .exclude(school_class=school_class)
        .select_related("school_class")
        .first()
    )
    if clash is not None:
        raise ServiceError(
            _("%(teacher)s already teaches class %(class)s at that time.")
            % {"teacher": teacher.full_name, "class": clash.school_class.name},
            field="teacher",
        )
    slot = WeeklySlot.objects.filter(
        school_class=school_class, term=term, weekday=weekday, period=period
    ).first()
    today = timezone.localdate()
    if slot is not None:
        if slot.subject_id == subject.pk and slot.teacher_id == teacher.pk:
            return slot
        _cancel_future(slot, today)
        slot.subject, slot.teacher = subject, teacher
        slot.save(update_fields=["subject", "teacher"])
    else:
        slot = WeeklySlot.objects.create(
            school_class=school_class,
            term=term,
            weekday=weekday,
            period=period,
            subject=subject,
            teacher=teacher,
        )
    generated = _generate_for_slot(slot, today) if _class_generated(school_class, term) else 0
    audit_record(
        action="live.slot_set",
        actor=actor,
        target=slot,
        unit_id=school_class.school_id,
        data={
            "class": school_class.name,
            "weekday": weekday,
            "period": period.number,
            "subject": subject.name,
            "teacher": teacher.username,
            "sessions": generated,
        },
    )
    if generated:
        _notify_timetable(school_class)
    return slot


def _class_generated(school_class: SchoolClass, term: Term) -> bool:
    return Session.objects.filter(school_class=school_class, slot__term=term).exists()


def _cancel_future(slot: WeeklySlot, today: date) -> int:
    """Lessons of a changed cell from today on are cancelled (their history stays)."""
    return Session.objects.filter(
        slot=slot, starts_at__gte=_local(today, time(0, 0)), status=SessionStatus.SCHEDULED
    ).update(status=SessionStatus.CANCELLED, change_note="timetable", slot=None)


@transaction.atomic
def slot_clear(*, actor: Actor, slot: WeeklySlot) -> None:
    school_class = slot.school_class
    cancelled = _cancel_future(slot, timezone.localdate())
    Session.objects.filter(slot=slot).update(slot=None)
    audit_record(
        action="live.slot_clear",
        actor=actor,
        target=slot,
        unit_id=school_class.school_id,
        data={"class": school_class.name, "weekday": slot.weekday, "cancelled": cancelled},
    )
    slot.delete()
    if cancelled:
        _notify_timetable(school_class)


def _notify_timetable(school_class: SchoolClass) -> None:
    notify_services.notify(
        recipients=class_audience(school_class),
        kind="timetable.change",
        subject=gettext_noop("The timetable of class %(class)s has changed"),
        body=gettext_noop(
            "The weekly timetable of class %(class)s was changed. See the new lessons in "
            "your SafeClass calendar."
        ),
        params={"class": school_class.name},
        url=reverse("live:calendar"),
    )


@transaction.atomic
def sessions_generate(*, actor: Actor, school_class: SchoolClass, term: Term) -> int:
    """Create the term's lessons from the weekly timetable, from today on (idempotent)."""
    slots = list(
        WeeklySlot.objects.filter(school_class=school_class, term=term).select_related(
            "period", "term", "school_class"
        )
    )
    if not slots:
        raise ServiceError(_("The weekly timetable of this class is empty."))
    start = max(timezone.localdate(), term.starts_on)
    created = sum(_generate_for_slot(slot, start) for slot in slots)
    audit_record(
        action="live.sessions_generate",
        actor=actor,
        target=school_class,
        unit_id=school_class.school_id,
        data={"class": school_class.name, "term": term.name, "created": created},
    )
    if created:
        _notify_timetable(school_class)
    return created


@transaction.atomic
def session_create(
    *,
    actor: Actor,
    school_class: SchoolClass,
    teacher: User,
    subject: Subject | None,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
) -> Session:
    """A one-off lesson (an extra class, a make-up lesson, a meeting with parents)."""
    if ends_at <= starts_at:
        raise ServiceError(_("A lesson must end after it starts."), field="ends_at")
    if ends_at - starts_at > timedelta(hours=5):
        raise ServiceError(_("A lesson lasts at most 5 hours."), field="ends_at")
    if subject is None and not title.strip():
        raise ServiceError(_("Give the lesson a subject or a title."), field="title")
    _check_teacher(school_class, teacher)
    session = Session.objects.create(
        school_class=school_class,
        subject=subject,
        teacher=teacher,
        title=title.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
    )
    audit_record(
        action="live.session_create",
        actor=actor,
        target=session,
        unit_id=school_class.school_id,
        data={"class": school_class.name, "starts_at": starts_at.isoformat()},
    )
    _notify_change(
        session,
        subject=gettext_noop("New lesson for class %(class)s"),
        body=gettext_noop("A lesson was added for class %(class)s: %(subject)s at %(when)s."),
        extra={},
    )
    return session


@transaction.atomic
def session_move(
    *, actor: Actor, session: Session, starts_at: datetime, ends_at: datetime, reason: str
) -> Session:
    if session.is_cancelled:
        raise ServiceError(_("This lesson was cancelled."))
    if ends_at <= starts_at:
        raise ServiceError(_("A lesson must end after it starts."), field="ends_at")
    if ends_at - starts_at > timedelta(hours=5):
        raise ServiceError(_("A lesson lasts at most 5 hours."), field="ends_at")
    if starts_at == session.starts_at and ends_at == session.ends_at:
        return session
    old = session.starts_at
    if session.original_starts_at is None:
        session.original_starts_at = session.starts_at
    session.starts_at, session.ends_at = starts_at, ends_at
    session.change_note = reason.strip()[:200]
    session.save(
        update_fields=["starts_at", "ends_at", "original_starts_at", "change_note", "updated_at"]
    )
    audit_record(
        action="live.session_move",
        actor=actor,
        target=session,
        unit_id=session.school_class.school_id,
        data={"from": old.isoformat(), "to": starts_at.isoformat(), "reason": session.change_note},
    )
    _notify_change(
        session,
        subject=gettext_noop("Lesson moved: %(subject)s, class %(class)s"),
        body=gettext_noop(
            "The %(subject)s lesson of class %(class)s planned for %(old)s is now at "
            "%(when)s. %(reason)s"
        ),
        extra={"old": _format(old), "reason": session.change_note},
    )
    return session


@transaction.atomic
def session_cancel(*, actor: Actor, session: Session, reason: str) -> Session:
    if session.is_cancelled:
        return session
    session.status = SessionStatus.CANCELLED
    session.change_note = reason.strip()[:200]
    session.save(update_fields=["status", "change_note", "updated_at"])
    audit_record(
        action="live.session_cancel",
        actor=actor,
        target=session,
        unit_id=session.school_class.school_id,
        data={"starts_at": session.starts_at.isoformat(), "reason": session.change_note},
    )
    _notify_change(
        session,
        subject=gettext_noop("Lesson cancelled: %(subject)s, class %(class)s"),
        body=gettext_noop(
            "The %(subject)s lesson of class %(class)s at %(when)s is cancelled. %(reason)s"
        ),
        extra={"reason": session.change_note},
    )
    return session


# --- Calendar feed ------------------------------------------------------------------


@transaction.atomic
def calendar_feed_issue(*, actor: Actor, user: User) -> str:
    """A new private iCalendar address; the previous one stops working."""
    value = tokens.new_link_token()
    CalendarFeed.objects.update_or_create(
        user=user, defaults={"digest": tokens.token_digest(FEED_PURPOSE, value)}
    )
    audit_record(action="live.calendar_feed_issue", actor=actor, target=user, data={})
    return value


@transaction.atomic
def calendar_feed_revoke(*, actor: Actor, user: User) -> None:
    deleted, _details = CalendarFeed.objects.filter(user=user).delete()
    if deleted:
        audit_record(action="live.calendar_feed_revoke", actor=actor, target=user, data={})


# --- Materials ----------------------------------------------------------------------


def _author(actor: Actor) -> User:
    user = account_selectors.acting_user(actor)
    if user is None:
        raise ServiceError(_("Sign in to add materials."))
    return user


@dataclass(frozen=True)
class UploadedFile:
    name: str
    data: bytes


@transaction.atomic
def material_add_file(
    *, actor: Actor, session: Session, title: str, upload: UploadedFile
) -> Material:
    if not upload.data:
        raise ServiceError(_("The file is empty."), field="file")
    if len(upload.data) > MAX_MATERIAL_BYTES:
        raise ServiceError(
            _("The file is larger than %(size)s MB.") % {"size": MAX_MATERIAL_BYTES // 2**20},
            field="file",
        )
    kind = sniff(upload.data)
    if kind is None:
        raise ServiceError(
            _(
                "This kind of file cannot be shared in a class. Use PDF, Word, Excel, "
                "PowerPoint, pictures (PNG, JPEG), audio (MP3), video (MP4) or text."
            ),
            field="file",
        )
    sha256 = store_bytes(upload.data)
    name = upload.name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:150] or f"tai-lieu.{kind.extension}"
    material = Material.objects.create(
        session=session,
        title=(title.strip() or name)[:150],
        kind=MaterialKind.FILE,
        sha256=sha256,
        file_name=name,
        content_type=kind.content_type,
        size=len(upload.data),
        created_by=_author(actor),
    )
    audit_record(
        action="live.material_add",
        actor=actor,
        target=material,
        unit_id=session.school_class.school_id,
        data={"session": session.pk, "sha256": sha256, "type": kind.label},
    )
    return material


@transaction.atomic
def material_add_link(*, actor: Actor, session: Session, title: str, url: str) -> Material:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ServiceError(
            _("Enter a full web address starting with https:// or http://"), field="url"
        )
    material = Material.objects.create(
        session=session,
        title=(title.strip() or parts.hostname)[:150],
        kind=MaterialKind.LINK,
        url=url[:500],
        created_by=_author(actor),
    )
    audit_record(
        action="live.material_add",
        actor=actor,
        target=material,
        unit_id=session.school_class.school_id,
        data={"session": session.pk, "link_host": parts.hostname},
    )
    return material


@transaction.atomic
def material_remove(*, actor: Actor, material: Material) -> None:
    if material.removed_at is not None:
        return
    material.removed_at = timezone.now()
    material.save(update_fields=["removed_at"])
    audit_record(
        action="live.material_remove",
        actor=actor,
        target=material,
        unit_id=material.session.school_class.school_id,
        data={"session": material.session_id},
    )


@transaction.atomic
def material_opened(*, user: User, material: Material) -> None:
    """Who opened what, for the teacher (CLS-6). Not an audit event: it is routine."""
    now = timezone.now()
    view, created = MaterialView.objects.get_or_create(
        material=material, user=user, defaults={"first_opened_at": now, "last_opened_at": now}
    )
    if not created:
        MaterialView.objects.filter(pk=view.pk).update(last_opened_at=now, count=view.count + 1)
