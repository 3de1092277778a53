"""Organisations: the unit tree, school years and terms.

The tree's depth is data: a ministry, provincial departments, divisions or
commune offices, schools, in whatever shape the administrative reform of the
day gives. ``path`` is a materialised path (``/1/5/9/``) so a subtree is one
indexed prefix query. Only services write ``path`` and ``depth``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    MINISTRY = "ministry", _("Ministry")
    DEPARTMENT = "department", _("Department of Education and Training")
    DIVISION = "division", _("Division of Education and Training")
    COMMUNE = "commune", _("Commune or ward office")
    SCHOOL = "school", _("School")
    OTHER = "other", _("Other unit")


class SchoolLevel(models.TextChoices):
    PRESCHOOL = "preschool", _("Preschool")
    PRIMARY = "primary", _("Primary school")
    LOWER_SECONDARY = "lower_secondary", _("Lower secondary school")
    UPPER_SECONDARY = "upper_secondary", _("Upper secondary school")
    MULTI_LEVEL = "multi_level", _("Multi-level school")
    CONTINUING = "continuing", _("Continuing education centre")


class Unit(models.Model):
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    school_level = models.CharField(
        _("school level"), max_length=20, choices=SchoolLevel.choices, blank=True
    )
    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_("A short unique code, e.g. th-anhduong. Used by import commands."),
    )
    province_code = models.PositiveIntegerField(_("province or city"), null=True, blank=True)
    ward_code = models.PositiveIntegerField(_("commune or ward"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("official phone"), max_length=20, blank=True)
    email = models.EmailField(_("official email"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="school") | models.Q(school_level=""),
                name="orgs_unit_level_only_for_schools",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_school(self) -> bool:
        return self.kind == UnitKind.SCHOOL

    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to and including this unit, read from the path."""
        return [int(part) for part in self.path.strip("/").split("/") if part]


class SchoolYear(models.Model):
    """A school year set by a unit for its whole subtree (usually the department)."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="school_years"
    )
    name = models.CharField(_("name"), max_length=40, help_text=_("e.g. 2026–2027"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("school year")
        verbose_name_plural = _("school years")
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="orgs_schoolyear_unique_name"),
            models.CheckConstraint(
                condition=models.Q(ends_on__gt=models.F("starts_on")),
                name="orgs_schoolyear_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Term(models.Model):
    school_year = models.ForeignKey(
        SchoolYear, verbose_name=_("school year"), on_delete=models.CASCADE, related_name="terms"
    )
    name = models.CharField(_("name"), max_length=40, help_text=_("e.g. Semester I"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    class Meta:
        ordering = ["starts_on"]
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        constraints = [
            models.UniqueConstraint(fields=["school_year", "name"], name="orgs_term_unique_name"),
            models.CheckConstraint(
                condition=models.Q(ends_on__gt=models.F("starts_on")),
                name="orgs_term_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name
