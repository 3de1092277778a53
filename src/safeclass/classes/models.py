"""Classes, subjects, who teaches them and who is enrolled (with roster numbers).

A class belongs to a school and a school year. ``Teaching`` links a teacher to
a class, for a subject or as the homeroom teacher (at most one per class).
``Enrollment`` gives each student a roster number (số thứ tự), unique among
the class's current students.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SchoolClass(models.Model):
    school = models.ForeignKey(
        "orgs.Unit", verbose_name=_("school"), on_delete=models.PROTECT, related_name="classes"
    )
    school_year = models.ForeignKey(
        "orgs.SchoolYear",
        verbose_name=_("school year"),
        on_delete=models.PROTECT,
        related_name="classes",
    )
    name = models.CharField(_("name"), max_length=20, help_text=_("e.g. 5A"))
    grade = models.PositiveSmallIntegerField(_("grade"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["grade", "name"]
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year", "name"], name="classes_class_unique_name"
            ),
            models.CheckConstraint(
                condition=models.Q(grade__gte=1, grade__lte=12), name="classes_class_grade_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Subject(models.Model):
    school = models.ForeignKey(
        "orgs.Unit", verbose_name=_("school"), on_delete=models.PROTECT, related_name="subjects"
    )
    name = models.CharField(_("name"), max_length=80)

    class Meta:
        ordering = ["name"]
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="classes_subject_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Teaching(models.Model):
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("teacher"),
        on_delete=models.PROTECT,
        related_name="teachings",
    )
    school_class = models.ForeignKey(
        SchoolClass, verbose_name=_("class"), on_delete=models.CASCADE, related_name="teachings"
    )
    subject = models.ForeignKey(
        Subject,
        verbose_name=_("subject"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="teachings",
    )
    is_homeroom = models.BooleanField(_("homeroom teacher"), default=False)

    class Meta:
        verbose_name = _("teaching assignment")
        verbose_name_plural = _("teaching assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["school_class"],
                condition=models.Q(is_homeroom=True),
                name="classes_teaching_one_homeroom",
            ),
            models.UniqueConstraint(
                fields=["teacher", "school_class", "subject"],
                name="classes_teaching_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(is_homeroom=True) | models.Q(subject__isnull=False),
                name="classes_teaching_has_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.teacher} · {self.school_class}"


class Enrollment(models.Model):
    school_class = models.ForeignKey(
        SchoolClass, verbose_name=_("class"), on_delete=models.CASCADE, related_name="enrollments"
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("student"),
        on_delete=models.PROTECT,
        related_name="enrollments",
    )
    roster_no = models.PositiveSmallIntegerField(_("roster number"))
    joined_at = models.DateTimeField(auto_now_add=True)
    left_at = models.DateTimeField(_("left"), null=True, blank=True)

    class Meta:
        ordering = ["roster_no"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(
                fields=["school_class", "roster_no"],
                condition=models.Q(left_at__isnull=True),
                name="classes_enrollment_unique_roster_no",
            ),
            models.UniqueConstraint(
                fields=["school_class", "student"], name="classes_enrollment_unique_student"
            ),
            models.CheckConstraint(
                condition=models.Q(roster_no__gte=1), name="classes_enrollment_roster_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.roster_no:02d} - {self.student}"


DEFAULT_DISPLAY_NAME_TEMPLATE = "{roster_no:02d} - {full_name}"


class SchoolSettings(models.Model):
    """Per-school class settings. Created with the defaults on first use."""

    school = models.OneToOneField(
        "orgs.Unit", on_delete=models.CASCADE, related_name="class_settings"
    )
    display_name_template = models.CharField(
        _("display name template"),
        max_length=80,
        default=DEFAULT_DISPLAY_NAME_TEMPLATE,
        help_text=_(
            "How students appear in classes. Fields: {roster_no}, {roster_no:02d}, "
            "{full_name}, {given_name}, {family_name}, {class_name}."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("school class settings")

    def __str__(self) -> str:
        return f"settings of {self.school_id}"


RULES_SECTION_LABELS = {
    "time": _("Time"),
    "place": _("Place"),
    "dress": _("Dress"),
    "conduct": _("Conduct"),
    "prohibited": _("What learners must not do"),
    "sharing": _("Accounts and class details"),
}


class RulesTemplate(models.Model):
    """The school's class rules (CLS-4), the base of every class's rules."""

    school = models.OneToOneField(
        "orgs.Unit", on_delete=models.CASCADE, related_name="rules_template"
    )
    time = models.TextField(_("Time"))
    place = models.TextField(_("Place"))
    dress = models.TextField(_("Dress"))
    conduct = models.TextField(_("Conduct"))
    prohibited = models.TextField(_("What learners must not do"))
    sharing = models.TextField(_("Accounts and class details"))
    updated_at = models.DateTimeField(auto_now=True)

    SECTIONS = ("time", "place", "dress", "conduct", "prohibited", "sharing")

    def __str__(self) -> str:
        return f"rules of {self.school_id}"


class ClassRules(models.Model):
    school_class = models.OneToOneField(
        SchoolClass, on_delete=models.CASCADE, related_name="rules_additions"
    )
    additions = models.TextField(_("Rules for this class"), blank=True)

    def __str__(self) -> str:
        return f"additions of {self.school_class_id}"


class RulesVersion(models.Model):
    """A published version of a class's rules; people accept a version."""

    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="rules_versions"
    )
    number = models.PositiveIntegerField()
    # [{"key": "time", "text": "..."}, ...]: a frozen copy, so what someone
    # accepted can always be shown exactly as they saw it.
    sections = models.JSONField()
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["school_class", "number"], name="classes_rulesversion_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"rules v{self.number} of {self.school_class_id}"


class AcceptanceCapacity(models.TextChoices):
    STUDENT = "student", _("as the student")
    PARENT = "parent", _("as a parent")


class RulesAcceptance(models.Model):
    version = models.ForeignKey(RulesVersion, on_delete=models.PROTECT, related_name="acceptances")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rules_acceptances"
    )
    # The student the acceptance is about (the user themself, or their child).
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    capacity = models.CharField(max_length=10, choices=AcceptanceCapacity.choices)
    accepted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["version", "user", "student"], name="classes_rulesacceptance_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} accepted {self.version_id}"


class ImportStatus(models.TextChoices):
    PREVIEW = "preview", _("Checked, not imported")
    IMPORTED = "imported", _("Imported")


class RosterImport(models.Model):
    """An uploaded roster file, kept so the import applies exactly what was previewed."""

    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="roster_imports"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.PREVIEW
    )
    created_at = models.DateTimeField(auto_now_add=True)
    imported_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} → {self.school_class_id}"
