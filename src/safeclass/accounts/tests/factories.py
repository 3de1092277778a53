"""Accounts built through the services, with audit rows like real ones."""

from __future__ import annotations

from datetime import date
from typing import Any

import factory

from safeclass.accounts.models import AccountKind, User
from safeclass.accounts.services import membership_grant, user_create
from safeclass.core.context import Actor

PASSWORD = "Trời-xanh-mây-trắng-2026"


class UserFactory(factory.Factory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"nguoi.dung{n}")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn Người {n}")
    kind = AccountKind.STAFF
    email = ""
    phone = ""
    password = PASSWORD
    activated = True

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        return user_create(actor=Actor.system(), **kwargs)


class StudentFactory(UserFactory):
    kind = AccountKind.STUDENT
    username = factory.Sequence(lambda n: f"hoc.sinh{n}")
    full_name = factory.Sequence(lambda n: f"Trần Thị Học Sinh {n}")
    date_of_birth = date(2015, 4, 20)
    school = None
    student_code = factory.Sequence(lambda n: f"HS{n:06d}")


class ParentFactory(UserFactory):
    kind = AccountKind.PARENT
    username = factory.Sequence(lambda n: f"phu.huynh{n}")
    full_name = factory.Sequence(lambda n: f"Lê Văn Phụ Huynh {n}")


def staff_with_role(unit: Any, role: str, **kwargs: Any) -> User:
    user = UserFactory(**kwargs)
    membership_grant(actor=Actor.system(), user=user, unit=unit, role=role)
    return user
