"""``safeclass unit-create``: the first units of a new installation.

The web pages create units *below* a unit the person manages; the top of the
tree (the ministry, or a department installing its own SafeClass) comes from
here, run by the platform's operator.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safeclass.core.context import Actor
from safeclass.core.errors import ServiceError
from safeclass.orgs import selectors, services
from safeclass.orgs.data import SchoolLevel, UnitKind


class Command(BaseCommand):
    help = "Create a unit (at the top of the tree, or under --parent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--code", required=True, help="short unique code, e.g. sgd-hue")
        parser.add_argument("--name", required=True)
        parser.add_argument("--kind", required=True, choices=UnitKind.values)
        parser.add_argument("--parent", help="code of the parent unit; omit for a top unit")
        parser.add_argument("--school-level", default="", choices=["", *SchoolLevel.values])
        parser.add_argument("--province", type=int, help="province code (vietnam-provinces)")
        parser.add_argument("--ward", type=int, help="commune or ward code (vietnam-provinces)")

    def handle(self, *args: Any, **options: Any) -> None:
        parent = None
        if options["parent"]:
            parent = selectors.unit_by_code(options["parent"])
            if parent is None:
                raise CommandError(f"No unit has the code {options['parent']!r}.")
        try:
            unit = services.unit_create(
                actor=Actor.system(),
                parent=parent,
                kind=options["kind"],
                name=options["name"],
                code=options["code"],
                school_level=options["school_level"],
                province_code=options["province"],
                ward_code=options["ward"],
            )
        except ServiceError as error:
            raise CommandError(str(error.message)) from error
        self.stdout.write(f"Created {unit.name} ({unit.code}), id {unit.pk}, path {unit.path}")
