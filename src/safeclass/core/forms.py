"""Form helpers shared by every app."""

from __future__ import annotations

from django import forms

from safeclass.core.errors import ServiceError


def apply_service_error(form: forms.Form, error: ServiceError) -> None:
    """Show a service's refusal on the field it concerns, or on the whole form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))
