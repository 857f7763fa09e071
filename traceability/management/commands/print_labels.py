"""Render a label sheet from the shell, with a progress bar.

    manage.py print_labels --batch CODE --copies N [--output labels.pdf] [--user PHONE|EMAIL]
    manage.py print_labels --batch CODE --serials [--output labels.pdf]

It goes through `label_jobs.create_label_job` as the API does, acting as the
user named by --user (a member of the batch's seller or an operator), or by
default as the first active operator. The job is then rendered here, as the
system, by the same `render_steps` the Celery task runs, so the bar follows
the pages as they are drawn; the finished job is downloadable as any other.
--output also copies the PDF to a file.
"""

import shutil
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from tqdm import tqdm

from shop.accounts.models import User
from shop.core.errors import DomainError, NotAllowed
from shop.core.roles import SYSTEM
from traceability.models import Batch, LabelJob
from traceability.services import labels as label_jobs


class Command(BaseCommand):
    help = "Render a PDF of label sheets for a batch (copies of its label, or one per serial)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--batch", required=True, help="The batch's short code.")
        what = parser.add_mutually_exclusive_group(required=True)
        what.add_argument("--copies", type=int, help="How many copies of the batch's label.")
        what.add_argument("--serials", action="store_true", help="One label per serial.")
        parser.add_argument("--output", type=Path, help="Also write the PDF to this file.")
        parser.add_argument(
            "--user", help="Phone or e-mail of the acting user (default: the first operator)."
        )

    def handle(
        self,
        *args: Any,
        batch: str,
        copies: int | None,
        serials: bool,
        output: Path | None,
        user: str | None,
        **options: Any,
    ) -> None:
        actor = self._actor(user)
        found = Batch.objects.filter(code=batch.strip().upper()).first()
        if found is None:
            raise CommandError(f"No batch has the code {batch!r}.")
        kind = LabelJob.Kind.SERIALS if serials else LabelJob.Kind.BATCH
        try:
            job = label_jobs.create_label_job(
                actor=actor, batch=found, kind=kind, copies=copies, enqueue=False
            )
        except (DomainError, NotAllowed) as error:
            raise CommandError(str(error)) from error
        # tqdm redraws its line with carriage returns: give it the raw stream.
        with tqdm(total=job.count, unit="label", file=self.stderr._out) as bar:
            for drawn in label_jobs.render_steps(str(job.pk), actor=SYSTEM):
                bar.update(drawn - bar.n)
        job.refresh_from_db()
        if job.status != LabelJob.Status.DONE:
            raise CommandError(f"Label job {job.pk} failed: {job.error}")
        if output:
            with job.file.open("rb") as source, output.open("wb") as target:
                shutil.copyfileobj(source, target)
        self.stdout.write(f"Label job {job.pk}: {job.count} labels in {job.file.name}")

    def _actor(self, identifier: str | None) -> User:
        users = User.objects.filter(is_active=True)
        if identifier:
            found = users.filter(Q(phone=identifier) | Q(email__iexact=identifier)).first()
        else:
            found = users.filter(is_staff=True).order_by("pk").first()
        if found is None:
            raise CommandError(f"No active user {identifier!r}." if identifier else "No operator.")
        return found
