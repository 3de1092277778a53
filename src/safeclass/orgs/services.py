"""Writes about units, school years and terms. Only these functions set a
unit's ``path`` and ``depth``."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils.text import slugify
from django.utils.translation import gettext as _

from safeclass.audit.services import audit_record
from safeclass.core.context import Actor
from safeclass.core.errors import ServiceError
from safeclass.orgs.models import SchoolLevel, SchoolYear, Term, Unit, UnitKind
from safeclass.orgs.selectors import ward_in_province

MAX_DEPTH = 12


def _check_details(
    *,
    kind: str,
    school_level: str,
    name: str,
    province_code: int | None,
    ward_code: int | None,
) -> str:
    if kind not in UnitKind.values:
        raise ServiceError(_("Choose the kind of unit."), field="kind")
    if kind == UnitKind.SCHOOL and school_level not in SchoolLevel.values:
        raise ServiceError(_("Choose the school level."), field="school_level")
    if kind != UnitKind.SCHOOL and school_level:
        raise ServiceError(_("Only a school has a school level."), field="school_level")
    name = " ".join(name.split())
    if not name:
        raise ServiceError(_("Enter the unit's name."), field="name")
    if ward_code is not None and (
        province_code is None or not ward_in_province(ward_code, province_code)
    ):
        raise ServiceError(
            _("The commune or ward is not in the chosen province."), field="ward_code"
        )
    return name


def _clean_code(code: str, exclude_id: int | None = None) -> str:
    cleaned = slugify(code.strip())
    if not cleaned:
        raise ServiceError(_("Enter a code of letters, digits and dashes."), field="code")
    taken = Unit.objects.filter(code=cleaned)
    if exclude_id is not None:
        taken = taken.exclude(pk=exclude_id)
    if taken.exists():
        raise ServiceError(_("Another unit already uses this code."), field="code")
    return cleaned


@transaction.atomic
def unit_create(
    *,
    actor: Actor,
    parent: Unit | None,
    kind: str,
    name: str,
    code: str,
    school_level: str = "",
    province_code: int | None = None,
    ward_code: int | None = None,
    address: str = "",
    phone: str = "",
    email: str = "",
) -> Unit:
    name = _check_details(
        kind=kind,
        school_level=school_level,
        name=name,
        province_code=province_code,
        ward_code=ward_code,
    )
    code = _clean_code(code)
    if parent is not None:
        if parent.is_school:
            raise ServiceError(_("A school cannot contain other units."), field="parent")
        if parent.depth + 1 >= MAX_DEPTH:
            raise ServiceError(_("The unit tree cannot be deeper."), field="parent")
    unit = Unit(
        parent=parent,
        kind=kind,
        school_level=school_level,
        name=name,
        code=code,
        province_code=province_code,
        ward_code=ward_code,
        address=address.strip(),
        phone=phone.strip(),
        email=email.strip().lower(),
        depth=parent.depth + 1 if parent is not None else 0,
        # A placeholder unique per transaction; replaced once the id is known.
        path=f"/pending-{code}/",
    )
    try:
        with transaction.atomic():
            unit.save()
    except IntegrityError as error:
        raise ServiceError(_("Another unit already uses this code."), field="code") from error
    unit.path = f"{parent.path if parent is not None else '/'}{unit.pk}/"
    unit.save(update_fields=["path"])
    audit_record(
        action="orgs.unit_create",
        actor=actor,
        target=unit,
        unit_id=unit.pk,
        data={"name": name, "kind": kind, "parent": parent.pk if parent else None},
    )
    return unit


@transaction.atomic
def unit_update(
    *,
    actor: Actor,
    unit: Unit,
    name: str,
    code: str,
    school_level: str,
    province_code: int | None,
    ward_code: int | None,
    address: str,
    phone: str,
    email: str,
) -> Unit:
    name = _check_details(
        kind=unit.kind,
        school_level=school_level,
        name=name,
        province_code=province_code,
        ward_code=ward_code,
    )
    code = _clean_code(code, exclude_id=unit.pk)
    values = {
        "name": name,
        "code": code,
        "school_level": school_level,
        "province_code": province_code,
        "ward_code": ward_code,
        "address": address.strip(),
        "phone": phone.strip(),
        "email": email.strip().lower(),
    }
    changed = [field for field, value in values.items() if getattr(unit, field) != value]
    if not changed:
        return unit
    for field in changed:
        setattr(unit, field, values[field])
    unit.save(update_fields=[*changed, "updated_at"])
    audit_record(
        action="orgs.unit_update",
        actor=actor,
        target=unit,
        unit_id=unit.pk,
        data={"fields": changed},
    )
    return unit


@transaction.atomic
def unit_move(*, actor: Actor, unit: Unit, new_parent: Unit) -> Unit:
    """Re-hang a unit and its subtree under another parent (administrative reform)."""
    if new_parent.pk == unit.pk or new_parent.path.startswith(unit.path):
        raise ServiceError(_("A unit cannot be moved inside itself."), field="parent")
    if new_parent.is_school:
        raise ServiceError(_("A school cannot contain other units."), field="parent")
    if unit.parent_id == new_parent.pk:
        return unit
    old_path, old_depth = unit.path, unit.depth
    new_path = f"{new_parent.path}{unit.pk}/"
    depth_change = new_parent.depth + 1 - old_depth
    deepest = (
        Unit.objects.filter(path__startswith=old_path)
        .order_by("-depth")
        .values_list("depth", flat=True)
    ).first() or old_depth
    if deepest + depth_change >= MAX_DEPTH:
        raise ServiceError(_("The unit tree cannot be deeper."), field="parent")
    old_parent_id = unit.parent_id
    Unit.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr(F("path"), len(old_path) + 1, Length(F("path")))),
        depth=F("depth") + depth_change,
    )
    Unit.objects.filter(pk=unit.pk).update(parent=new_parent)
    unit.refresh_from_db()
    audit_record(
        action="orgs.unit_move",
        actor=actor,
        target=unit,
        unit_id=unit.pk,
        data={"from_parent": old_parent_id, "to_parent": new_parent.pk},
    )
    return unit


@transaction.atomic
def unit_set_active(*, actor: Actor, unit: Unit, active: bool) -> Unit:
    if unit.is_active == active:
        return unit
    if not active and unit.children.filter(is_active=True).exists():
        raise ServiceError(_("Close the units inside it first."))
    unit.is_active = active
    unit.save(update_fields=["is_active", "updated_at"])
    audit_record(
        action="orgs.unit_reopen" if active else "orgs.unit_close",
        actor=actor,
        target=unit,
        unit_id=unit.pk,
        data={},
    )
    return unit


# --- School years and terms -----------------------------------------------------


def _check_dates(starts_on: date, ends_on: date) -> None:
    if ends_on <= starts_on:
        raise ServiceError(_("The end date must be after the start date."), field="ends_on")


@transaction.atomic
def school_year_create(
    *, actor: Actor, unit: Unit, name: str, starts_on: date, ends_on: date
) -> SchoolYear:
    name = " ".join(name.split())
    if not name:
        raise ServiceError(_("Enter a name, e.g. 2026–2027."), field="name")
    _check_dates(starts_on, ends_on)
    if unit.school_years.filter(name=name).exists():
        raise ServiceError(_("This unit already has a school year with this name."), field="name")
    if unit.school_years.filter(starts_on__lte=ends_on, ends_on__gte=starts_on).exists():
        raise ServiceError(
            _("These dates overlap another school year of this unit."), field="starts_on"
        )
    year = SchoolYear.objects.create(unit=unit, name=name, starts_on=starts_on, ends_on=ends_on)
    audit_record(
        action="orgs.school_year_create",
        actor=actor,
        target=year,
        unit_id=unit.pk,
        data={"name": name, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()},
    )
    return year


@transaction.atomic
def term_create(
    *, actor: Actor, school_year: SchoolYear, name: str, starts_on: date, ends_on: date
) -> Term:
    name = " ".join(name.split())
    if not name:
        raise ServiceError(_("Enter a name, e.g. Semester I."), field="name")
    _check_dates(starts_on, ends_on)
    if starts_on < school_year.starts_on or ends_on > school_year.ends_on:
        raise ServiceError(
            _("A term must lie within its school year (%(start)s – %(end)s).")
            % {
                "start": school_year.starts_on.strftime("%d/%m/%Y"),
                "end": school_year.ends_on.strftime("%d/%m/%Y"),
            },
            field="starts_on",
        )
    if school_year.terms.filter(name=name).exists():
        raise ServiceError(_("This school year already has a term with this name."), field="name")
    if school_year.terms.filter(starts_on__lte=ends_on, ends_on__gte=starts_on).exists():
        raise ServiceError(_("These dates overlap another term."), field="starts_on")
    term = Term.objects.create(
        school_year=school_year, name=name, starts_on=starts_on, ends_on=ends_on
    )
    audit_record(
        action="orgs.term_create",
        actor=actor,
        target=term,
        unit_id=school_year.unit_id,
        data={"name": name, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()},
    )
    return term
