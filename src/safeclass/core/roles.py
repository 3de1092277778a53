"""Staff roles and what each may do: the shared vocabulary of authorization.

A role is held at a unit (``accounts.Membership``) and reaches that unit's whole
subtree. What a role may do is a set of capabilities; views ask for a
capability, never for a role, so adding a role means adding one row here.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    AUTHORITY_OFFICER = "authority_officer", _("Education authority officer")
    SCHOOL_LEADER = "school_leader", _("School leader")
    TEACHER = "teacher", _("Teacher")
    COUNSELLOR = "counsellor", _("School counsellor")
    SCHOOL_IT_ADMIN = "school_it_admin", _("School IT administrator")


class Capability(StrEnum):
    VIEW_UNIT = "view_unit"
    MANAGE_UNITS = "manage_units"  # create and edit units below, school years
    EDIT_UNIT = "edit_unit"  # edit the unit's own details
    MANAGE_STAFF = "manage_staff"  # staff accounts and memberships
    VIEW_STUDENTS = "view_students"  # every student of a school
    MANAGE_STUDENTS = "manage_students"  # accounts, guardianships
    MANAGE_CLASSES = "manage_classes"  # classes, teaching assignments, timetables
    VIEW_AUDIT = "view_audit"
    MANAGE_MODERATION = "manage_moderation"  # the school's chat moderation policy


CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.AUTHORITY_OFFICER: frozenset(
        {
            Capability.VIEW_UNIT,
            Capability.MANAGE_UNITS,
            Capability.EDIT_UNIT,
            Capability.MANAGE_STAFF,
            Capability.VIEW_AUDIT,
        }
    ),
    Role.SCHOOL_LEADER: frozenset(
        {
            Capability.VIEW_UNIT,
            Capability.EDIT_UNIT,
            Capability.MANAGE_STAFF,
            Capability.VIEW_STUDENTS,
            Capability.MANAGE_STUDENTS,
            Capability.MANAGE_CLASSES,
            Capability.VIEW_AUDIT,
            Capability.MANAGE_MODERATION,
        }
    ),
    Role.SCHOOL_IT_ADMIN: frozenset(
        {
            Capability.VIEW_UNIT,
            Capability.EDIT_UNIT,
            Capability.MANAGE_STAFF,
            Capability.VIEW_STUDENTS,
            Capability.MANAGE_STUDENTS,
            Capability.MANAGE_CLASSES,
            Capability.VIEW_AUDIT,
            Capability.MANAGE_MODERATION,
        }
    ),
    Role.COUNSELLOR: frozenset({Capability.VIEW_UNIT, Capability.VIEW_STUDENTS}),
    Role.TEACHER: frozenset({Capability.VIEW_UNIT}),
}

# Which roles a holder of a role may grant. Nobody grants a role above their
# own: an IT admin cannot appoint a school leader, a school cannot appoint an
# authority officer.
GRANTABLE_ROLES: dict[str, frozenset[str]] = {
    Role.AUTHORITY_OFFICER: frozenset(Role.values),
    Role.SCHOOL_LEADER: frozenset(
        {Role.SCHOOL_LEADER, Role.TEACHER, Role.COUNSELLOR, Role.SCHOOL_IT_ADMIN}
    ),
    Role.SCHOOL_IT_ADMIN: frozenset({Role.TEACHER, Role.COUNSELLOR}),
    Role.COUNSELLOR: frozenset(),
    Role.TEACHER: frozenset(),
}

# Roles that must sign in with a second factor (TOTP). Teachers may opt in.
SECOND_FACTOR_REQUIRED: frozenset[str] = frozenset({Role.AUTHORITY_OFFICER, Role.SCHOOL_LEADER})

# Roles that only make sense at a school (not at an authority unit).
SCHOOL_ONLY_ROLES: frozenset[str] = frozenset(
    {Role.TEACHER, Role.COUNSELLOR, Role.SCHOOL_IT_ADMIN, Role.SCHOOL_LEADER}
)


def capabilities_of(roles: set[str] | frozenset[str]) -> frozenset[Capability]:
    granted: set[Capability] = set()
    for role in roles:
        granted |= CAPABILITIES.get(role, frozenset())
    return frozenset(granted)


def grantable_by(roles: set[str] | frozenset[str]) -> frozenset[str]:
    granted: set[str] = set()
    for role in roles:
        granted |= GRANTABLE_ROLES.get(role, frozenset())
    return frozenset(granted)
