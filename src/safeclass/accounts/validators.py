"""Password rules beyond Django's (ACC-4).

Django's similarity check compares the whole password with the whole name; a
Vietnamese child's typical weak password is the name without accents and a
birth date (``nguyenvanan2015``, ``an15032015``). These validators catch that,
and a short list of passwords common in Vietnam that Django's English list
does not have.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from safeclass.core.text import alnum_folded

_MIN_REMAINDER = 6

# Written for SafeClass from common Vietnamese phrases, keyboard walks and
# school words; compared after removing accents, case and punctuation.
VIETNAMESE_COMMON = frozenset(
    {
        "matkhau",
        "matkhau123",
        "matkhaumoi",
        "anhyeuem",
        "emyeuanh",
        "yeuem",
        "yeuanh",
        "iloveyou",
        "vietnam",
        "vietnam123",
        "hanoi",
        "hanoi123",
        "saigon",
        "saigon123",
        "hocsinh",
        "hocsinh123",
        "giaovien",
        "giaovien123",
        "truonghoc",
        "lophoc",
        "lophocantoan",
        "safeclass",
        "safeclass123",
        "bomeyeu",
        "mecon",
        "chaomung",
        "xinchao",
        "xinchao123",
        "qwertyuiop",
        "asdfghjkl",
        "zxcvbnm",
        "1234567890",
        "0123456789",
        "abcd1234",
        "abc123456",
        "aaaaaaaaaa",
        "tuoitre",
        "thanhnien",
        "doanvien",
        "doituyen",
    }
)


def _birth_date_forms(born: date) -> set[str]:
    d, m, y = f"{born.day:02d}", f"{born.month:02d}", f"{born.year:04d}"
    short_y = y[2:]
    return {
        d + m + y,
        d + m + short_y,
        y + m + d,
        m + d + y,
        str(born.day) + str(born.month) + y,
        d + m,
    } | ({y} if len(y) == 4 else set())


class PersonalDataPasswordValidator:
    """Refuse passwords built from the person's name and birth date."""

    def validate(self, password: str, user: Any = None) -> None:
        if user is None:
            return
        folded = alnum_folded(password)
        remainder = folded
        born = getattr(user, "date_of_birth", None)
        if isinstance(born, date):
            forms = _birth_date_forms(born)
            full_forms = forms - {f"{born.day:02d}{born.month:02d}", f"{born.year:04d}"}
            if any(form in folded for form in full_forms):
                raise ValidationError(
                    _("Your password must not contain your date of birth."),
                    code="password_has_birth_date",
                )
            for form in sorted(forms, key=len, reverse=True):
                remainder = remainder.replace(form, "")
        full_name = alnum_folded(str(getattr(user, "full_name", "") or ""))
        if len(full_name) >= 4 and full_name in folded:
            raise ValidationError(
                _("Your password must not contain your name."), code="password_has_name"
            )
        parts = [alnum_folded(part) for part in str(getattr(user, "full_name", "") or "").split()]
        username = alnum_folded(str(getattr(user, "username", "") or ""))
        for piece in sorted([*parts, username], key=len, reverse=True):
            if len(piece) >= 2:
                remainder = remainder.replace(piece, "")
        if remainder != folded and len(remainder) < _MIN_REMAINDER:
            raise ValidationError(
                _(
                    "Your password is mostly your name, username or date of birth. "
                    "Add words only you would think of."
                ),
                code="password_mostly_personal",
            )

    def get_help_text(self) -> str:
        return _("Your password must not be built from your name or date of birth.")


class VietnameseCommonPasswordValidator:
    def validate(self, password: str, user: Any = None) -> None:
        if alnum_folded(password) in VIETNAMESE_COMMON:
            raise ValidationError(_("This password is too common."), code="password_too_common")

    def get_help_text(self) -> str:
        return _("Your password can't be a commonly used password.")
