"""The accounts app's public vocabulary for other apps (enums, no behaviour)."""

from safeclass.accounts.models import (
    AccountKind,
    ConsentCapacity,
    Language,
    Relationship,
    TokenPurpose,
)

__all__ = ["AccountKind", "ConsentCapacity", "Language", "Relationship", "TokenPurpose"]
