"""Units built through the service, so paths and depths are always right."""

from __future__ import annotations

from typing import Any

import factory

from safeclass.core.context import Actor
from safeclass.orgs.models import SchoolLevel, Unit, UnitKind
from safeclass.orgs.services import unit_create


class UnitFactory(factory.Factory):
    class Meta:
        model = Unit

    parent = None
    kind = UnitKind.DEPARTMENT
    name = factory.Sequence(lambda n: f"Đơn vị {n}")
    code = factory.Sequence(lambda n: f"unit-{n}")
    school_level = ""

    @classmethod
    def _create(cls, model_class: type[Unit], *args: Any, **kwargs: Any) -> Unit:
        return unit_create(actor=Actor.system(), **kwargs)

    @classmethod
    def _build(cls, model_class: type[Unit], *args: Any, **kwargs: Any) -> Unit:
        return model_class(**kwargs)


class SchoolFactory(UnitFactory):
    kind = UnitKind.SCHOOL
    school_level = SchoolLevel.PRIMARY
    name = factory.Sequence(lambda n: f"Trường Tiểu học số {n}")
    code = factory.Sequence(lambda n: f"school-{n}")
