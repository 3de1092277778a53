"""The iCalendar feed: a person's timetable for their own calendar app.

It carries the schedule only: subject or title, class, times and whether a
lesson is cancelled. No names of teachers, students or parents leave SafeClass
this way, because a feed address can end up in a calendar shared with others.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC

from django.conf import settings
from icalendar import Calendar, Event

from safeclass.live.models import Session, SessionStatus


def calendar_bytes(sessions: Iterable[Session]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//SafeClass//Lop hoc an toan//VI")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "SafeClass")
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    host = settings.ALLOWED_HOSTS[0] if settings.ALLOWED_HOSTS else "safeclass"
    for session in sessions:
        event = Event()
        label = session.subject.name if session.subject else session.title
        event.add("uid", f"session-{session.pk}@{host}")
        event.add("summary", f"{label} – Lớp {session.school_class.name}")
        event.add("dtstart", session.starts_at.astimezone(UTC))
        event.add("dtend", session.ends_at.astimezone(UTC))
        event.add("dtstamp", session.updated_at.astimezone(UTC))
        event.add(
            "status", "CANCELLED" if session.status == SessionStatus.CANCELLED else "CONFIRMED"
        )
        calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data
