"""What the shell and the home pages show, assembled from every app's selectors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from safeclass.accounts import selectors as account_selectors
from safeclass.classes import selectors as class_selectors
from safeclass.core.roles import Capability


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str | Promise
    url: str
    active: bool = False


@dataclass
class Shell:
    nav: list[NavItem] = field(default_factory=list)
    shows_hotline: bool = True


def shell_for(user: Any, path: str = "") -> Shell:
    """The navigation a person sees: only links they may open."""
    if not getattr(user, "is_authenticated", False):
        return Shell(nav=[], shows_hotline=True)
    nav = [NavItem("home", _("Home"), reverse("core:home"))]
    if account_selectors.user_scope_paths(user, Capability.VIEW_UNIT):
        nav.append(NavItem("units", _("Units"), reverse("orgs:unit_list")))
    has_classes = (
        class_selectors.classes_taught(user).exists()
        or class_selectors.classes_attended(user).exists()
        or account_selectors.user_scope_paths(user, Capability.VIEW_STUDENTS)
        or account_selectors.children_of(user).filter(verified=True).exists()
    )
    if has_classes:
        nav.append(NavItem("classes", _("Classes"), reverse("classes:class_list")))
        nav.append(NavItem("calendar", _("Calendar"), reverse("live:calendar")))
    if getattr(user, "is_parent", False) or getattr(user, "is_student", False):
        nav.append(NavItem("consent", _("Data consent"), reverse("accounts:consent")))
    if account_selectors.user_scope_paths(user, Capability.VIEW_AUDIT):
        nav.append(NavItem("audit", _("Audit log"), reverse("portal:audit_log")))
    nav.append(NavItem("help", _("Help"), reverse("portal:help")))
    staff = bool(account_selectors.active_memberships(user)) or getattr(user, "is_superuser", False)
    home = reverse("core:home")
    marked = [
        NavItem(
            item.key,
            item.label,
            item.url,
            active=(path == home) if item.url == home else path.startswith(item.url),
        )
        for item in nav
    ]
    return Shell(nav=marked, shows_hotline=not staff)


@dataclass
class UnitSummary:
    unit: Any
    roles: list[str]
    period: Any
    school_count: int
    student_count: int
    unactivated_students: int
    staff_count: int
    class_count: int
    capabilities: frozenset[Capability]


def unit_summaries(user: Any) -> list[UnitSummary]:
    from safeclass.orgs import selectors as org_selectors

    summaries = []
    for unit in org_selectors.scope_roots(user):
        roles = sorted(account_selectors.user_roles_at(user, unit.path))
        caps = account_selectors.user_capabilities_at(user, unit.path)
        students = account_selectors.students_in_units([unit.path])
        summaries.append(
            UnitSummary(
                unit=unit,
                roles=roles,
                period=org_selectors.current_period(unit),
                school_count=org_selectors.schools_in([unit.path]).count(),
                student_count=students.count(),
                unactivated_students=students.filter(activated_at__isnull=True).count(),
                staff_count=account_selectors.staff_in_units([unit.path])
                .values("user")
                .distinct()
                .count(),
                class_count=class_selectors.classes_in_units([unit.path]).count(),
                capabilities=caps,
            )
        )
    return summaries


@dataclass
class ChildSummary:
    link: Any
    enrollments: list[Any]
    consent: Any


def child_summaries(user: Any) -> list[ChildSummary]:
    links = list(account_selectors.children_of(user))
    confirmed = [link.student_id for link in links if link.verified]
    enrollments = list(class_selectors.enrollments_of_students(confirmed))
    return [
        ChildSummary(
            link=link,
            enrollments=[e for e in enrollments if e.student_id == link.student_id],
            consent=account_selectors.student_consent_status(link.student),
        )
        for link in links
    ]
