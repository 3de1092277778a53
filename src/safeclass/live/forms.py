"""Timetable, session and material forms."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from safeclass.live.models import Weekday


class PeriodForm(forms.Form):
    number = forms.IntegerField(label=_("Period"), min_value=1, max_value=15)
    starts_at = forms.TimeField(
        label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    ends_at = forms.TimeField(label=_("Ends at"), widget=forms.TimeInput(attrs={"type": "time"}))


class SlotForm(forms.Form):
    weekday = forms.TypedChoiceField(label=_("Day"), coerce=int, choices=Weekday.choices)
    period = forms.TypedChoiceField(label=_("Period"), coerce=int)
    subject = forms.CharField(label=_("Subject"), max_length=80)
    teacher = forms.TypedChoiceField(label=_("Teacher"), coerce=int)

    def __init__(
        self,
        *args: Any,
        periods: list[tuple[int, str]],
        teachers: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["period"]).choices = periods
        cast(forms.ChoiceField, self.fields["teacher"]).choices = teachers


class SessionTimeForm(forms.Form):
    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    starts_at = forms.TimeField(
        label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    ends_at = forms.TimeField(label=_("Ends at"), widget=forms.TimeInput(attrs={"type": "time"}))
    reason = forms.CharField(label=_("Reason (sent to families)"), max_length=200, required=False)


class SessionCreateForm(SessionTimeForm):
    subject = forms.CharField(label=_("Subject"), max_length=80, required=False)
    title = forms.CharField(label=_("Title"), max_length=150, required=False)
    teacher = forms.TypedChoiceField(label=_("Teacher"), coerce=int)
    field_order = ["subject", "title", "teacher", "day", "starts_at", "ends_at"]

    def __init__(self, *args: Any, teachers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["teacher"]).choices = teachers
        del self.fields["reason"]


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason (sent to families)"), max_length=200, required=False)


class MaterialFileForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=150, required=False)
    file = forms.FileField(label=_("File"))


class MaterialLinkForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=150, required=False)
    url = forms.CharField(label=_("Link"), max_length=500)


class ChatForm(forms.Form):
    text = forms.CharField(
        label=_("Message"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
        error_messages={
            "max_length": _("A message can be at most %(limit_value)d characters."),
        },
    )
    image = forms.FileField(
        label=_("Picture"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}
        ),
    )

    def __init__(self, *args: Any, images: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not images:
            del self.fields["image"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and not cleaned.get("text", "").strip() and not cleaned.get("image"):
            self.add_error("text", _("Write a message first."))
        return cleaned
