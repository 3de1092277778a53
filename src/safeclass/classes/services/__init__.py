"""Writes about classes: classes and teaching, rosters, rules, display names, slips."""

from safeclass.classes.services.classes import (
    class_create,
    enrollment_add,
    enrollment_leave,
    student_name_correct,
    subject_get_or_create,
    teaching_assign,
    teaching_remove,
)
from safeclass.classes.services.rules import (
    rules_accept,
    rules_additions_save,
    rules_publish,
    rules_template_save,
)
from safeclass.classes.services.settings import display_name_template_set

__all__ = [
    "class_create",
    "display_name_template_set",
    "enrollment_add",
    "enrollment_leave",
    "rules_accept",
    "rules_additions_save",
    "rules_publish",
    "rules_template_save",
    "student_name_correct",
    "subject_get_or_create",
    "teaching_assign",
    "teaching_remove",
]
