"""Class rules (CLS-4): the school template, class additions, versions, acceptance."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from safeclass.accounts.data import AccountKind
from safeclass.accounts.selectors import acting_user
from safeclass.audit.services import audit_record
from safeclass.classes.models import (
    AcceptanceCapacity,
    ClassRules,
    RulesAcceptance,
    RulesTemplate,
    RulesVersion,
    SchoolClass,
)
from safeclass.classes.rules_defaults import DEFAULT_RULES
from safeclass.core.context import Actor
from safeclass.core.errors import ServiceError

if TYPE_CHECKING:
    from safeclass.accounts.models import User
    from safeclass.orgs.models import Unit


def rules_template_for(school: Unit) -> RulesTemplate:
    template = RulesTemplate.objects.filter(school=school).first()
    if template is None:
        template = RulesTemplate.objects.create(school=school, **DEFAULT_RULES)
    return template


def _sections(school_class: SchoolClass) -> list[dict[str, str]]:
    template = rules_template_for(school_class.school)
    sections = [{"key": key, "text": getattr(template, key)} for key in RulesTemplate.SECTIONS]
    additions = ClassRules.objects.filter(school_class=school_class).first()
    if additions is not None and additions.additions.strip():
        sections.append({"key": "class", "text": additions.additions.strip()})
    return sections


@transaction.atomic
def rules_publish(*, actor: Actor, school_class: SchoolClass) -> RulesVersion | None:
    """Publish the class's rules as a new version if they differ from the current one.

    Everyone must accept the new version before their next class.
    """
    sections = _sections(school_class)
    current = RulesVersion.objects.filter(school_class=school_class).order_by("-number").first()
    if current is not None and current.sections == sections:
        return None
    number = (
        RulesVersion.objects.filter(school_class=school_class).aggregate(top=Max("number"))["top"]
        or 0
    ) + 1
    version = RulesVersion.objects.create(
        school_class=school_class,
        number=number,
        sections=sections,
        published_at=timezone.now(),
        published_by=acting_user(actor),
    )
    audit_record(
        action="classes.rules_publish",
        actor=actor,
        target=version,
        unit_id=school_class.school_id,
        data={"class": school_class.name, "version": number},
    )
    return version


@transaction.atomic
def rules_template_save(*, actor: Actor, school: Unit, sections: dict[str, str]) -> RulesTemplate:
    """Save the school's rules and publish a new version for every class that changes."""
    template = rules_template_for(school)
    cleaned = {key: (sections.get(key) or "").strip() for key in RulesTemplate.SECTIONS}
    empty = [key for key, text in cleaned.items() if not text]
    if empty:
        raise ServiceError(_("Every part of the rules needs some text."), field=empty[0])
    changed = [key for key, text in cleaned.items() if getattr(template, key) != text]
    if not changed:
        return template
    for key in changed:
        setattr(template, key, cleaned[key])
    template.save(update_fields=[*changed, "updated_at"])
    audit_record(
        action="classes.rules_template_save",
        actor=actor,
        target=template,
        unit_id=school.pk,
        data={"sections": changed},
    )
    for school_class in SchoolClass.objects.filter(school=school):
        rules_publish(actor=actor, school_class=school_class)
    return template


@transaction.atomic
def rules_additions_save(*, actor: Actor, school_class: SchoolClass, additions: str) -> None:
    record, _created = ClassRules.objects.get_or_create(school_class=school_class)
    text = additions.strip()
    if record.additions == text:
        return
    record.additions = text
    record.save(update_fields=["additions"])
    rules_publish(actor=actor, school_class=school_class)


@transaction.atomic
def rules_accept(*, actor: Actor, version: RulesVersion, student: User) -> RulesAcceptance:
    """The student, or their parent, accepts a version of the class rules."""
    person = actor.user
    if person is None:
        raise ServiceError(_("Sign in to accept the class rules."))
    latest = (
        RulesVersion.objects.filter(school_class_id=version.school_class_id)
        .order_by("-number")
        .first()
    )
    if latest is None or latest.pk != version.pk:
        raise ServiceError(_("These rules have been updated. Read the new version."))
    if person.pk == student.pk and getattr(person, "kind", "") == AccountKind.STUDENT:
        capacity = AcceptanceCapacity.STUDENT
    elif student.guardians.filter(parent_id=person.pk).exists():
        capacity = AcceptanceCapacity.PARENT
    else:
        raise ServiceError(_("Only the student or their parent can accept these rules."))
    if not student.enrollments.filter(
        school_class_id=version.school_class_id, left_at__isnull=True
    ).exists():
        raise ServiceError(_("This student is not in this class."))
    acceptance, created = RulesAcceptance.objects.get_or_create(
        version=version,
        user_id=person.pk,
        student=student,
        defaults={"capacity": capacity, "accepted_at": timezone.now()},
    )
    if created:
        audit_record(
            action="classes.rules_accept",
            actor=actor,
            target=acceptance,
            unit_id=version.school_class.school_id,
            data={"version": version.number, "student": student.username, "capacity": capacity},
        )
    return acceptance
