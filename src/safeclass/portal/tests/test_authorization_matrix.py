"""The authorization matrix: every route, every role, one expected answer each.

Requirements ACC-2, ACC-4 and LAW-1; the policy is ``docs/authorization.md``.
Every cell of ``TABLE`` is derived from that policy, not from what the code
happens to answer: where the two disagree, the policy wins and this test fails.
A route missing from the table (or a row for a route that is gone) fails too.

Outcomes in the table:

``L``
    302 to the sign-in page, ``/dang-nhap/?next=<the requested URL>``.
``302``
    A redirect anywhere else: the action was handled (done, or refused with a
    message on the next page).
``2FA``
    A redirect to the second-factor pages (never expected: demo mode waives it).
a number
    That status code (200, 403, 404, 405, 410).

Objects in URLs are those of the primary school ``th-demo`` (``{school}``);
unit routes are also checked on the department root ``sgd-demo``
(``{department}``), which only the department officer and the operator reach.
Each request runs in a transaction that is rolled back, with the client's
cookies restored afterwards, so no change (a sign-out included) leaks into the
next request.
"""

from __future__ import annotations

import copy
import io
import secrets
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from safeclass.accounts.models import (
    AccountKind,
    ConsentRecord,
    Guardianship,
    Membership,
    User,
)
from safeclass.accounts.services import membership_grant, user_create
from safeclass.classes.models import Enrollment, RosterImport, SchoolClass
from safeclass.classes.tests.factories import accept_pending_rules
from safeclass.core.context import Actor
from safeclass.core.files import store_bytes
from safeclass.core.roles import Role
from safeclass.live.models import ChatMessage, Material, Participant, RoomControls, Session
from safeclass.notify.models import Notification
from safeclass.orgs.models import Unit

PASSWORD = "safeclass-demo"
OPERATOR = "van.hanh.matrix"  # the platform operator, a superuser made by the test
SHARED_TEACHER = "gv.hai.truong"  # made by the test: a teacher at both demo schools

ROLES: tuple[str, ...] = (
    "anonymous",
    "dept_officer",
    "division_officer",
    "leader",
    "it_admin",
    "counsellor",
    "homeroom",
    "subject_teacher",
    "other_school_leader",
    "student",
    "parent",
    "operator",
)

USERNAMES: dict[str, str] = {
    "dept_officer": "sogd.demo",
    "division_officer": "phonggd.demo",
    "leader": "bgh.demo",
    "it_admin": "qtv.demo",
    "counsellor": "tuvan.demo",
    "homeroom": "gvcn.demo",
    "subject_teacher": "gvbm.demo",
    "other_school_leader": "bgh2.demo",
    "student": "hs.demo",
    "parent": "ph.demo",
    "operator": OPERATOR,
}


@dataclass(frozen=True)
class Row:
    route: str
    method: str
    expected: dict[str, str]
    kwargs: dict[str, str] = field(default_factory=dict)
    data: dict[str, str] = field(default_factory=dict)
    label: str = ""

    def describe(self) -> str:
        where = f" [{self.label}]" if self.label else ""
        return f"{self.method} {self.route}{where}"


def row(
    route: str,
    method: str,
    grid: str,
    *,
    kwargs: Mapping[str, str] | None = None,
    data: Mapping[str, str] | None = None,
    label: str = "",
) -> Row:
    """``grid`` holds one outcome per role, in the order of ``ROLES``."""
    cells = grid.split()
    if len(cells) != len(ROLES):
        raise ValueError(f"{route} {method}: {len(cells)} outcomes for {len(ROLES)} roles")
    return Row(
        route=route,
        method=method,
        expected=dict(zip(ROLES, cells, strict=True)),
        kwargs=dict(kwargs or {}),
        data=dict(data or {}),
        label=label,
    )


# Object placeholders, filled in from the seeded demo world (see _objects).
SCHOOL = {"unit_id": "{school}"}
CLASS = {"class_id": "{class}"}
DEPARTMENT = {"unit_id": "{department}"}
TEACHER_ACCOUNT = {"account_id": "{teacher}"}  # gvcn.demo, a teacher at th-demo only
LEADER_ACCOUNT = {"account_id": "{leader}"}  # bgh.demo, the leader of th-demo
STUDENT_ACCOUNT = {"account_id": "{student}"}  # hs.demo, a pupil of 5A
SHARED_ACCOUNT = {"account_id": "{shared}"}  # a teacher at th-demo and at thcs-demo

# Every change is a POST: the same URL opened with GET is 405 for anyone signed
# in (and the sign-in page first for an anonymous visitor).
NO_GET = "L   " + " 405" * 11

UNIT_DETAILS = {
    "name": "Trường Tiểu học Ánh Dương",
    "code": "th-demo",
    "school_level": "primary",
    "province_code": "1",
    "ward_code": "4",
    "address": "12 phố Hoa Sữa",
}
NEW_DIVISION = {
    "kind": "division",
    "name": "Phòng Giáo dục và Đào tạo Bình Minh",
    "code": "pgd-binh-minh",
    "province_code": "1",
}
NEW_SCHOOL_YEAR = {
    "year-name": "2090–2091",
    "year-starts_on": "2090-08-15",
    "year-ends_on": "2091-07-31",
}

# fmt: off
#  roles:  anon dept div  lead it   cou  home subj oth  stud par  op
TABLE: tuple[Row, ...] = (
    # --- Open to everyone -----------------------------------------------------
    row("core:health", "GET",
        "200  200  200  200  200  200  200  200  200  200  200  200"),
    row("portal:help", "GET",
        "200  200  200  200  200  200  200  200  200  200  200  200"),
    row("portal:privacy", "GET",
        "200  200  200  200  200  200  200  200  200  200  200  200"),
    # Signed in already: the sign-in page sends the person home.
    row("accounts:login", "GET",
        "200  302  302  302  302  302  302  302  302  302  302  302"),
    row("accounts:language", "POST",
        "302  302  302  302  302  302  302  302  302  302  302  302",
        data={"language": "en", "next": "/"}),
    row("accounts:language", "GET",
        "405  405  405  405  405  405  405  405  405  405  405  405"),
    row("accounts:activate", "GET",
        "200  200  200  200  200  200  200  200  200  200  200  200"),
    row("accounts:password_reset_request", "GET",
        "200  200  200  200  200  200  200  200  200  200  200  200"),
    # An unknown token answers like an expired or used one: a link never
    # confirms that a token existed.
    row("accounts:password_reset", "GET",
        "410  410  410  410  410  410  410  410  410  410  410  410",
        kwargs={"token": "{token}"}),
    # --- One's own account (every signed-in person) ---------------------------
    row("core:home", "GET",
        "L    200  200  200  200  200  200  200  200  200  200  200"),
    row("accounts:logout", "POST",
        "L    302  302  302  302  302  302  302  302  302  302  302"),
    row("accounts:logout", "GET", NO_GET),
    row("accounts:second_factor", "GET",
        "L    200  200  200  200  200  200  200  200  200  200  200"),
    row("accounts:second_factor_setup", "GET",
        "L    200  200  200  200  200  200  200  200  200  200  200"),
    row("accounts:recovery_codes", "POST",
        "L    302  302  302  302  302  302  302  302  302  302  302"),
    row("accounts:recovery_codes", "GET", NO_GET),
    row("accounts:second_factor_disable", "POST",
        "L    302  302  302  302  302  302  302  302  302  302  302",
        data={"password": PASSWORD}),
    row("accounts:second_factor_disable", "GET", NO_GET),
    row("accounts:security", "GET",
        "L    200  200  200  200  200  200  200  200  200  200  200"),
    row("accounts:profile", "GET",
        "L    200  200  200  200  200  200  200  200  200  200  200"),
    row("accounts:password_change", "GET",
        "L    200  200  200  200  200  200  200  200  200  200  200"),
    # A session id that is not one of the person's own sessions does not exist.
    row("accounts:session_end", "POST",
        "L    404  404  404  404  404  404  404  404  404  404  404",
        kwargs={"session_id": "{session}"}),
    row("accounts:session_end", "GET", NO_GET, kwargs={"session_id": "{session}"}),
    row("accounts:sessions_end_others", "POST",
        "L    302  302  302  302  302  302  302  302  302  302  302"),
    row("accounts:sessions_end_others", "GET", NO_GET),
    # --- Consent (LAW-1): the parent, and the child of 7 or more ----------------
    # A page only parents and students have at all: 403 for everyone else.
    row("accounts:consent", "GET",
        "L    403  403  403  403  403  403  403  403  200  200  403"),
    # hs.demo is in scope for the school's student-seeing staff, the teachers
    # of 5A and the operator, who may not consent for the child (403); officers
    # see counts, not children, and the other school does not reach him (404).
    row("accounts:consent_grant", "POST",
        "L    404  404  403  403  403  403  403  404  302  302  403",
        kwargs={"student_id": "{student}"}),
    row("accounts:consent_grant", "GET", NO_GET, kwargs={"student_id": "{student}"}),
    # ph.demo's consent for hs.demo: only its giver may withdraw it; whoever
    # sees the child's page (and the child) sees the record (403).
    row("accounts:consent_withdraw", "POST",
        "L    404  404  403  403  403  403  403  404  403  302  403",
        kwargs={"record_id": "{consent}"}),
    row("accounts:consent_withdraw", "GET", NO_GET, kwargs={"record_id": "{consent}"}),
    # --- Units ----------------------------------------------------------------
    # Every staff role sees units in scope; the unit list is a page parents and
    # students do not have at all.
    row("orgs:unit_list", "GET",
        "L    200  200  200  200  200  200  200  200  403  403  200"),
    # Public geography for the unit form, but only behind the sign-in page.
    row("orgs:wards", "GET",
        "L    200  200  200  200  200  200  200  200  200  200  200",
        data={"province": "1"}),
    row("orgs:unit_detail", "GET",
        "L    200  200  200  200  200  200  200  404  404  404  200",
        kwargs=SCHOOL, label="th-demo"),
    row("orgs:unit_detail", "GET",
        "L    200  404  404  404  404  404  404  404  404  404  200",
        kwargs=DEPARTMENT, label="sgd-demo"),
    # Creating units below: officers only, and never below a school.
    row("orgs:unit_create", "GET",
        "L    403  403  403  403  403  403  403  404  404  404  403",
        kwargs=SCHOOL, label="th-demo"),
    row("orgs:unit_create", "POST",
        "L    403  403  403  403  403  403  403  404  404  404  403",
        kwargs=SCHOOL, data=NEW_DIVISION, label="th-demo"),
    row("orgs:unit_create", "GET",
        "L    200  404  404  404  404  404  404  404  404  404  200",
        kwargs=DEPARTMENT, label="sgd-demo"),
    row("orgs:unit_create", "POST",
        "L    302  404  404  404  404  404  404  404  404  404  302",
        kwargs=DEPARTMENT, data=NEW_DIVISION, label="sgd-demo"),
    # A unit's own details: officers, leader, IT admin.
    row("orgs:unit_edit", "GET",
        "L    200  200  200  200  403  403  403  404  404  404  200",
        kwargs=SCHOOL, label="th-demo"),
    row("orgs:unit_edit", "POST",
        "L    302  302  302  302  403  403  403  404  404  404  302",
        kwargs=SCHOOL, data=UNIT_DETAILS, label="th-demo"),
    row("orgs:unit_edit", "GET",
        "L    200  404  404  404  404  404  404  404  404  404  200",
        kwargs=DEPARTMENT, label="sgd-demo"),
    # Moving units: officers only. The division officer may not hang th-demo
    # under the department, which is out of their reach: the form refuses the
    # choice (200) and nothing moves.
    row("orgs:unit_move", "GET",
        "L    200  200  403  403  403  403  403  404  404  404  200",
        kwargs=SCHOOL, label="th-demo"),
    row("orgs:unit_move", "POST",
        "L    302  200  403  403  403  403  403  404  404  404  302",
        kwargs=SCHOOL, data={"parent": "{department}"}, label="th-demo → sgd-demo"),
    # The root has no parent to leave.
    row("orgs:unit_move", "GET",
        "L    403  404  404  404  404  404  404  404  404  404  403",
        kwargs=DEPARTMENT, label="sgd-demo"),
    # Closing or reopening a unit: decided by officers above it; the root cannot.
    row("orgs:unit_set_active", "POST",
        "L    302  302  403  403  403  403  403  404  404  404  302",
        kwargs=SCHOOL, data={"active": "0"}, label="th-demo"),
    row("orgs:unit_set_active", "POST",
        "L    403  404  404  404  404  404  404  404  404  404  403",
        kwargs=DEPARTMENT, data={"active": "0"}, label="sgd-demo"),
    row("orgs:unit_set_active", "GET", NO_GET, kwargs=SCHOOL),
    # Staff and roles: officers, leader, IT admin (teacher and counsellor only).
    row("orgs:unit_staff", "GET",
        "L    200  200  200  200  403  403  403  404  404  404  200",
        kwargs=SCHOOL, label="th-demo"),
    row("orgs:unit_staff", "POST",
        "L    302  302  302  302  403  403  403  404  404  404  302",
        kwargs=SCHOOL, data={"role": Role.TEACHER, "existing_username": "gv2.demo"},
        label="th-demo, grant teacher"),
    # Nobody grants a role above their own: the IT admin is not offered it (200).
    row("orgs:unit_staff", "POST",
        "L    302  302  302  200  403  403  403  404  404  404  302",
        kwargs=SCHOOL, data={"role": Role.SCHOOL_LEADER, "existing_username": "gv2.demo"},
        label="th-demo, grant school leader"),
    row("orgs:unit_staff", "GET",
        "L    200  404  404  404  404  404  404  404  404  404  200",
        kwargs=DEPARTMENT, label="sgd-demo"),
    # School years: everyone in scope sees them; officers manage them.
    row("orgs:school_years", "GET",
        "L    200  200  200  200  200  200  200  404  404  404  200",
        kwargs=SCHOOL, label="th-demo"),
    row("orgs:school_years", "POST",
        "L    302  302  403  403  403  403  403  404  404  404  302",
        kwargs=SCHOOL, data=NEW_SCHOOL_YEAR, label="th-demo"),
    row("orgs:school_years", "GET",
        "L    200  404  404  404  404  404  404  404  404  404  200",
        kwargs=DEPARTMENT, label="sgd-demo"),
    row("orgs:school_years", "POST",
        "L    302  404  404  404  404  404  404  404  404  404  302",
        kwargs=DEPARTMENT, data=NEW_SCHOOL_YEAR, label="sgd-demo"),
    # --- Staff accounts and roles ---------------------------------------------
    # gvcn.demo's teacher role at th-demo: in scope for the school's staff (a
    # teacher or counsellor lacks the capability: 403), not for the other school.
    row("orgs:membership_end", "POST",
        "L    302  302  302  302  403  403  403  404  404  404  302",
        kwargs={"membership_id": "{membership}"}),
    row("orgs:membership_end", "GET", NO_GET, kwargs={"membership_id": "{membership}"}),
    # gvcn.demo holds only a teacher role, which officers, the leader and the
    # IT admin may all grant. Acting on one's own account as a whole is not a
    # capability anyone has (homeroom is gvcn.demo): 403, never 404.
    row("orgs:account_detail", "GET",
        "L    200  200  200  200  403  403  403  404  404  404  200",
        kwargs=TEACHER_ACCOUNT, label="gvcn.demo"),
    row("orgs:account_activation_code", "POST",
        "L    200  200  200  200  403  403  403  404  404  404  200",
        kwargs=TEACHER_ACCOUNT, label="gvcn.demo"),
    row("orgs:account_activation_code", "GET", NO_GET, kwargs=TEACHER_ACCOUNT),
    row("orgs:account_set_active", "POST",
        "L    302  302  302  302  403  403  403  404  404  404  302",
        kwargs=TEACHER_ACCOUNT, data={"active": "0"}, label="gvcn.demo, disable"),
    row("orgs:account_set_active", "GET", NO_GET, kwargs=TEACHER_ACCOUNT),
    row("orgs:account_second_factor_reset", "POST",
        "L    302  302  302  302  403  403  403  404  404  404  302",
        kwargs=TEACHER_ACCOUNT, label="gvcn.demo"),
    row("orgs:account_second_factor_reset", "GET", NO_GET, kwargs=TEACHER_ACCOUNT),
    # bgh.demo is a school leader: an IT admin cannot act on the account.
    row("orgs:account_detail", "GET",
        "L    200  200  403  403  403  403  403  404  404  404  200",
        kwargs=LEADER_ACCOUNT, label="bgh.demo"),
    row("orgs:account_set_active", "POST",
        "L    302  302  403  403  403  403  403  404  404  404  302",
        kwargs=LEADER_ACCOUNT, data={"active": "0"}, label="bgh.demo, disable"),
    # A teacher of both schools: neither school may act on the account as a
    # whole (the policy's own example); only the officers above both may.
    row("orgs:account_detail", "GET",
        "L    200  200  403  403  403  403  403  403  404  404  200",
        kwargs=SHARED_ACCOUNT, label="teacher of both schools"),
    row("orgs:account_set_active", "POST",
        "L    302  302  403  403  403  403  403  403  404  404  302",
        kwargs=SHARED_ACCOUNT, data={"active": "0"}, label="teacher of both schools, disable"),
    # hs.demo: students' accounts are the leader's and IT admin's; officers see
    # counts, not children (404); those who reach the child but may not manage
    # the account, the child included, get 403.
    row("orgs:account_detail", "GET",
        "L    404  404  200  200  403  403  403  404  403  403  200",
        kwargs=STUDENT_ACCOUNT, label="hs.demo"),
    row("orgs:account_activation_code", "POST",
        "L    404  404  200  200  403  403  403  404  403  403  200",
        kwargs=STUDENT_ACCOUNT, label="hs.demo"),
    # --- Classes and students -------------------------------------------------
    # Officers have no classes (no individual children's records): 403.
    row("classes:class_list", "GET",
        "L    403  403  200  200  200  200  200  200  200  200  200"),
    row("classes:class_detail", "GET",
        "L    404  404  200  200  200  200  200  404  200  200  200",
        kwargs={"class_id": "{class}"}, label="5A"),
    row("portal:school_students", "GET",
        "L    403  403  200  200  200  403  403  404  404  404  200",
        kwargs=SCHOOL, label="th-demo"),
    # Not a school: no student list for anyone; the officer and the operator
    # reach the unit (403), nobody else does (404).
    row("portal:school_students", "GET",
        "L    403  404  404  404  404  404  404  404  404  404  403",
        kwargs=DEPARTMENT, label="sgd-demo"),
    row("portal:student_detail", "GET",
        "L    404  404  200  200  200  200  200  404  200  200  200",
        kwargs={"student_id": "{student}"}, label="hs.demo"),
    # Confirming parents: leader, IT admin and the child's homeroom teacher.
    # Others who see the child's page (counsellor, the subject teacher, the
    # child, the parent) see the link: 403.
    row("portal:guardianship_verify", "POST",
        "L    404  404  302  302  403  302  403  404  403  403  302",
        kwargs={"guardianship_id": "{guardianship}"}),
    row("portal:guardianship_verify", "GET", NO_GET,
        kwargs={"guardianship_id": "{guardianship}"}),
    row("portal:audit_log", "GET",
        "L    200  200  200  200  403  403  403  200  403  403  200"),
    # --- Class management (issue 3) -------------------------------------------
    # Managing a class (teachers, timetable): leader, IT admin. Everyone who can
    # open class 5A but lacks the capability gets 403; officers and the other
    # school never reach a class (no individual children's records): 404.
    row("classes:class_teachers", "GET",
        "L    404  404  200  200  403  403  403  404  403  403  200",
        kwargs=CLASS, label="5A"),
    row("classes:class_teachers", "POST",
        "L    404  404  302  302  403  403  403  404  403  403  302",
        kwargs=CLASS, data={"teacher": "{subject_teacher}", "subject": "Âm nhạc"}, label="5A"),
    # The roster: its homeroom teacher, the leader and the IT admin.
    row("classes:roster_import", "GET",
        "L    404  404  200  200  403  200  403  404  403  403  200", kwargs=CLASS, label="5A"),
    row("classes:roster_import", "POST",
        "L    404  404  200  200  403  200  403  404  403  403  200",
        kwargs=CLASS, label="5A, no file: the form says so"),
    row("classes:roster_preview", "GET",
        "L    404  404  200  200  403  200  403  404  403  403  200",
        kwargs={"class_id": "{class}", "import_id": "{roster_import}"}, label="5A"),
    row("classes:roster_export", "GET",
        "L    404  404  200  200  403  200  403  404  403  403  200", kwargs=CLASS, label="5A"),
    row("classes:slips", "POST",
        "L    404  404  200  200  403  200  403  404  403  403  200", kwargs=CLASS, label="5A"),
    row("classes:slips", "GET", NO_GET, kwargs=CLASS),
    row("classes:name_correct", "POST",
        "L    404  404  302  302  403  302  403  404  403  403  302",
        kwargs={"class_id": "{class}", "enrollment_id": "{enrollment}"},
        data={"full_name": "Nguyễn Minh An"}),
    row("classes:name_correct", "GET", NO_GET,
        kwargs={"class_id": "{class}", "enrollment_id": "{enrollment}"}),
    row("classes:enrollment_leave", "POST",
        "L    404  404  302  302  403  302  403  404  403  403  302",
        kwargs={"class_id": "{class}", "enrollment_id": "{enrollment}"}),
    row("classes:enrollment_leave", "GET", NO_GET,
        kwargs={"class_id": "{class}", "enrollment_id": "{enrollment}"}),
    # Class rules: everyone who opens the class reads them; roster managers add.
    row("classes:class_rules", "GET",
        "L    404  404  200  200  200  200  200  404  200  200  200", kwargs=CLASS, label="5A"),
    row("classes:class_rules", "POST",
        "L    404  404  302  302  403  302  403  404  403  403  302",
        kwargs=CLASS, data={"additions": "Giữ trật tự."}, label="5A"),
    # A school's classes and rules: the capability to manage classes, at a school.
    row("classes:school_classes", "GET",
        "L    403  403  200  200  403  403  403  404  404  404  200",
        kwargs=SCHOOL, label="th-demo"),
    row("classes:school_classes", "GET",
        "L    403  404  404  404  404  404  404  404  404  404  403",
        kwargs=DEPARTMENT, label="sgd-demo"),
    row("classes:school_rules", "GET",
        "L    403  403  200  200  403  403  403  404  404  404  200",
        kwargs=SCHOOL, label="th-demo"),
    # Nothing waits for anyone here (the test accepted the rules): back home.
    row("classes:rules_pending", "GET",
        "L    302  302  302  302  302  302  302  302  302  302  302"),
    # --- Timetable, calendar, lessons, materials (issue 3) ----------------------
    row("live:calendar", "GET",
        "L    200  200  200  200  200  200  200  200  200  200  200"),
    row("live:calendar_feed", "POST",
        "L    200  200  200  200  200  200  200  200  200  200  200"),
    row("live:calendar_feed", "GET", NO_GET),
    # An unknown feed address: nobody learns anything, signed in or not.
    row("live:calendar_ics", "GET",
        "404  404  404  404  404  404  404  404  404  404  404  404",
        kwargs={"token": "{token}"}),
    row("live:periods", "GET",
        "L    403  403  200  200  403  403  403  404  404  404  200",
        kwargs=SCHOOL, label="th-demo"),
    row("live:timetable", "GET",
        "L    404  404  200  200  200  200  200  404  200  200  200", kwargs=CLASS, label="5A"),
    row("live:timetable", "POST",
        "L    404  404  302  302  403  403  403  404  403  403  302",
        kwargs=CLASS, data={"term": "{term}", "generate": "1"}, label="5A, create lessons"),
    # A one-off lesson: the class's teachers and the class managers.
    row("live:session_create", "GET",
        "L    404  404  200  200  403  200  200  404  403  403  200", kwargs=CLASS, label="5A"),
    row("live:session_detail", "GET",
        "L    404  404  200  200  200  200  200  404  200  200  200",
        kwargs={"session_id": "{lesson}"}, label="a 5A lesson of gvcn.demo"),
    # Moving or cancelling: the lesson's teacher (gvcn.demo, also homeroom) and managers.
    row("live:session_move", "POST",
        "L    404  404  302  302  403  302  403  404  403  403  302",
        kwargs={"session_id": "{lesson}"},
        data={"day": "{lesson_day}", "starts_at": "14:00", "ends_at": "14:35"}),
    row("live:session_move", "GET", NO_GET, kwargs={"session_id": "{lesson}"}),
    row("live:session_cancel", "POST",
        "L    404  404  302  302  403  302  403  404  403  403  302",
        kwargs={"session_id": "{lesson}"}),
    row("live:session_cancel", "GET", NO_GET, kwargs={"session_id": "{lesson}"}),
    # Materials: the teacher of the lesson and the homeroom teacher (CLS-7).
    row("live:material_add", "POST",
        "L    404  404  403  403  403  302  403  404  403  403  403",
        kwargs={"session_id": "{lesson}"}, data={"title": "Bài đọc", "url": "https://example.org/"}),
    row("live:material_add", "GET", NO_GET, kwargs={"session_id": "{lesson}"}),
    row("live:material_open", "GET",
        "L    404  404  200  200  200  200  200  404  200  200  200",
        kwargs={"material_id": "{material}"}),
    row("live:material_remove", "POST",
        "L    404  404  403  403  403  302  403  404  403  403  403",
        kwargs={"material_id": "{material}"}),
    row("live:material_remove", "GET", NO_GET, kwargs={"material_id": "{material}"}),
    # --- Chat and moderation (issue 4) -------------------------------------------
    # Reading a lesson's chat: whoever sees the lesson; writing: its class's
    # teachers and students only (CLS-1…CLS-3).
    row("live:chat", "GET",
        "L    404  404  200  200  200  200  200  404  200  200  200",
        kwargs={"session_id": "{lesson}"}),
    row("live:chat", "POST",
        "L    404  404  403  403  403  302  302  404  302  403  403",
        kwargs={"session_id": "{lesson}"}, data={"text": "Chào cả lớp"}),
    # The lesson room: entry depends on who you are (ACC-1, ACC-5). The class's
    # teachers come in; its students come in, wait or are told it is too early
    # (200 either way); everyone else is refused (403) and the attempt recorded.
    row("live:room", "GET",
        "L    403  403  403  403  403  200  200  403  200  403  403",
        kwargs={"session_id": "{lesson}"}),
    # Room controls: the class's teachers only.
    row("live:room_control", "POST",
        "L    403  403  403  403  403  302  302  403  403  403  403",
        kwargs={"session_id": "{lesson}"}, data={"action": "lock", "on": "1"}),
    row("live:room_control", "GET", NO_GET, kwargs={"session_id": "{lesson}"}),
    # The room's log: for those with a place in the room (here the homeroom
    # teacher and the student; see _objects).
    row("live:room_events", "GET",
        "L    404  404  404  404  404  200  404  404  200  404  404",
        kwargs={"session_id": "{lesson}"}),
    # Attendance (TRK-1): school staff who see the class's students and the
    # platform operator read it; only the class's teachers correct it.
    row("live:attendance", "GET",
        "L    404  404  200  200  200  200  200  404  403  403  200",
        kwargs={"session_id": "{lesson}"}),
    row("live:attendance", "POST",
        "L    404  404  403  403  403  302  302  404  403  403  403",
        kwargs={"session_id": "{lesson}"}, data={"student": "{student}", "status": "x"}),
    # A class's attendance over days: those who see its roster (TRK-1, TRK-2);
    # its students and parents see a child's own attendance elsewhere.
    row("live:class_attendance", "GET",
        "L    404  404  200  200  200  200  200  404  403  403  200",
        kwargs={"class_id": "{class}"}),
    # A school's live-lesson rules: those who manage its classes (leaders, IT admins).
    row("live:settings", "GET",
        "L    403  403  200  200  403  403  403  404  404  404  200",
        kwargs=SCHOOL, label="th-demo"),
    row("live:settings", "POST",
        "L    403  403  200  200  403  403  403  404  404  404  200",
        kwargs=SCHOOL, data={"lobby_minutes": "x"}, label="th-demo, invalid form"),
    # A picture in the chat: for whoever sees its (delivered) message.
    row("live:chat_image", "GET",
        "L    404  404  200  200  200  200  200  404  200  200  200",
        kwargs={"session_id": "{lesson}", "message_id": "{picture}"}),
    # Letting students post pictures: the class's teachers only (CLS-2).
    row("live:chat_images", "POST",
        "L    404  404  403  403  403  302  302  404  403  403  403",
        kwargs={"session_id": "{lesson}"}, data={"allowed": "1"}),
    row("live:chat_images", "GET", NO_GET, kwargs={"session_id": "{lesson}"}),
    # Everyone has a (possibly empty) review queue of their own lessons.
    row("live:review_queue", "GET",
        "L    200  200  200  200  200  200  200  200  200  200  200"),
    # A held message: only the teachers of its class can decide on it.
    row("live:review", "POST",
        "L    404  404  404  404  404  302  302  404  404  404  404",
        kwargs={"message_id": "{held}"}, data={"decision": "approve"}),
    row("live:review", "GET", NO_GET, kwargs={"message_id": "{held}"}),
    # The school's moderation policy: its leaders and IT admins.
    row("moderation:policy", "GET",
        "L    403  403  200  200  403  403  403  404  404  404  200",
        kwargs=SCHOOL, label="th-demo"),
    row("moderation:policy", "POST",
        "L    403  403  200  200  403  403  403  404  404  404  200",
        kwargs=SCHOOL, data={"mute_after": "x"}, label="th-demo, invalid form"),
    # --- Families (issue 3) ----------------------------------------------------
    # Linking with a slip code: open to everyone (a parent may not have an
    # account yet); other kinds of account are told to sign out first.
    row("accounts:parent_link", "GET",
        "200  200  200  200  200  200  200  200  200  200  200  200"),
    # An unknown invitation: gone, for everyone.
    row("accounts:parent_invitation", "GET",
        "410  410  410  410  410  410  410  410  410  410  410  410",
        kwargs={"token": "{token}"}),
    # A one-time sign-in link for a child: only the child's confirmed parent.
    row("accounts:child_signin_link", "POST",
        "L    403  403  403  403  403  403  403  403  403  200  403",
        kwargs={"student_id": "{student}"}),
    row("accounts:child_signin_link", "GET", NO_GET, kwargs={"student_id": "{student}"}),
    row("accounts:signin_link", "GET",
        "410  410  410  410  410  410  410  410  410  410  410  410",
        kwargs={"token": "{token}"}),
    # --- Notifications: one's own only ------------------------------------------
    row("notify:notification_list", "GET",
        "L    200  200  200  200  200  200  200  200  200  200  200"),
    row("notify:notifications_mark_all_read", "POST",
        "L    302  302  302  302  302  302  302  302  302  302  302"),
    row("notify:notifications_mark_all_read", "GET", NO_GET),
    # ph.demo's notification: only ph.demo opens it; for everyone else it does not exist.
    row("notify:notification_open", "POST",
        "L    404  404  404  404  404  404  404  404  404  302  404",
        kwargs={"notification_id": "{notification}"}),
    row("notify:notification_open", "GET", NO_GET, kwargs={"notification_id": "{notification}"}),
)
# fmt: on


# --- The routes ---------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    kwargs: frozenset[str]


def _walk(
    patterns: list[Any], namespace: str, prefix: str, kwargs: frozenset[str]
) -> Iterator[Route]:
    for entry in patterns:
        pattern = entry.pattern
        names = frozenset(pattern.converters) | frozenset(pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner, prefix + str(pattern), kwargs | names)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else ""
            yield Route(name, prefix + str(pattern), kwargs | names)


def all_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns, "", "/", frozenset()))


def test_every_route_is_in_the_table_and_every_row_is_a_route() -> None:
    routes = all_routes()
    unnamed = sorted(r.pattern for r in routes if not r.name)
    by_name = {r.name: r for r in routes if r.name}
    in_table = {r.route for r in TABLE}
    missing = sorted(set(by_name) - in_table)
    gone = sorted(in_table - set(by_name))
    wrong_kwargs = sorted(
        f"{r.describe()}: table {sorted(r.kwargs)}, route {sorted(by_name[r.route].kwargs)}"
        for r in TABLE
        if r.route in by_name and set(r.kwargs) != by_name[r.route].kwargs
    )
    problems = []
    if unnamed:
        problems.append(f"routes without a name (cannot be in the table): {unnamed}")
    if missing:
        problems.append(f"routes missing from the table: {missing}")
    if gone:
        problems.append(f"table rows for routes that no longer exist: {gone}")
    if wrong_kwargs:
        problems.append("table kwargs differ from the route's: " + "; ".join(wrong_kwargs))
    assert not problems, "\n".join(problems)


# --- Requests -----------------------------------------------------------------


def _seed() -> None:
    """The demo world, plus a teacher who works at both of its schools."""
    call_command("seed_demo", stdout=io.StringIO())
    shared = user_create(
        actor=Actor.system(),
        username=SHARED_TEACHER,
        full_name="Lý Thị Hai Trường",
        kind=AccountKind.STAFF,
        activated=True,
    )
    for code in ("th-demo", "thcs-demo"):
        membership_grant(
            actor=Actor.system(), user=shared, unit=Unit.objects.get(code=code), role=Role.TEACHER
        )
    # The class rules wait for the student and the parent; accepting them here
    # keeps the rules gate (tested on its own) out of every other row.
    for username in ("hs.demo", "ph.demo"):
        accept_pending_rules(User.objects.get(username=username))


def _roster_import(school: Unit) -> RosterImport:
    school_class = SchoolClass.objects.get(school=school, name="5A")
    data = "STT,Họ và tên,Ngày sinh\n1,Nguyễn Minh An,15/03/2016\n".encode()
    return RosterImport.objects.create(
        school_class=school_class, file_name="5a.csv", file_sha256="0" * 64, content=data
    )


def _objects() -> dict[str, str]:
    school = Unit.objects.get(code="th-demo")
    teacher = User.objects.get(username="gvcn.demo")
    lesson = (
        Session.objects.filter(
            school_class__school=school, school_class__name="5A", teacher=teacher
        )
        .order_by("starts_at")
        .first()
    )
    assert lesson is not None, "the demo seeds 5A's lessons"
    student = User.objects.get(username="hs.demo")
    parent = User.objects.get(username="ph.demo")
    # The messages below are #1 and #2.
    RoomControls.objects.update_or_create(session=lesson, defaults={"chat_seq": 2})
    ids: dict[str, Any] = {
        "school": school.pk,
        "department": Unit.objects.get(code="sgd-demo").pk,
        "teacher": teacher.pk,
        "leader": User.objects.get(username="bgh.demo").pk,
        "shared": User.objects.get(username=SHARED_TEACHER).pk,
        "student": student.pk,
        "class": SchoolClass.objects.get(school=school, name="5A").pk,
        "membership": Membership.objects.get(
            user=teacher, unit=school, role=Role.TEACHER, ended_at__isnull=True
        ).pk,
        "guardianship": Guardianship.objects.get(parent=parent, student=student).pk,
        "consent": ConsentRecord.objects.get(
            student=student, given_by=parent, withdrawn_at__isnull=True
        ).pk,
        "session": "0000000000000000",
        "subject_teacher": User.objects.get(username="gvbm.demo").pk,
        "enrollment": Enrollment.objects.get(student=student, left_at__isnull=True).pk,
        "roster_import": _roster_import(school).pk,
        "term": lesson.slot.term_id if lesson.slot else "",
        "lesson": lesson.pk,
        "lesson_day": timezone.localtime(lesson.starts_at).date().isoformat(),
        "material": Material.objects.create(
            session=lesson,
            title="Bài đọc",
            kind="link",
            url="https://example.org/",
            created_by=teacher,
        ).pk,
        "notification": Notification.objects.create(
            recipient=parent, kind="matrix", subject="Thử", body="Thử", url="/"
        ).pk,
        "token": secrets.token_urlsafe(32),
        "held": ChatMessage.objects.create(
            session=lesson, seq=1, sender=student, text="vào bit.ly/abc nhé", status="held"
        ).pk,
        "picture": ChatMessage.objects.create(
            session=lesson,
            seq=2,
            sender=teacher,
            status="delivered",
            image_sha256=store_bytes(b"\xff\xd8\xff\xe0 a picture"),
            image_width=1,
            image_height=1,
        ).pk,
    }
    for user, role in ((teacher, "teacher"), (student, "student")):
        Participant.objects.create(
            session=lesson, user=user, role=role, state="admitted", display_name=user.full_name
        )
    return {key: str(value) for key, value in ids.items()}


def _client(role: str) -> Client:
    index = ROLES.index(role)
    client = Client(REMOTE_ADDR=f"10.20.0.{index + 1}", HTTP_HOST="127.0.0.1")
    if role == "anonymous":
        return client
    response = client.post(
        reverse("accounts:login"), {"identifier": USERNAMES[role], "password": PASSWORD}
    )
    assert response.status_code == 302, f"{role} could not sign in: {response.status_code}"
    assert response["Location"] == reverse("core:home"), f"{role}: {response['Location']}"
    return client


def _outcome(status: int, location: str, requested: str) -> str:
    if status not in {301, 302, 303, 307, 308}:
        return str(status)
    target = urlsplit(location)
    if target.path == reverse("accounts:login") and target.query:
        following = parse_qs(target.query).get("next", [""])[0]
        return "L" if following == requested else f"{status} → {location}"
    if target.path.startswith(reverse("accounts:second_factor")):
        return "2FA"
    return "302"


def _request(client: Client, row_: Row, objects: Mapping[str, str]) -> tuple[str, str]:
    """(outcome, URL). Runs in a transaction that is rolled back; cookies are kept."""
    url = reverse(row_.route, kwargs={k: v.format(**objects) for k, v in row_.kwargs.items()})
    data = {k: v.format(**objects) for k, v in row_.data.items()}
    requested = f"{url}?{urlencode(data)}" if row_.method == "GET" and data else url
    send = client.get if row_.method == "GET" else client.post
    cookies = copy.deepcopy(client.cookies)
    try:
        with transaction.atomic():
            response = send(url, data)
            transaction.set_rollback(True)
    except Exception as error:  # a crash is an answer too, reported with the rest
        return f"exception {type(error).__name__}: {error}", requested
    finally:
        client.cookies = cookies
    return _outcome(response.status_code, response.get("Location", ""), requested), requested


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_as_the_policy_says(role: str) -> None:
    started = time.monotonic()
    _seed()
    if role == "operator":
        User.objects.create_superuser(OPERATOR, PASSWORD, full_name="Người vận hành nền tảng")
    objects = _objects()
    client = _client(role)
    mismatches = []
    for row_ in TABLE:
        expected = row_.expected[role]
        got, url = _request(client, row_, objects)
        if got != expected:
            mismatches.append(f"  {row_.describe():<58} {url:<40} expected {expected}, got {got}")
    elapsed = time.monotonic() - started
    assert not mismatches, (
        f"{role}: {len(mismatches)} of {len(TABLE)} routes answer against the policy "
        f"({elapsed:.1f}s):\n" + "\n".join(mismatches)
    )
