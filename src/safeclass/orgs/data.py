"""The orgs app's public vocabulary for other apps (enums, no behaviour)."""

from safeclass.orgs.models import SchoolLevel, UnitKind

__all__ = ["SchoolLevel", "UnitKind"]
