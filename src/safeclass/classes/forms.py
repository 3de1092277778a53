"""Class, roster, rules and settings forms."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from safeclass.classes.models import (
    DEFAULT_DISPLAY_NAME_TEMPLATE,
    RULES_SECTION_LABELS,
    RulesTemplate,
)


class ClassCreateForm(forms.Form):
    name = forms.CharField(label=_("Class name"), max_length=20, help_text=_("e.g. 5B"))
    grade = forms.IntegerField(label=_("Grade"), min_value=1, max_value=12)
    school_year = forms.TypedChoiceField(label=_("School year"), coerce=int)

    def __init__(self, *args: Any, years: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["school_year"]).choices = years


class TeachingForm(forms.Form):
    teacher = forms.TypedChoiceField(label=_("Teacher"), coerce=int)
    subject = forms.CharField(
        label=_("Subject"),
        max_length=80,
        required=False,
        help_text=_("Leave empty when adding the homeroom teacher."),
    )
    is_homeroom = forms.BooleanField(label=_("Homeroom teacher"), required=False)

    def __init__(self, *args: Any, teachers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["teacher"]).choices = teachers

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("is_homeroom") and not (cleaned.get("subject") or "").strip():
            self.add_error("subject", _("Enter a subject, or tick homeroom teacher."))
        return cleaned


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file (XLSX or CSV)"),
        help_text=_(
            "The class list exported from the school-management system. Title rows, "
            "merged cells and extra columns are fine."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


class NameCorrectForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)


class RulesAdditionsForm(forms.Form):
    additions = forms.CharField(
        label=_("Rules for this class"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Added after the school's rules. Everyone accepts the new version again."),
    )


class RulesTemplateForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key in RulesTemplate.SECTIONS:
            self.fields[key] = forms.CharField(
                label=RULES_SECTION_LABELS[key],
                widget=forms.Textarea(attrs={"rows": 3}),
            )


class DisplayNameForm(forms.Form):
    display_name_template = forms.CharField(
        label=_("Display name template"),
        max_length=80,
        initial=DEFAULT_DISPLAY_NAME_TEMPLATE,
        help_text=_(
            "Fields: {roster_no}, {roster_no:02d} (two digits), {full_name}, {given_name}, "
            "{family_name}, {class_name}. Default: {roster_no:02d} - {full_name}"
        ),
    )
