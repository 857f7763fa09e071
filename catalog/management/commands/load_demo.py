import time
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from catalog.demo import data
from catalog.demo.loader import Demo, load_demo
from catalog.demo.synthetic import add_synthetic_products
from shop.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Load the demo: sellers, farms, categories and about fifteen products with pictures "
        "from Wanglongtan village (Luxi, Jiangxi), Cangxi (Sichuan) and Tongshan (Hubei), a "
        "demo operator and seller logins. Idempotent: what exists is kept, nothing is "
        "duplicated. With --products N it then adds N synthetic products (three variants "
        "each) for benchmarks; every such run adds N more. Refused unless DEBUG is on, since "
        "it creates a superuser with a published password."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--products",
            type=int,
            default=0,
            metavar="N",
            help="Also add N synthetic products for benchmarks (each run adds N more).",
        )
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Run even though DEBUG is off (a staging server; never production).",
        )

    def handle(
        self,
        *args: Any,
        products: int,
        allow_without_debug: bool,
        verbosity: int,
        **options: Any,
    ) -> None:
        if not settings.DEBUG and not allow_without_debug:
            raise CommandError(
                "load_demo creates a superuser with a published password, so it runs only "
                "with DEBUG=1 (or --allow-without-debug on a staging server)."
            )
        if products < 0:
            raise CommandError("--products must be zero or more.")
        try:
            demo = load_demo()
        except DomainError as exc:
            raise CommandError(f"Demo data refused: {exc.message} ({exc.field})") from exc
        made = ", ".join(f"{n} {kind}" for kind, n in sorted(demo.created.items()))
        self.stdout.write(f"Demo data ready; created {made or 'nothing, all was there'}.")
        if products:
            started = time.perf_counter()
            add_synthetic_products(demo.products, products, progress=verbosity > 0)
            seconds = time.perf_counter() - started
            self.stdout.write(
                f"Added {products} synthetic products ({products * 3} variants) in "
                f"{seconds:.1f} s: {products / seconds:,.0f} products/s."
            )
        self._print_logins(demo)

    def _print_logins(self, demo: Demo) -> None:
        """The demo passwords are fixed and public; users who changed theirs keep them."""
        self.stdout.write(self.style.SUCCESS("Demo logins (demo-only passwords):"))
        self.stdout.write(
            f"  operator  {demo.operator.email}  {data.OPERATOR_PASSWORD}  (also /admin/)"
        )
        for member, seller in demo.members:
            self.stdout.write(
                f"  seller    {member.phone.national_number}  "
                f"{data.SELLER_PASSWORD}  {member.name}, {seller.name}"
            )
