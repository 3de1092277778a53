"""Display names (ACC-3): how a student appears everywhere in a class.

The school sets a template; the name comes from the roster (real name and
roster number), never from the student. Templates may only use the fields
below, with Python's format specs ("{roster_no:02d}"); attribute access and
indexing are refused so a template can never reach beyond these values.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

FIELDS = ("roster_no", "full_name", "given_name", "family_name", "class_name")


class TemplateError(ValueError):
    pass


def check_template(template: str) -> None:
    if not template.strip():
        raise TemplateError("empty")
    if len(template) > 80:
        raise TemplateError("too long")
    used: set[str] = set()
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as error:
        raise TemplateError(str(error)) from error
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if field not in FIELDS:
            raise TemplateError(f"unknown field {field!r}")
        if conversion:
            raise TemplateError("conversions are not allowed")
        if spec and ("{" in spec or "}" in spec):
            raise TemplateError("nested fields are not allowed")
        used.add(field)
    if "full_name" not in used and "given_name" not in used:
        raise TemplateError("the name must appear")
    render(template, roster_no=1, full_name="Nguyễn Văn An", class_name="5A")


@dataclass(frozen=True)
class NameParts:
    full_name: str
    given_name: str
    family_name: str


def split_name(full_name: str) -> NameParts:
    words = full_name.split()
    if not words:
        return NameParts("", "", "")
    return NameParts(full_name, words[-1], words[0])


def render(template: str, *, roster_no: int, full_name: str, class_name: str) -> str:
    parts = split_name(full_name)
    try:
        return template.format(
            roster_no=roster_no,
            full_name=parts.full_name,
            given_name=parts.given_name,
            family_name=parts.family_name,
            class_name=class_name,
        )
    except (ValueError, TypeError, KeyError, IndexError) as error:
        raise TemplateError(str(error)) from error
