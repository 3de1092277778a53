"""Per-school class settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from safeclass.audit.services import audit_record
from safeclass.classes import selectors
from safeclass.classes.display_names import TemplateError, check_template
from safeclass.classes.models import SchoolSettings
from safeclass.core.context import Actor
from safeclass.core.errors import ServiceError

if TYPE_CHECKING:
    from safeclass.orgs.models import Unit


@transaction.atomic
def display_name_template_set(*, actor: Actor, school: Unit, template: str) -> SchoolSettings:
    template = template.strip()
    try:
        check_template(template)
    except TemplateError as error:
        raise ServiceError(
            _(
                "This template cannot be used. Use the fields {roster_no}, {roster_no:02d}, "
                "{full_name}, {given_name}, {family_name} and {class_name}, and include the name."
            ),
            field="display_name_template",
        ) from error
    record, _created = SchoolSettings.objects.get_or_create(school=school)
    if record.display_name_template != template:
        old = record.display_name_template
        record.display_name_template = template
        record.save(update_fields=["display_name_template", "updated_at"])
        selectors.display_name_template_of.changed(school.pk)
        audit_record(
            action="classes.display_name_template_set",
            actor=actor,
            target=record,
            unit_id=school.pk,
            data={"from": old, "to": template},
        )
    return record
