"""Forms check the shape of input; services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from safeclass.accounts.models import Language


class LoginForm(forms.Form):
    identifier = forms.CharField(
        label=_("Username, email or phone number"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class NewPasswordMixin(forms.Form):
    new_password = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "At least 10 characters. Not your name, your date of birth or a common password. "
            "A short sentence you can remember works well."
        ),
    )
    new_password_again = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("new_password"), cleaned.get("new_password_again")
        if first and second and first != second:
            self.add_error("new_password_again", _("The two passwords are not the same."))
        return cleaned


class ActivationForm(NewPasswordMixin):
    identifier = forms.CharField(
        label=_("Username, email or phone number"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    code = forms.CharField(
        label=_("Activation code"),
        max_length=40,
        help_text=_("The code on the paper or message from your school, e.g. ABCD-EFGH-JKMN."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
    )

    field_order = ["identifier", "code", "new_password", "new_password_again"]


class PasswordChangeForm(NewPasswordMixin):
    current_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    field_order = ["current_password", "new_password", "new_password_again"]


class PasswordResetRequestForm(forms.Form):
    identifier = forms.CharField(
        label=_("Username, email or phone number"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )


class PasswordResetForm(NewPasswordMixin):
    pass


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "spellcheck": "false",
            }
        ),
    )


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class ProfileForm(forms.Form):
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(
        label=_("Phone number"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    current_password = forms.CharField(
        label=_("Current password"),
        required=False,
        strip=False,
        help_text=_("Needed only when you change your email or phone number."),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


def password_help_items() -> list[str]:
    return [str(item) for item in password_validation.password_validators_help_texts()]


class RelationshipField(forms.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        from safeclass.accounts.models import Relationship

        super().__init__(
            label=_("You are the child's"), choices=Relationship.choices, initial="other", **kwargs
        )


class ParentLinkForm(forms.Form):
    code = forms.CharField(
        label=_("Parent link code"),
        max_length=40,
        help_text=_("On your child's SafeClass slip, in the part for parents."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    relationship = RelationshipField()


class ParentRegisterForm(NewPasswordMixin):
    full_name = forms.CharField(label=_("Your full name"), max_length=150)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(
        label=_("Phone number"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    relationship = RelationshipField()
    field_order = [
        "full_name",
        "email",
        "phone",
        "relationship",
        "new_password",
        "new_password_again",
    ]


class InvitationAcceptForm(forms.Form):
    relationship = RelationshipField()
