from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from shop.core.errors import DomainError
from traceability.demo.chains import CatalogueDemoMissing, load_trace_demo


class Command(BaseCommand):
    help = (
        "Load the demo trace chains (purple rice, free-range eggs, green tea) for the "
        "catalogue demo of load_demo, recorded as EPCIS events by the demo sellers, with "
        "unit serials and a signed checkpoint. Idempotent: a chain already recorded is "
        "skipped. Refused unless DEBUG is on, like load_demo, whose data it needs."
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
                "load_trace_demo adds demo records to the demo sellers of load_demo, so it "
                "runs only with DEBUG=1 (or --allow-without-debug on a staging server)."
            )
        try:
            created = load_trace_demo()
        except CatalogueDemoMissing as exc:
            raise CommandError(f"Run manage.py load_demo first: {exc} is missing.") from exc
        except DomainError as exc:
            raise CommandError(f"Demo trace refused: {exc.message} ({exc.field})") from exc
        made = ", ".join(f"{n} {kind}" for kind, n in sorted(created.items()))
        self.stdout.write(f"Demo trace ready; created {made or 'nothing, all was there'}.")
