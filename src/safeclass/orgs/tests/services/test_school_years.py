"""School years and terms; the year in force is inherited down the tree (TRK-3)."""

from __future__ import annotations

from datetime import date

import pytest

from safeclass.core.context import Actor
from safeclass.core.errors import ServiceError
from safeclass.orgs.selectors import current_period
from safeclass.orgs.services import school_year_create, term_create
from safeclass.orgs.tests.factories import SchoolFactory, UnitFactory

pytestmark = pytest.mark.django_db
ACTOR = Actor.system()


def test_schools_follow_the_nearest_authority_year() -> None:
    department = UnitFactory()
    school = SchoolFactory(parent=department)
    year = school_year_create(
        actor=ACTOR,
        unit=department,
        name="2026–2027",
        starts_on=date(2026, 8, 15),
        ends_on=date(2027, 7, 31),
    )
    term = term_create(
        actor=ACTOR,
        school_year=year,
        name="Học kỳ I",
        starts_on=date(2026, 9, 5),
        ends_on=date(2027, 1, 17),
    )
    period = current_period(school, today=date(2026, 11, 22))
    assert period.year == year
    assert period.term == term
    # Between terms: the year, no term.
    assert current_period(school, today=date(2026, 8, 20)).term is None
    # Summer holiday after the year: nothing in force.
    assert current_period(school, today=date(2027, 8, 10)).year is None


def test_a_school_year_of_its_own_wins_over_the_authority() -> None:
    department = UnitFactory()
    school = SchoolFactory(parent=department)
    school_year_create(
        actor=ACTOR,
        unit=department,
        name="2026–2027",
        starts_on=date(2026, 8, 15),
        ends_on=date(2027, 7, 31),
    )
    own = school_year_create(
        actor=ACTOR,
        unit=school,
        name="2026–2027 (riêng)",
        starts_on=date(2026, 8, 1),
        ends_on=date(2027, 6, 30),
    )
    assert current_period(school, today=date(2026, 12, 1)).year == own


def test_overlapping_years_and_terms_outside_the_year_are_refused() -> None:
    department = UnitFactory()
    year = school_year_create(
        actor=ACTOR,
        unit=department,
        name="2026–2027",
        starts_on=date(2026, 8, 15),
        ends_on=date(2027, 7, 31),
    )
    with pytest.raises(ServiceError):
        school_year_create(
            actor=ACTOR,
            unit=department,
            name="Khác",
            starts_on=date(2027, 7, 1),
            ends_on=date(2028, 6, 30),
        )
    with pytest.raises(ServiceError) as error:
        term_create(
            actor=ACTOR,
            school_year=year,
            name="Học kỳ hè",
            starts_on=date(2027, 6, 1),
            ends_on=date(2027, 8, 31),
        )
    assert "01/06/2027" not in str(error.value)  # the message names the year's dates
    assert "15/08/2026" in str(error.value)
    with pytest.raises(ServiceError):
        school_year_create(
            actor=ACTOR,
            unit=department,
            name="Ngược",
            starts_on=date(2028, 6, 1),
            ends_on=date(2027, 9, 1),
        )
    assert year.terms.count() == 0
