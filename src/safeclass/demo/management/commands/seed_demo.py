"""``safeclass seed-demo``: a demo department, division and two schools.

Idempotent: existing units, accounts and classes are left as they are, so it
can run on every ``make run``. Refused in production, which never has the
demo accounts. Every demo account's password is ``safeclass-demo``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from safeclass.accounts import selectors as account_selectors
from safeclass.accounts import services as account_services
from safeclass.accounts.data import AccountKind, Relationship
from safeclass.classes import selectors as class_selectors
from safeclass.classes import services as class_services
from safeclass.core.context import Actor
from safeclass.core.roles import Role
from safeclass.demo.names import class_names
from safeclass.live import selectors as live_selectors
from safeclass.live import services as live_services
from safeclass.orgs import selectors as org_selectors
from safeclass.orgs import services as org_services
from safeclass.orgs.data import SchoolLevel, UnitKind

DEMO_PASSWORD = "safeclass-demo"  # noqa: S105 - the documented demo password
HANOI = 1
BA_DINH = 4  # Phường Ba Đình, Hà Nội


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    description: str


DEMO_ACCOUNTS = [
    DemoAccount("sogd.demo", "Trần Thị Thu Hà", "department officer"),
    DemoAccount("phonggd.demo", "Lê Văn Dũng", "division officer"),
    DemoAccount("bgh.demo", "Phạm Thị Lan", "leader of the primary school"),
    DemoAccount("qtv.demo", "Đỗ Quang Huy", "IT administrator of the primary school"),
    DemoAccount("tuvan.demo", "Vũ Thị Mai", "counsellor of the primary school"),
    DemoAccount("gvcn.demo", "Nguyễn Thị Hoa", "homeroom teacher of 5A"),
    DemoAccount("gvbm.demo", "Hoàng Văn Nam", "English teacher of 5A"),
    DemoAccount("bgh2.demo", "Bùi Văn Thắng", "leader of the lower-secondary school"),
    DemoAccount("gv2.demo", "Đặng Thị Ngọc", "homeroom teacher of 6A"),
    DemoAccount("hs.demo", "Nguyễn Minh An", "student of 5A, roster number 1"),
    DemoAccount("ph.demo", "Nguyễn Văn Bình", "parent of hs.demo"),
]


def current_school_year(today: date) -> tuple[str, date, date, list[tuple[str, date, date]]]:
    """Vietnamese school years run from early September to the end of May."""
    start_year = today.year if today.month >= 8 else today.year - 1
    starts, ends = date(start_year, 8, 15), date(start_year + 1, 7, 31)
    terms = [
        ("Học kỳ I", date(start_year, 9, 5), date(start_year + 1, 1, 17)),
        ("Học kỳ II", date(start_year + 1, 1, 18), date(start_year + 1, 5, 31)),
    ]
    return f"{start_year}–{start_year + 1}", starts, ends, terms


class Command(BaseCommand):
    help = "Create the demo department, division, schools, classes and accounts (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION or not settings.DEMO_MODE:
            raise CommandError("seed-demo runs only in demo mode, never in production.")
        with transaction.atomic():
            created = self._seed()
        if created:
            self.stdout.write(f"Demo data ready ({created} new records).")
        else:
            self.stdout.write("Demo data already present.")
        self.stdout.write(f"Demo accounts (password {DEMO_PASSWORD}):")
        for account in DEMO_ACCOUNTS:
            self.stdout.write(f"  {account.username:<14} {account.description}")

    def _seed(self) -> int:
        actor = Actor.system()
        self.created = 0

        department = self._unit(
            actor,
            None,
            kind=UnitKind.DEPARTMENT,
            code="sgd-demo",
            name="Sở Giáo dục và Đào tạo (trình diễn)",
            province_code=HANOI,
        )
        division = self._unit(
            actor,
            department,
            kind=UnitKind.DIVISION,
            code="pgd-demo",
            name="Phòng Giáo dục và Đào tạo Ánh Dương (trình diễn)",
            province_code=HANOI,
        )
        primary = self._unit(
            actor,
            division,
            kind=UnitKind.SCHOOL,
            school_level=SchoolLevel.PRIMARY,
            code="th-demo",
            name="Trường Tiểu học Ánh Dương",
            province_code=HANOI,
            ward_code=BA_DINH,
            address="12 phố Hoa Sữa",
        )
        secondary = self._unit(
            actor,
            division,
            kind=UnitKind.SCHOOL,
            school_level=SchoolLevel.LOWER_SECONDARY,
            code="thcs-demo",
            name="Trường THCS Ánh Dương",
            province_code=HANOI,
            ward_code=BA_DINH,
            address="30 phố Hoa Sữa",
        )

        year = self._school_year(actor, department)

        staff = {
            "sogd.demo": (department, Role.AUTHORITY_OFFICER),
            "phonggd.demo": (division, Role.AUTHORITY_OFFICER),
            "bgh.demo": (primary, Role.SCHOOL_LEADER),
            "qtv.demo": (primary, Role.SCHOOL_IT_ADMIN),
            "tuvan.demo": (primary, Role.COUNSELLOR),
            "gvcn.demo": (primary, Role.TEACHER),
            "gvbm.demo": (primary, Role.TEACHER),
            "bgh2.demo": (secondary, Role.SCHOOL_LEADER),
            "gv2.demo": (secondary, Role.TEACHER),
        }
        names = {a.username: a.full_name for a in DEMO_ACCOUNTS}
        people: dict[str, Any] = {}
        for username, (unit, role) in staff.items():
            person = self._account(actor, username, names[username], AccountKind.STAFF)
            if (
                not account_selectors.memberships_at_unit(unit.pk)
                .filter(user=person, role=role)
                .exists()
            ):
                account_services.membership_grant(actor=actor, user=person, unit=unit, role=role)
                self.created += 1
            people[username] = person

        student = self._account(
            actor,
            "hs.demo",
            names["hs.demo"],
            AccountKind.STUDENT,
            school=primary,
            date_of_birth=date(year.starts_on.year - 10, 3, 15),
            student_code="0100000001",
        )
        parent = self._account(
            actor,
            "ph.demo",
            names["ph.demo"],
            AccountKind.PARENT,
            email="ph.demo@example.org",
            phone="0900000007",
        )
        if not account_selectors.children_of(parent).filter(student=student).exists():
            account_services.guardianship_create(
                actor=actor,
                parent=parent,
                student=student,
                relationship=Relationship.FATHER,
                verified=True,
            )
            account_services.consent_grant(actor=Actor(user=parent), student=student)
            self.created += 2

        school_year = year
        english = class_services.subject_get_or_create(
            actor=actor, school=primary, name="Tiếng Anh"
        )
        maths = class_services.subject_get_or_create(actor=actor, school=secondary, name="Toán")
        self._class(
            actor,
            primary,
            school_year,
            "5A",
            5,
            homeroom=people["gvcn.demo"],
            subject_teachers=[(people["gvbm.demo"], english)],
            first_student=student,
            size=32,
        )
        self._class(actor, primary, school_year, "5B", 5, homeroom=people["gvcn.demo"], size=0)
        self._class(actor, primary, school_year, "4A", 4, homeroom=None, size=30)
        self._class(actor, primary, school_year, "1A", 1, homeroom=None, size=28)
        self._class(
            actor,
            secondary,
            school_year,
            "6A",
            6,
            homeroom=people["gv2.demo"],
            subject_teachers=[(people["gv2.demo"], maths)],
            size=35,
        )
        self._class(actor, secondary, school_year, "7A", 7, homeroom=None, size=34)
        self._timetable(actor, primary, school_year, people)
        return self.created

    def _timetable(
        self, actor: Actor, school: Any, school_year: Any, people: dict[str, Any]
    ) -> None:
        """Class 5A's week, and its lessons in the calendar from today to the end of the term."""
        live_services.periods_ensure(actor=actor, school=school)
        class_5a = class_selectors.class_by_name(school.pk, school_year.pk, "5A")
        period = org_selectors.current_period(school)
        if class_5a is None or period.term is None:
            return
        if live_selectors.slots_of(class_5a.pk, period.term.pk):
            return
        periods = {p.number: p for p in live_selectors.periods_of(school.pk)}
        week = [
            (1, 1, "Tiếng Việt", "gvcn.demo"),
            (1, 2, "Toán", "gvcn.demo"),
            (2, 1, "Tiếng Anh", "gvbm.demo"),
            (2, 2, "Tiếng Việt", "gvcn.demo"),
            (3, 1, "Toán", "gvcn.demo"),
            (3, 3, "Tiếng Anh", "gvbm.demo"),
            (4, 1, "Khoa học", "gvcn.demo"),
            (5, 2, "Toán", "gvcn.demo"),
            (5, 3, "Tiếng Anh", "gvbm.demo"),
        ]
        for weekday, number, subject_name, teacher in week:
            subject = class_services.subject_get_or_create(
                actor=actor, school=school, name=subject_name
            )
            live_services.slot_set(
                actor=actor,
                school_class=class_5a,
                term=period.term,
                weekday=weekday,
                period=periods[number],
                subject=subject,
                teacher=people[teacher],
            )
        self.created += live_services.sessions_generate(
            actor=actor, school_class=class_5a, term=period.term
        )

    # --- helpers ------------------------------------------------------------------

    def _unit(self, actor: Actor, parent: Any, **fields: Any) -> Any:
        existing = org_selectors.unit_by_code(fields["code"])
        if existing is not None:
            return existing
        self.created += 1
        return org_services.unit_create(actor=actor, parent=parent, **fields)

    def _school_year(self, actor: Actor, unit: Any) -> Any:
        name, starts, ends, terms = current_school_year(timezone.localdate())
        year = org_selectors.unit_school_years(unit).filter(name=name).first()
        if year is None:
            year = org_services.school_year_create(
                actor=actor, unit=unit, name=name, starts_on=starts, ends_on=ends
            )
            for term_name, term_start, term_end in terms:
                org_services.term_create(
                    actor=actor,
                    school_year=year,
                    name=term_name,
                    starts_on=term_start,
                    ends_on=term_end,
                )
            self.created += 1
        return year

    def _account(self, actor: Actor, username: str, full_name: str, kind: str, **extra: Any) -> Any:
        existing = account_selectors.user_by_username(username)
        if existing is not None:
            return existing
        user = account_services.user_create(
            actor=actor, username=username, full_name=full_name, kind=kind, activated=True, **extra
        )
        # Demo mode only: a known password, set without the policy so that the
        # README can print it. Production refuses this command outright.
        account_services.demo_password_set(user=user, password=DEMO_PASSWORD)
        self.created += 1
        return user

    def _class(
        self,
        actor: Actor,
        school: Any,
        school_year: Any,
        name: str,
        grade: int,
        *,
        homeroom: Any,
        size: int,
        subject_teachers: list[tuple[Any, Any]] | None = None,
        first_student: Any = None,
    ) -> Any:
        existing = class_selectors.class_by_name(school.pk, school_year.pk, name)
        if existing is not None:
            return existing
        school_class = class_services.class_create(
            actor=actor, school=school, school_year=school_year, name=name, grade=grade
        )
        self.created += 1
        if homeroom is not None:
            class_services.teaching_assign(
                actor=actor, teacher=homeroom, school_class=school_class, is_homeroom=True
            )
        for teacher, subject in subject_teachers or []:
            class_services.teaching_assign(
                actor=actor, teacher=teacher, school_class=school_class, subject=subject
            )
        roster_no = 1
        if first_student is not None:
            class_services.enrollment_add(
                actor=actor, school_class=school_class, student=first_student, roster_no=1
            )
            roster_no = 2
        born_year = school_year.starts_on.year - (grade + 5)
        for index, full_name in enumerate(
            class_names(f"{school.code}-{name}", size - roster_no + 1), start=roster_no
        ):
            username = f"{school.code}-{name.lower()}-{index:02d}"
            pupil = account_selectors.user_by_username(username)
            if pupil is None:
                pupil = account_services.user_create(
                    actor=actor,
                    username=username,
                    full_name=full_name,
                    kind=AccountKind.STUDENT,
                    school=school,
                    date_of_birth=date(born_year, 1 + index % 12, 1 + (index * 7) % 28),
                    student_code=f"01{school.pk:03d}{grade:02d}{index:03d}",
                )
                self.created += 1
            class_services.enrollment_add(
                actor=actor, school_class=school_class, student=pupil, roster_no=index
            )
        return school_class
