"""The system actor in traceability: what the tasks do (draw label sheets, sign
checkpoints, insert scans and flag serials) only the system may do, through
the same services, and the system records nothing on a seller's batches."""

import pytest
from django.contrib.auth.models import AnonymousUser

from shop.core.errors import NotAllowed, RequestErrorCode
from shop.core.roles import SYSTEM
from tests.helpers.batches import batch_fields, snapshot
from tests.helpers.events import harvest
from tests.helpers.users import ROLES
from traceability.models import BatchVerdict, LabelJob, LogCheckpoint, SerialFlag
from traceability.policies import (
    can_manage_batches,
    can_record_scans,
    can_render_labels,
    can_sign_checkpoints,
)
from traceability.services import audit, labels, scans, signing, witnesses
from traceability.services import batches as services

SYSTEM_WORK = {
    "render_steps": lambda actor, job: labels.render_steps(str(job.pk), actor=actor),
    "run_label_job": lambda actor, job: labels.run_label_job(str(job.pk), actor=actor),
    "help_render": lambda actor, job: labels.help_render(str(job.pk), "run", actor=actor),
    "sign_checkpoint": lambda actor, job: signing.sign_checkpoint(actor=actor),
    "ask_witnesses": lambda actor, job: witnesses.ask_all(actor=actor),
    "audit": lambda actor, job: audit.audit(actor=actor),
    "flush_scans": lambda actor, job: scans.flush_scans(actor=actor),
    "flag_serials": lambda actor, job: scans.flag_serials(
        set(job.batch.serials.values_list("pk", flat=True)), actor=actor
    ),
}


@pytest.fixture
def job(seller_user, batch):
    """A label job ordered by the batch's seller and not rendered yet, on a batch
    with a recorded harvest and serials."""
    harvest(seller_user, batch)
    services.generate_serials(actor=seller_user, batch=batch, count=3)
    return labels.create_label_job(
        actor=seller_user, batch=batch, kind="batch", copies=2, enqueue=False
    )


def _state():
    return [
        list(LabelJob.objects.values("status", "progress")),
        LogCheckpoint.objects.count(),
        BatchVerdict.objects.count(),
        SerialFlag.objects.count(),
    ]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("work", sorted(SYSTEM_WORK))
def test_no_person_does_the_work_of_the_tasks(work, role, users_by_role, job):
    actor = users_by_role[role] or AnonymousUser()
    before = _state()
    with pytest.raises(NotAllowed) as refused:
        SYSTEM_WORK[work](actor, job)
    expected = (
        RequestErrorCode.UNAUTHENTICATED
        if role == "anonymous"
        else RequestErrorCode.PERMISSION_DENIED
    )
    assert refused.value.code == expected
    assert _state() == before


def test_the_system_does_the_work_of_the_tasks(job):
    assert can_render_labels(SYSTEM) and can_sign_checkpoints(SYSTEM) and can_record_scans(SYSTEM)
    assert list(SYSTEM_WORK["render_steps"](SYSTEM, job)) == [2]
    job.refresh_from_db()
    assert job.status == LabelJob.Status.DONE
    assert SYSTEM_WORK["sign_checkpoint"](SYSTEM, job) == LogCheckpoint.objects.get()
    for work in ("run_label_job", "help_render", "sign_checkpoint", "flush_scans"):
        SYSTEM_WORK[work](SYSTEM, job)  # nothing left to do, and allowed
    assert SYSTEM_WORK["ask_witnesses"](SYSTEM, job) == 0  # none configured
    assert SYSTEM_WORK["audit"](SYSTEM, job) == 0  # nothing changed
    assert BatchVerdict.objects.get().ok
    assert SYSTEM_WORK["flag_serials"](SYSTEM, job) == []  # none scanned yet
    assert LogCheckpoint.objects.count() == 1


def test_the_system_records_nothing_on_a_sellers_batches(seller, variant, farm, batch):
    assert not can_manage_batches(SYSTEM, seller)
    before = snapshot()
    writes = [
        lambda: services.create_batch(
            actor=SYSTEM, variant=variant, farm=farm, **batch_fields(lot="SYS-1")
        ),
        lambda: services.generate_serials(actor=SYSTEM, batch=batch, count=1),
        lambda: labels.create_label_job(actor=SYSTEM, batch=batch, kind="batch", copies=1),
        lambda: harvest(SYSTEM, batch),
    ]
    for write in writes:
        with pytest.raises(NotAllowed) as refused:
            write()
        assert refused.value.code == RequestErrorCode.PERMISSION_DENIED
    assert snapshot() == before
    assert not LabelJob.objects.exists()
