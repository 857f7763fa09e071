"""Announce the trace log's next signing key, signed by the current one.

    manage.py rotate_trace_key --new-key-file new-key.pem

Then set ``TRACE_SIGNING_KEY`` to the new key and add the verifier key this
prints to ``TRACE_RETIRED_KEYS``: what the old key signed still verifies, and
the signer signs on with the new key only because the old one announced it.
"""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shop.core.roles import SYSTEM
from tlog import note
from traceability import integrity, transparency
from traceability.services import signing


class Command(BaseCommand):
    help = "Announce the trace log's next key in a checkpoint signed by the current key."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--new-key-file",
            required=True,
            type=Path,
            help="The new Ed25519 private key: PEM (PKCS#8) or base64 of the raw 32 bytes.",
        )

    def handle(self, *args: Any, new_key_file: Path, **options: Any) -> None:
        try:
            new_key = integrity.load_private_key(new_key_file.read_text())
        except (OSError, ValueError) as error:
            raise CommandError(f"{new_key_file}: {error}") from None
        successor = note.Ed25519Signer(transparency.origin(), new_key).verifier()
        current = transparency.verifier()
        if successor.key_id == current.key_id:
            raise CommandError("the new key is the current key")
        try:
            announced = signing.announce_key(successor, actor=SYSTEM)
        except signing.Refused as refused:
            raise CommandError(f"not announced: {refused.detail}") from None
        self.stdout.write(
            f"Announced in the checkpoint of size {announced.size}.\n"
            "Now set TRACE_SIGNING_KEY to the new key and add to TRACE_RETIRED_KEYS:\n"
            f"{current.vkey()}\n"
        )
