"""Lessons in time: the school's periods, each class's weekly timetable, the
sessions (one scheduled lesson each) it generates, and their materials.

A session is what a student attends: it has a class, a subject, a teacher, a
start and an end. The live classroom (lobby, admission, chat) builds on it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Weekday(models.IntegerChoices):
    MONDAY = 1, _("Monday")
    TUESDAY = 2, _("Tuesday")
    WEDNESDAY = 3, _("Wednesday")
    THURSDAY = 4, _("Thursday")
    FRIDAY = 5, _("Friday")
    SATURDAY = 6, _("Saturday")
    SUNDAY = 7, _("Sunday")


class PeriodTime(models.Model):
    """A school's period (tiết học): number and clock times."""

    school = models.ForeignKey("orgs.Unit", on_delete=models.CASCADE, related_name="periods")
    number = models.PositiveSmallIntegerField(_("period"))
    starts_at = models.TimeField(_("starts at"))
    ends_at = models.TimeField(_("ends at"))

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["school", "number"], name="live_period_unique"),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="live_period_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}: {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class WeeklySlot(models.Model):
    """One cell of a class's weekly timetable for a term."""

    school_class = models.ForeignKey(
        "classes.SchoolClass", on_delete=models.CASCADE, related_name="weekly_slots"
    )
    term = models.ForeignKey("orgs.Term", on_delete=models.PROTECT, related_name="+")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    period = models.ForeignKey(PeriodTime, on_delete=models.PROTECT, related_name="slots")
    subject = models.ForeignKey("classes.Subject", on_delete=models.PROTECT, related_name="+")
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="weekly_slots"
    )

    class Meta:
        ordering = ["weekday", "period__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["school_class", "term", "weekday", "period"], name="live_slot_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.school_class_id} {self.weekday}/{self.period_id}"


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")


class Session(models.Model):
    """One scheduled lesson of a class."""

    school_class = models.ForeignKey(
        "classes.SchoolClass", on_delete=models.CASCADE, related_name="sessions"
    )
    subject = models.ForeignKey(
        "classes.Subject", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sessions_taught"
    )
    title = models.CharField(_("title"), max_length=150, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(
        max_length=10, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    # The timetable cell this session was generated from; empty for one-off sessions.
    slot = models.ForeignKey(
        WeeklySlot, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions"
    )
    # Where the generated session was originally, once it has been moved.
    original_starts_at = models.DateTimeField(null=True, blank=True)
    change_note = models.CharField(_("reason"), max_length=200, blank=True)
    # Students may post pictures in the chat only when the teacher allows it (CLS-2).
    student_images = models.BooleanField(_("students may post pictures"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["school_class", "starts_at"]),
            models.Index(fields=["teacher", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="live_session_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.school_class_id} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED


class CalendarFeed(models.Model):
    """A person's private iCalendar address; replacing it revokes the old one."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"calendar feed of {self.user_id}"


class MaterialKind(models.TextChoices):
    FILE = "file", _("File")
    LINK = "link", _("Link")


class Material(models.Model):
    """A file or link a teacher attaches to a session (CLS-6)."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="materials")
    title = models.CharField(_("title"), max_length=150)
    kind = models.CharField(max_length=5, choices=MaterialKind.choices)
    url = models.URLField(_("link"), max_length=500, blank=True)
    # Files are stored once per content (see core/files.py): the SHA-256 names them.
    sha256 = models.CharField(max_length=64, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.title


class MaterialView(models.Model):
    """Who opened a material, first and last time."""

    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="views")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    first_opened_at = models.DateTimeField()
    last_opened_at = models.DateTimeField()
    count = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["material", "user"], name="live_materialview_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} opened {self.material_id}"


class ChatStatus(models.TextChoices):
    DELIVERED = "delivered", _("Delivered")
    HELD = "held", _("Waiting for the teacher")
    REJECTED = "rejected", _("Not approved")
    BLOCKED = "blocked", _("Blocked")


class ChatMessage(models.Model):
    """One chat message of a lesson, numbered in the order it was received.

    Every message gets its number when it is stored, whatever the verdict, so
    a held message that the teacher approves later appears where it was said.
    """

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="chat_messages")
    seq = models.PositiveIntegerField()
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # What the class sees (personal data and rude words masked when the verdict says so).
    text = models.TextField(blank=True)
    # A picture, re-encoded without its metadata (see moderation.engine.images.prepare).
    # Never kept when it matched a hash list: the moderation event keeps its hashes.
    # Kept in the content-addressed store (safeclass.core.files) under its SHA-256.
    image_sha256 = models.CharField(max_length=64, blank=True)
    image_width = models.PositiveSmallIntegerField(null=True, blank=True)
    image_height = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=ChatStatus.choices)
    # A student's private question to the teachers (when the lesson allows them):
    # seen only by its sender and the class's teachers.
    private = models.BooleanField(default=False)
    categories = models.JSONField(default=list, blank=True)
    moderation_event = models.ForeignKey(
        "moderation.ModerationEvent",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["session", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["session", "seq"], name="chat_message_seq_unique")
        ]
        indexes = [models.Index(fields=["session", "status", "seq"])]

    def __str__(self) -> str:
        return f"{self.session_id}#{self.seq}"


# --- The live room (issue: live classroom) ------------------------------------------


class LiveSettings(models.Model):
    """Per-school rules for live lessons. Created with the defaults on first use."""

    school = models.OneToOneField("orgs.Unit", on_delete=models.CASCADE, related_name="+")
    # ACC-6: students may come in this many minutes before the start.
    lobby_minutes = models.PositiveSmallIntegerField(_("lobby opens (minutes before)"), default=10)
    # TRK-1: arriving later than the start plus this is "late".
    late_after_minutes = models.PositiveSmallIntegerField(_("late after (minutes)"), default=5)
    # Every student waits for the teacher, instead of being let in automatically.
    admit_manually = models.BooleanField(_("the teacher admits every student"), default=False)
    # FAM-2: tell parents when their child missed a lesson.
    notify_absence = models.BooleanField(_("tell parents about an absence"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"live settings of {self.school_id}"


class RoomRole(models.TextChoices):
    TEACHER = "teacher", _("Teacher")
    STUDENT = "student", _("Student")
    GUEST = "guest", _("Guest")


class ParticipantState(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    ADMITTED = "admitted", _("Admitted")
    DENIED = "denied", _("Denied")
    REMOVED = "removed", _("Removed")


class RoomControls(models.Model):
    """The teacher's switches for one lesson (every change is audited)."""

    session = models.OneToOneField(Session, on_delete=models.CASCADE, related_name="controls")
    started_at = models.DateTimeField(null=True, blank=True)  # the teacher opened the lesson
    ended_at = models.DateTimeField(null=True, blank=True)  # the teacher ended it for everyone
    locked = models.BooleanField(default=False)  # nobody new comes in, not even to the lobby
    chat_off = models.BooleanField(default=False)  # students cannot write
    slow_mode_seconds = models.PositiveSmallIntegerField(default=0)
    student_links = models.BooleanField(default=True)  # links go to moderation; off: refused
    suspended = models.BooleanField(default=False)  # "suspend student activity"
    private_questions = models.BooleanField(default=False)  # student → teacher questions
    pinned = models.CharField(max_length=300, blank=True)
    # The number of the last room event (see RoomEvent.seq) and of the last chat
    # message (ChatMessage.seq): the room's counters live in the row every room
    # event locks first.
    event_seq = models.PositiveIntegerField(default=0)
    chat_seq = models.PositiveIntegerField(default=0)
    # The number of the last room event that may have changed who can write what
    # (a switch, a participant's place); messages, reactions and presence leave it.
    # A chat message checked on a room read earlier is stored only if it is unchanged.
    rules_seq = models.PositiveIntegerField(default=0)
    # FAM-2: when the parents of absent students were told (once per lesson).
    absences_notified_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"controls of {self.session_id}"


_ROLE_LABELS = dict(RoomRole.choices)  # value: its label, translated when shown
_STATE_LABELS = dict(ParticipantState.choices)


class Participant(models.Model):
    """One person's place in one lesson: admitted, waiting, denied or removed."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=8, choices=RoomRole.choices)
    state = models.CharField(max_length=8, choices=ParticipantState.choices)
    # ACC-3: the name everyone sees, from the school's policy; nobody can change it here.
    display_name = models.CharField(max_length=150)
    on_roster = models.BooleanField(default=True)
    # Removed with "do not let back in for this session".
    banned = models.BooleanField(default=False)
    chat_muted = models.BooleanField(default=False)
    hand_raised_at = models.DateTimeField(null=True, blank=True)
    # ACC-4: the one live connection this account may have in this lesson.
    connection = models.CharField(max_length=64, blank=True)
    takeovers = models.PositiveSmallIntegerField(default=0)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="live_participant_once")
        ]
        ordering = ["session", "role", "display_name"]

    def __str__(self) -> str:
        return f"{self.display_name} in {self.session_id}"

    # The room page lists everyone with these: ``get_role_display`` would build a
    # dictionary of the translated choices again for every row. An unknown value
    # shows as itself, as it does there.
    @property
    def role_label(self) -> str:
        return str(_ROLE_LABELS.get(self.role, self.role))

    @property
    def state_label(self) -> str:
        return str(_STATE_LABELS.get(self.state, self.state))


class Presence(models.Model):
    """One stretch of time a participant was connected (TRK-1: attendance)."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="presences")
    connection = models.CharField(max_length=64)
    joined_at = models.DateTimeField()
    # Still connected while empty. A server that dies cannot close it: the
    # client's heartbeat (``seen_at``) then tells how long it really lasted.
    left_at = models.DateTimeField(null=True, blank=True)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["participant", "joined_at"]
        indexes = [models.Index(fields=["connection"])]

    def __str__(self) -> str:
        return f"{self.participant_id} {self.joined_at:%H:%M}–{self.left_at or ''}"


class GuestInvite(models.Model):
    """A named guest (an inspector, a visiting teacher) invited to one lesson by its teacher."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="guest_invites")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="live_guest_once")]

    def __str__(self) -> str:
        return f"guest {self.user_id} in {self.session_id}"


class RoomEvent(models.Model):
    """The durable log of a lesson's room: admissions, presence, controls, chat.

    Numbered per lesson when stored; the socket only says "there is news",
    and a client that reconnects or sees a gap reads everything after the
    last number it has (architecture §6).
    """

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="room_events")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=32)
    data = models.JSONField(default=dict)
    # Only the teachers see it (an entry refused, a take-over, a waiting guest).
    teachers_only = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["session", "seq"], name="live_room_event_seq_unique")
        ]

    def __str__(self) -> str:
        return f"{self.session_id}#{self.seq} {self.kind}"


class AttendanceStatus(models.TextChoices):
    ON_TIME = "on_time", _("On time")
    LATE = "late", _("Late")
    LEFT_EARLY = "left_early", _("Left early")
    ABSENT = "absent", _("Absent")
    EXCUSED = "excused", _("Excused")


class AttendanceCorrection(models.Model):
    """A teacher's correction of one student's computed status, with the reason (audited)."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="+")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=AttendanceStatus.choices)
    reason = models.CharField(max_length=300)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    corrected_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "student"], name="live_correction_once")
        ]

    def __str__(self) -> str:
        return f"{self.student_id} {self.status} in {self.session_id}"
