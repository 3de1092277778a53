"""Reads about units, school years and terms, always through the viewer's scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from vietnam_provinces import Province, ProvinceCode, Ward, WardCode

from safeclass.accounts.selectors import user_capabilities_at, user_scope_paths
from safeclass.core.errors import Forbidden, NotFound
from safeclass.core.paths import subtree_q
from safeclass.core.roles import Capability
from safeclass.orgs.models import SchoolYear, Term, Unit, UnitKind


def access_unit(*, user: Any, unit_id: int, capability: Capability = Capability.VIEW_UNIT) -> Unit:
    """The unit if the viewer's scope reaches it.

    Raises ``NotFound`` outside scope (no existence leak) and ``Forbidden``
    inside scope when the viewer lacks ``capability``.
    """
    unit = Unit.objects.select_related("parent").filter(pk=unit_id).first()
    if unit is None:
        raise NotFound
    granted = user_capabilities_at(user, unit.path)
    if Capability.VIEW_UNIT not in granted:
        raise NotFound
    if capability not in granted:
        raise Forbidden
    return unit


def access_unit_by_code(*, user: Any, code: str, capability: Capability) -> Unit:
    unit = Unit.objects.filter(code=code).only("id").first()
    if unit is None:
        raise NotFound
    return access_unit(user=user, unit_id=unit.pk, capability=capability)


def units_in_scope(user: Any, capability: Capability = Capability.VIEW_UNIT) -> QuerySet[Unit]:
    paths = user_scope_paths(user, capability)
    return Unit.objects.filter(subtree_q("path", paths)).order_by("path")


def scope_roots(user: Any) -> list[Unit]:
    """The top units of the viewer's scope, with counts for the home page."""
    paths = user_scope_paths(user, Capability.VIEW_UNIT)
    return list(
        Unit.objects.filter(path__in=paths)
        .annotate(child_count=Count("children", filter=Q(children__is_active=True)))
        .order_by("path")
    )


def unit_children(unit: Unit) -> QuerySet[Unit]:
    return unit.children.order_by("kind", "name")


def unit_ancestors(unit: Unit) -> list[Unit]:
    ids = unit.ancestor_ids()[:-1]
    by_id = {u.pk: u for u in Unit.objects.filter(pk__in=ids)}
    return [by_id[i] for i in ids if i in by_id]


def unit_visible_ancestors(user: Any, unit: Unit) -> list[Unit]:
    """Breadcrumbs: the ancestors the viewer may open."""
    return [
        u
        for u in unit_ancestors(unit)
        if Capability.VIEW_UNIT in user_capabilities_at(user, u.path)
    ]


def schools_in(paths: list[str]) -> QuerySet[Unit]:
    return Unit.objects.filter(
        subtree_q("path", paths), kind=UnitKind.SCHOOL, is_active=True
    ).order_by("name")


def units_where(user: Any, capability: Capability) -> list[Unit]:
    """Every unit (in the viewer's scope) where they hold ``capability``."""
    return [
        unit
        for unit in units_in_scope(user, capability)
        if capability in user_capabilities_at(user, unit.path)
    ]


def unit_school_years(unit: Unit) -> QuerySet[SchoolYear]:
    return unit.school_years.prefetch_related("terms").order_by("-starts_on")


def access_school_year(*, user: Any, year_id: int, capability: Capability) -> SchoolYear:
    year = SchoolYear.objects.select_related("unit").filter(pk=year_id).first()
    if year is None:
        raise NotFound
    access_unit(user=user, unit_id=year.unit_id, capability=capability)
    return year


def access_term(*, user: Any, term_id: int, capability: Capability) -> Term:
    term = (
        Term.objects.select_related("school_year", "school_year__unit").filter(pk=term_id).first()
    )
    if term is None:
        raise NotFound
    access_unit(user=user, unit_id=term.school_year.unit_id, capability=capability)
    return term


@dataclass(frozen=True)
class CurrentPeriod:
    year: SchoolYear | None
    term: Term | None


def current_period(unit: Unit, today: date | None = None) -> CurrentPeriod:
    """The school year (and term) in force at ``unit``: its own, or the nearest ancestor's."""
    day = today or timezone.localdate()
    ids = unit.ancestor_ids()
    years = list(
        SchoolYear.objects.filter(unit_id__in=ids, starts_on__lte=day, ends_on__gte=day)
        .select_related("unit")
        .prefetch_related("terms")
    )
    if not years:
        return CurrentPeriod(None, None)
    years.sort(key=lambda y: y.unit.depth, reverse=True)
    year = years[0]
    term = next((t for t in year.terms.all() if t.starts_on <= day <= t.ends_on), None)
    return CurrentPeriod(year, term)


# --- Administrative divisions (vietnam-provinces) -----------------------------------


def province_choices() -> list[tuple[int, str]]:
    return sorted(((int(p.code), p.name) for p in Province.iter_all()), key=lambda c: c[1])


def ward_choices(province_code: int) -> list[tuple[int, str]]:
    return sorted(
        ((int(w.code), w.name) for w in Ward.iter_all() if int(w.province_code) == province_code),
        key=lambda c: c[1],
    )


def province_name(code: int | None) -> str:
    if code is None:
        return ""
    try:
        return Province.from_code(ProvinceCode(code)).name
    except ValueError:
        return ""


def ward_name(code: int | None) -> str:
    if code is None:
        return ""
    try:
        return Ward.from_code(WardCode(code)).name
    except ValueError:
        return ""


def ward_in_province(ward_code: int, province_code: int) -> bool:
    try:
        return int(Ward.from_code(WardCode(ward_code)).province_code) == province_code
    except ValueError:
        return False


def unit_by_code(code: str) -> Unit | None:
    """For commands run by the platform's operators (no viewer, no scope)."""
    return Unit.objects.filter(code=code).first()


def years_for_school(school: Unit) -> list[SchoolYear]:
    """School years that apply to a school: its own and its ancestors', newest first."""
    return list(
        SchoolYear.objects.filter(unit_id__in=school.ancestor_ids())
        .select_related("unit")
        .order_by("-starts_on")
    )


def school_year_for_school(school: Unit, year_id: int) -> SchoolYear:
    year = next((y for y in years_for_school(school) if y.pk == year_id), None)
    if year is None:
        raise NotFound
    return year


def terms_of_year(year_id: int) -> list[Term]:
    return list(Term.objects.filter(school_year_id=year_id).order_by("starts_on"))


def term_of_year(year_id: int, term_id: int) -> Term:
    term = (
        Term.objects.filter(school_year_id=year_id, pk=term_id)
        .select_related("school_year", "school_year__unit")
        .first()
    )
    if term is None:
        raise NotFound
    return term
