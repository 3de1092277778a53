"""Unit, school-year and staff forms."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from safeclass.core.roles import Role
from safeclass.orgs.models import SchoolLevel, UnitKind
from safeclass.orgs.selectors import province_choices, ward_choices

_BLANK: list[tuple[Any, str]] = [("", "—")]


class UnitDetailsForm(forms.Form):
    # The fields the unit services take as keyword arguments.
    DETAILS = (
        "name",
        "code",
        "school_level",
        "province_code",
        "ward_code",
        "address",
        "phone",
        "email",
    )

    name = forms.CharField(label=_("Name"), max_length=200)
    code = forms.SlugField(
        label=_("Code"),
        max_length=40,
        help_text=_("Short, unique, letters without accents, digits and dashes: th-anhduong."),
    )
    school_level = forms.ChoiceField(
        label=_("School level"), choices=_BLANK + list(SchoolLevel.choices), required=False
    )
    province_code = forms.TypedChoiceField(
        label=_("Province or city"), coerce=int, required=False, empty_value=None
    )
    ward_code = forms.TypedChoiceField(
        label=_("Commune or ward"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("Choose the province first; the list of communes follows it."),
    )
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    phone = forms.CharField(label=_("Official phone"), max_length=20, required=False)
    email = forms.EmailField(label=_("Official email"), required=False)

    def __init__(self, *args: Any, province: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        province_field = cast(forms.ChoiceField, self.fields["province_code"])
        province_field.choices = _BLANK + province_choices()
        province_field.widget.attrs.update(
            {"data-wards-url": reverse("orgs:wards"), "data-ward-target": "id_ward_code"}
        )
        chosen = province
        if self.is_bound:
            raw = self.data.get("province_code")
            chosen = int(raw) if raw and str(raw).isdigit() else None
        ward_field = cast(forms.ChoiceField, self.fields["ward_code"])
        ward_field.choices = _BLANK + (ward_choices(chosen) if chosen else [])

    def details(self) -> dict[str, Any]:
        values = {field: self.cleaned_data[field] for field in self.DETAILS}
        values["school_level"] = values["school_level"] or ""
        return values


class UnitCreateForm(UnitDetailsForm):
    kind = forms.ChoiceField(label=_("Kind of unit"), choices=UnitKind.choices)
    field_order = ["kind", "name", "code", "school_level"]


class UnitMoveForm(forms.Form):
    parent = forms.TypedChoiceField(label=_("New parent unit"), coerce=int)

    def __init__(self, *args: Any, parents: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["parent"])
        field.choices = parents


class SchoolYearForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=40, help_text=_("e.g. 2026–2027"))
    starts_on = forms.DateField(
        label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(label=_("Ends on"), widget=forms.DateInput(attrs={"type": "date"}))


class TermForm(SchoolYearForm):
    pass


class StaffAddForm(forms.Form):
    """Give a role to an existing staff account, or create the account."""

    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    existing_username = forms.CharField(
        label=_("Existing account (username)"),
        required=False,
        max_length=64,
        help_text=_("Leave empty to create a new account below."),
    )
    full_name = forms.CharField(label=_("Full name"), required=False, max_length=150)
    username = forms.CharField(
        label=_("Username for the new account"),
        required=False,
        max_length=64,
        help_text=_("Lower-case letters without accents, digits and dots: nguyen.thi.hoa"),
    )
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone number"), required=False, max_length=20)

    def __init__(self, *args: Any, roles: list[tuple[str, str | Promise]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["role"])
        field.choices = roles

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("existing_username"):
            if not cleaned.get("full_name"):
                self.add_error("full_name", _("Enter the person's full name."))
            if not cleaned.get("username"):
                self.add_error("username", _("Choose a username for the new account."))
        return cleaned
