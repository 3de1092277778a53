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
