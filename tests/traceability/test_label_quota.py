"""Threat: one seller (or a stolen account) orders label sheets without end and
starves every other seller's sheets, or old sheets pile up on disk. Properties:
each seller has LABEL_JOBS_AT_ONCE unfinished jobs and LABEL_QUOTA_PER_DAY
labels a day, checked under the seller's row lock; a sheet's PDF is deleted
LABEL_SHEET_RETENTION_DAYS after it was made, and the page says so."""

import datetime
import os

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from shop.core.errors import DomainError, NotAllowed
from shop.core.roles import SYSTEM
from tests.helpers.services import require_postgresql, run_at_once
from traceability.models import LabelJob
from traceability.services import labels


def order(actor, batch, copies=10):
    return labels.create_label_job(
        actor=actor, batch=batch, kind="batch", copies=copies, enqueue=False
    )


def test_a_seller_has_a_few_unfinished_sheets_at_once(seller_user, batch, settings):
    settings.LABEL_JOBS_AT_ONCE = 2
    order(seller_user, batch)
    order(seller_user, batch)
    with pytest.raises(DomainError) as refused:
        order(seller_user, batch)
    assert refused.value.code.name == "LABEL_QUOTA_REACHED"
    assert LabelJob.objects.count() == 2
    LabelJob.objects.filter(pk=LabelJob.objects.first().pk).update(status="done")
    order(seller_user, batch)  # one is done: room again


def test_a_seller_orders_at_most_the_days_labels(seller_user, batch, settings):
    settings.LABEL_QUOTA_PER_DAY = 100
    order(seller_user, batch, copies=60)
    with pytest.raises(DomainError) as refused:
        order(seller_user, batch, copies=41)
    assert "40" in str(refused.value.message)  # what is left for today
    order(seller_user, batch, copies=40)
    LabelJob.objects.update(created_at=timezone.now() - datetime.timedelta(days=1, minutes=1))
    order(seller_user, batch, copies=100)  # a day later


@pytest.mark.django_db(transaction=True)
def test_orders_at_once_cannot_pass_the_quota_together(seller_user, batch, settings):
    require_postgresql("the seller's row lock is what keeps the count right")
    settings.LABEL_JOBS_AT_ONCE = 1

    def attempt():
        try:
            return order(seller_user, batch)
        except DomainError:
            return None

    created = [job for job in run_at_once(attempt, 4) if job is not None]
    assert len(created) == 1 == LabelJob.objects.count()


def test_old_sheets_are_deleted_and_the_page_says_so(seller_user, seller, batch, settings):
    def sheet(days_ago):
        job = order(seller_user, batch)
        job.file.save(f"{job.pk}.pdf", ContentFile(b"%PDF-1.4 test"), save=False)
        finished = timezone.now() - datetime.timedelta(days=days_ago)
        LabelJob.objects.filter(pk=job.pk).update(
            status="done", file=job.file.name, finished_at=finished
        )
        job.refresh_from_db()
        return job

    old, recent = sheet(settings.LABEL_SHEET_RETENTION_DAYS + 1), sheet(1)
    old_path = old.file.path
    assert labels.delete_old_sheets(actor=SYSTEM) == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert not old.file and recent.file
    assert not os.path.exists(old_path)
    browser = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(seller_user)
    assert browser.get(f"/labels/{old.pk}/download/").status_code == 404
    assert browser.get(f"/labels/{recent.pk}/download/").status_code == 200
    page = browser.get(f"/shop/{seller.pk}/labels/{old.pk}/")
    assert "The sheet was deleted" in page.content.decode()
    with pytest.raises(NotAllowed):  # the platform's own work
        labels.delete_old_sheets(actor=seller_user)
