from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from logistics.demo import STATION_PASSWORD, OperatorMissing, load_points_demo
from shop.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Load the demo pickup points (a station in each demo village, a township station "
        "and the Luxi county hub), each with a station staff login, and print the logins. "
        "Idempotent. Needs load_demo's operator; refused unless DEBUG is on, since the "
        "logins have published passwords."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Run even though DEBUG is off (a staging server; never production).",
        )

    def handle(self, *args: Any, allow_without_debug: bool, **options: Any) -> None:
        if not settings.DEBUG and not allow_without_debug:
            raise CommandError(
                "load_points_demo creates station logins with a published password, so it "
                "runs only with DEBUG=1 (or --allow-without-debug on a staging server)."
            )
        try:
            demo = load_points_demo()
        except OperatorMissing as exc:
            raise CommandError(f"Run manage.py load_demo first: {exc} is missing.") from exc
        except DomainError as exc:
            raise CommandError(f"Demo points refused: {exc.message} ({exc.field})") from exc
        made = ", ".join(f"{n} {kind}" for kind, n in sorted(demo.created.items()))
        self.stdout.write(f"Demo pickup points ready; created {made or 'nothing, all was there'}.")
        self.stdout.write(self.style.SUCCESS("Demo station logins (demo-only password):"))
        for user, point in demo.staff:
            self.stdout.write(
                f"  station   {user.phone.national_number}  {STATION_PASSWORD}  "
                f"{user.name}, {point.name}"
            )
