"""The live room: entry by identity only, the lobby, the teacher's controls and the
room's numbered log (ACC-1, ACC-3, ACC-5, ACC-6, CLS-3, CLS-5, CLS-7)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone, translation

from safeclass.accounts.tests.factories import ParentFactory, UserFactory
from safeclass.audit.models import AuditEvent
from safeclass.classes.tests.factories import accept_pending_rules, class_world
from safeclass.core.context import Actor
from safeclass.core.errors import Forbidden, ServiceError
from safeclass.live import chat, room, services
from safeclass.live.models import (
    ChatMessage,
    ParticipantState,
    RoomEvent,
    SessionStatus,
)
from safeclass.live.selectors import access_session
from safeclass.moderation.models import ModerationEvent

pytestmark = pytest.mark.django_db


def ready(student: Any) -> Any:
    """A student who activated the account and accepted the class rules."""
    student.activated_at = timezone.now()
    student.save(update_fields=["activated_at"])
    accept_pending_rules(student)
    return student


def unverified(student: Any) -> Any:
    """Class rules accepted, account never activated: waits for the teacher (ACC-5)."""
    accept_pending_rules(student)
    student.activated_at = None
    student.save(update_fields=["activated_at"])
    return student


def make_lesson(minutes_from_now: float = 5, students: int = 3) -> SimpleNamespace:
    world = class_world(students=students)
    start = timezone.now() + timedelta(minutes=minutes_from_now)
    session = services.session_create(
        actor=Actor.system(),
        school_class=world.school_class,
        teacher=world.homeroom,
        subject=None,
        title="Toán",
        starts_at=start,
        ends_at=start + timedelta(minutes=35),
    )
    return SimpleNamespace(session=session, world=world, teacher=world.homeroom)


@pytest.fixture
def lesson() -> SimpleNamespace:
    return make_lesson()


def enter(lesson: SimpleNamespace, user: Any) -> room.Entry:
    return room.room_enter(actor=Actor(user=user), session_id=lesson.session.pk)


def control(lesson: SimpleNamespace, action: str, **params: Any) -> None:
    room.room_control(
        actor=Actor(user=lesson.teacher), session_id=lesson.session.pk, action=action, **params
    )


def test_the_teacher_comes_in_directly_under_their_name(lesson: SimpleNamespace) -> None:
    entry = enter(lesson, lesson.teacher)
    assert entry.admitted and entry.phase == room.Phase.LOBBY
    assert entry.participant is not None
    assert entry.participant.role == "teacher"
    assert entry.participant.display_name == lesson.teacher.full_name


def test_a_ready_student_is_let_in_from_the_lobby_under_the_roster_name(
    lesson: SimpleNamespace,
) -> None:
    """ACC-3, ACC-6: the school's display name ("01 - Full Name"), 10 minutes early."""
    student = ready(lesson.world.students[0])
    entry = enter(lesson, student)
    assert entry.admitted
    assert entry.participant is not None
    assert entry.participant.display_name.startswith("01 - ")
    assert student.full_name in entry.participant.display_name


def test_before_the_lobby_opens_a_student_is_told_when_to_come() -> None:
    lesson = make_lesson(minutes_from_now=60)
    student = ready(lesson.world.students[0])
    entry = enter(lesson, student)
    assert entry.refusal == room.Refusal.TOO_EARLY
    assert entry.opens_at == lesson.session.starts_at - timedelta(minutes=10)
    assert entry.participant is None


def test_an_unverified_student_waits_for_the_teacher(lesson: SimpleNamespace) -> None:
    student = lesson.world.students[0]
    accept_pending_rules(student)
    student.activated_at = None  # rules accepted, but the account was never activated
    student.save(update_fields=["activated_at"])
    entry = enter(lesson, student)
    assert not entry.admitted and entry.participant is not None
    assert entry.participant.state == ParticipantState.WAITING
    control(lesson, "admit", participant_id=entry.participant.pk)
    assert enter(lesson, student).admitted


def test_a_student_who_has_not_accepted_the_class_rules_waits(lesson: SimpleNamespace) -> None:
    """ACC-5: let in without the teacher only once this class's current rules are accepted."""
    student = lesson.world.students[0]
    student.activated_at = timezone.now()
    student.save(update_fields=["activated_at"])
    entry = enter(lesson, student)
    assert entry.participant is not None
    assert entry.participant.state == ParticipantState.WAITING
    latecomer = lesson.world.students[1]
    ready(latecomer)
    assert enter(lesson, latecomer).admitted


def test_a_school_can_make_every_student_wait(lesson: SimpleNamespace) -> None:
    room.settings_update(
        actor=Actor.system(),
        school=lesson.world.school,
        lobby_minutes=10,
        late_after_minutes=5,
        admit_manually=True,
        notify_absence=False,
    )
    first, second = (ready(s) for s in lesson.world.students[:2])
    assert not enter(lesson, first).admitted
    assert not enter(lesson, second).admitted
    control(lesson, "admit_all")
    assert enter(lesson, first).admitted and enter(lesson, second).admitted


@pytest.mark.parametrize("who", ["other_school_student", "parent", "staff"])
def test_a_stranger_is_refused_recorded_and_shown_to_the_teacher(
    lesson: SimpleNamespace, who: str
) -> None:
    """ACC-1, ACC-5: the lesson's address grants nothing by itself."""
    stranger = {
        "other_school_student": lambda: class_world(students=1).students[0],
        "parent": lambda: lesson.world.parents[0],  # a parent is not a participant either
        "staff": lambda: UserFactory(),
    }[who]()
    entry = enter(lesson, stranger)
    assert entry.refusal == room.Refusal.NOT_ALLOWED and entry.participant is None
    audit = AuditEvent.objects.get(action="security.live_entry_refused")
    assert audit.actor_id == stranger.pk
    shown = RoomEvent.objects.get(session=lesson.session, kind="entry_refused")
    assert shown.teachers_only and shown.data["name"] == stranger.full_name


def test_an_invited_guest_always_waits_and_is_marked_not_on_roster(
    lesson: SimpleNamespace,
) -> None:
    inspector = UserFactory(username="thanh.tra")
    assert enter(lesson, inspector).refusal == room.Refusal.NOT_ALLOWED
    control(lesson, "invite", username="thanh.tra")
    entry = enter(lesson, inspector)
    assert entry.participant is not None
    assert entry.participant.state == ParticipantState.WAITING
    assert entry.participant.role == "guest" and not entry.participant.on_roster
    control(lesson, "admit", participant_id=entry.participant.pk)
    assert enter(lesson, inspector).admitted


def test_a_removed_student_cannot_come_back_in_this_lesson(lesson: SimpleNamespace) -> None:
    student = ready(lesson.world.students[0])
    participant = enter(lesson, student).participant
    assert participant is not None
    control(lesson, "remove", participant_id=participant.pk, ban=True)
    again = enter(lesson, student)
    assert again.refusal == room.Refusal.REMOVED
    assert RoomEvent.objects.filter(session=lesson.session, kind="removed_retry").exists()
    with pytest.raises(ServiceError):
        control(lesson, "admit", participant_id=participant.pk)
    with pytest.raises(ServiceError):
        chat.chat_post(
            actor=Actor(user=student),
            access=access_session(user=student, session_id=lesson.session.pk),
            text="cho em vào lại với",
        )


def test_only_the_class_teachers_use_the_controls(lesson: SimpleNamespace) -> None:
    student = ready(lesson.world.students[0])
    with pytest.raises(Forbidden):
        room.room_control(
            actor=Actor(user=student), session_id=lesson.session.pk, action="lock", on=True
        )


def test_a_locked_room_keeps_newcomers_out_but_not_those_inside(lesson: SimpleNamespace) -> None:
    inside, late = (ready(s) for s in lesson.world.students[:2])
    assert enter(lesson, inside).admitted
    control(lesson, "lock", on=True)
    assert enter(lesson, late).refusal == room.Refusal.LOCKED
    assert enter(lesson, inside).admitted
    assert AuditEvent.objects.filter(action="live.room_lock").exists()


def post(lesson: SimpleNamespace, user: Any, text: str) -> ChatMessage:
    access = access_session(user=user, session_id=lesson.session.pk)
    return chat.chat_post(actor=Actor(user=user), access=access, text=text)


def test_suspend_turns_student_activity_off_in_one_step(lesson: SimpleNamespace) -> None:
    """CLS-5, CLS-7: the teacher's emergency button."""
    student = ready(lesson.world.students[0])
    enter(lesson, student)
    control(lesson, "images", on=True)
    control(lesson, "suspend", on=True)
    controls = room.controls_of(lesson.session)
    lesson.session.refresh_from_db()
    assert controls.suspended and controls.chat_off and controls.locked
    assert not lesson.session.student_images
    with pytest.raises(ServiceError):
        post(lesson, student, "alo alo")
    assert post(lesson, lesson.teacher, "Các em chờ cô một chút nhé").status == "delivered"
    assert AuditEvent.objects.filter(action="live.room_suspend").exists()


def test_muting_one_student_leaves_the_others_writing(lesson: SimpleNamespace) -> None:
    noisy, quiet = (ready(s) for s in lesson.world.students[:2])
    participant = enter(lesson, noisy).participant
    enter(lesson, quiet)
    assert participant is not None
    control(lesson, "mute", participant_id=participant.pk, on=True)
    with pytest.raises(ServiceError):
        post(lesson, noisy, "hihi")
    assert post(lesson, quiet, "Em hiểu rồi ạ").status == "delivered"


def test_slow_mode_refuses_a_second_message_and_stores_nothing(lesson: SimpleNamespace) -> None:
    student = ready(lesson.world.students[0])
    enter(lesson, student)
    control(lesson, "slow_mode", seconds=30)
    post(lesson, student, "Em chào cô")
    with pytest.raises(ServiceError) as refused:
        post(lesson, student, "Em chào cả lớp")
    assert "30" in str(refused.value.message)
    assert ChatMessage.objects.filter(sender=student).count() == 1
    with pytest.raises(ServiceError):
        control(lesson, "slow_mode", seconds=7)  # not one of the offered intervals


def test_with_student_links_off_a_link_is_refused_and_leaves_no_trace(
    lesson: SimpleNamespace,
) -> None:
    student = ready(lesson.world.students[0])
    control(lesson, "links", on=False)
    with pytest.raises(ServiceError):
        post(lesson, student, "vào đây nè bit.ly/abc")
    assert not ChatMessage.objects.exists()
    assert not ModerationEvent.objects.exists()
    # A teacher's link is still fine.
    assert post(lesson, lesson.teacher, "Bài tập: https://olm.vn/bai-1").status == "delivered"


def test_the_room_log_is_numbered_without_gaps_and_private_events_are_marked(
    lesson: SimpleNamespace,
) -> None:
    student = ready(lesson.world.students[0])
    enter(lesson, lesson.teacher)
    enter(lesson, student)
    post(lesson, student, "Em chào cô")
    post(lesson, student, "Thằng Nam ngu như bò")  # held: teachers only
    control(lesson, "pin", text="  Nhớ mở sách trang 12  ")
    enter(lesson, class_world(students=1).students[0])  # a stranger: teachers only
    log = list(RoomEvent.objects.filter(session=lesson.session).order_by("seq"))
    assert [e.seq for e in log] == list(range(1, len(log) + 1))
    kinds = [(e.kind, e.teachers_only) for e in log]
    assert ("chat", False) in kinds and ("chat_held", True) in kinds
    assert ("entry_refused", True) in kinds
    assert room.controls_of(lesson.session).pinned == "Nhớ mở sách trang 12"


def test_the_teacher_starts_and_ends_the_lesson(lesson: SimpleNamespace) -> None:
    student = ready(lesson.world.students[0])
    enter(lesson, lesson.teacher)
    control(lesson, "start")
    assert enter(lesson, student).phase == room.Phase.LIVE
    control(lesson, "end")
    assert enter(lesson, student).refusal == room.Refusal.ENDED
    assert enter(lesson, lesson.teacher).phase == room.Phase.ENDED


def test_a_cancelled_lesson_has_no_room(lesson: SimpleNamespace) -> None:
    lesson.session.status = SessionStatus.CANCELLED
    lesson.session.save(update_fields=["status"])
    assert enter(lesson, ready(lesson.world.students[0])).refusal == room.Refusal.CANCELLED


def test_a_parent_account_is_never_a_participant_even_for_its_own_child(
    lesson: SimpleNamespace,
) -> None:
    parent = ParentFactory()
    assert enter(lesson, parent).refusal == room.Refusal.NOT_ALLOWED


def test_private_questions_reach_only_the_teachers_when_the_lesson_allows_them(
    lesson: SimpleNamespace,
) -> None:
    from safeclass.live import selectors

    asker, classmate = (ready(s) for s in lesson.world.students[:2])
    enter(lesson, asker)
    access = access_session(user=asker, session_id=lesson.session.pk)
    with pytest.raises(ServiceError) as closed, translation.override("en"):
        chat.chat_post(
            actor=Actor(user=asker), access=access, text="Cô ơi em chưa hiểu", private=True
        )
    assert "not open" in str(closed.value.message)
    control(lesson, "questions", on=True)
    question = chat.chat_post(
        actor=Actor(user=asker), access=access, text="Cô ơi em chưa hiểu", private=True
    )
    assert question.private and question.status == "delivered"
    seen_by = {
        user.pk: selectors.room_chat_messages(lesson.session, user, teacher=teacher)[0]
        for user, teacher in ((asker, False), (classmate, False), (lesson.teacher, True))
    }
    assert question in seen_by[asker.pk] and question in seen_by[lesson.teacher.pk]
    assert question not in seen_by[classmate.pk]
    event = RoomEvent.objects.get(session=lesson.session, kind="question")
    assert event.teachers_only


def test_reactions_are_a_fixed_set_and_stop_when_student_activity_is_suspended(
    lesson: SimpleNamespace,
) -> None:
    from safeclass.live import attendance

    student = ready(lesson.world.students[0])
    enter(lesson, student)
    attendance.react(session_id=lesson.session.pk, user=student, emoji="👏")
    attendance.react(session_id=lesson.session.pk, user=student, emoji="<b>spam</b>")
    reactions = list(RoomEvent.objects.filter(session=lesson.session, kind="reaction"))
    assert [r.data["emoji"] for r in reactions] == ["👏"]
    control(lesson, "suspend", on=True)
    attendance.react(session_id=lesson.session.pk, user=student, emoji="👍")
    assert RoomEvent.objects.filter(session=lesson.session, kind="reaction").count() == 1


def test_a_started_lesson_may_run_over_but_not_forever(lesson: SimpleNamespace) -> None:
    control(lesson, "start")
    controls = room.controls_of(lesson.session)
    live_settings = room.settings_of(lesson.world.school.pk)
    after_end = lesson.session.ends_at + timedelta(minutes=20)
    much_later = lesson.session.ends_at + room.OVERRUN
    assert room.phase_of(lesson.session, controls, live_settings, after_end) == room.Phase.LIVE
    assert room.phase_of(lesson.session, controls, live_settings, much_later) == room.Phase.ENDED
