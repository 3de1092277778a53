"""``safeclass role-grant``: give a staff account a role at a unit.

For scripted set-ups of a new installation; afterwards people grant roles on
each unit's staff page.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safeclass.accounts import selectors as account_selectors
from safeclass.accounts import services as account_services
from safeclass.core.context import Actor
from safeclass.core.errors import ServiceError
from safeclass.core.roles import Role
from safeclass.orgs import selectors


class Command(BaseCommand):
    help = "Give a staff account a role at a unit (by unit code)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--unit", required=True, help="the unit's code")
        parser.add_argument("--role", required=True, choices=Role.values)

    def handle(self, *args: Any, **options: Any) -> None:
        user = account_selectors.staff_account_by_username(options["username"])
        if user is None:
            raise CommandError(f"No staff account has the username {options['username']!r}.")
        unit = selectors.unit_by_code(options["unit"])
        if unit is None:
            raise CommandError(f"No unit has the code {options['unit']!r}.")
        try:
            account_services.membership_grant(
                actor=Actor.system(), user=user, unit=unit, role=options["role"]
            )
        except ServiceError as error:
            raise CommandError(str(error.message)) from error
        self.stdout.write(f"{user.username} is now {options['role']} at {unit.name}.")
