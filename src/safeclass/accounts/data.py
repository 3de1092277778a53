"""The accounts app's public vocabulary for other apps (enums, no behaviour)."""

from safeclass.accounts.models import (
    AccountKind,
    ConsentCapacity,
    Gender,
    Language,
    Relationship,
    TokenPurpose,
)

__all__ = ["AccountKind", "ConsentCapacity", "Gender", "Language", "Relationship", "TokenPurpose"]
