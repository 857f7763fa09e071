"""The Django side of bench/labels.py: its data, the label jobs and the chain check.

Imported only after bench/labels.py has set the environment and called
`django.setup()`. The data is made once through the services (a seller, a
variant with a GTIN, a batch with the serials, a batch with a chain of
events) and found again by its lot on later runs.
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass

import qrcode
import qrcode.constants
from common import SetupError
from seller_data import STARTED, find_batch, make_batch, owner, step

from shop.accounts.models import User
from shop.core.roles import SYSTEM
from traceability.models import Batch, LabelJob
from traceability.services import batches as services
from traceability.services import events as trace
from traceability.services import labels as label_jobs
from traceability.services import signing, verification

LABELS_LOT = "BENCH-LABELS"
CHAIN_LOT = "BENCH-CHAIN"
JOB_DEADLINE_SECONDS = 1800
QUEUED_SECONDS = 60


@dataclass
class Data:
    member: User
    labels: Batch
    chain: Batch


def prepare(serials: int, events: int) -> Data:
    """The batches of the bench, made now if an earlier run did not."""
    member, operator = owner()
    labels = find_batch(LABELS_LOT) or make_batch(member, operator, LABELS_LOT)
    missing = serials - labels.serials.count()
    while missing > 0:
        count = min(missing, services.MAX_SERIALS_PER_CALL)
        services.generate_serials(actor=member, batch=labels, count=count)
        missing -= count
    chain = find_batch(CHAIN_LOT) or make_batch(member, operator, CHAIN_LOT)
    recorded = chain.trace_events.count()
    for number in range(recorded, events):
        trace.record_event(
            actor=member, batch=chain, event_type="ObjectEvent", read_point=chain.farm,
            event_time=STARTED + datetime.timedelta(minutes=number), **step(number),
        )  # fmt: skip
    if recorded < events:
        signing.sign_checkpoint(actor=SYSTEM)
    return Data(member, labels, chain)


def job_uris(batch: Batch, count: int) -> list[str]:
    serials = batch.serials.order_by("id").only("serial", "code", "batch_id")[:count]
    uris = []
    for serial in serials:
        serial.batch = batch
        uris.append(serial.digital_link())
    return uris


def raw_matrix_rate(uris: list[str]) -> float:
    """Codes a second the QR library builds, as the labels ask it (level Q, fitted)."""
    started = time.perf_counter()
    for uri in uris:
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, border=0)
        code.add_data(uri)
        code.make(fit=True)
        code.get_matrix()
    return len(uris) / (time.perf_counter() - started)


@dataclass
class JobRun:
    seconds: float
    job: LabelJob
    progress_seen: list[int]

    @property
    def rate(self) -> float:
        return self.job.count / self.seconds


def run_job(data: Data, count: int) -> JobRun:
    """Order a sheet of one label per serial and wait for the workers to finish it."""
    started = time.monotonic()
    job = label_jobs.create_label_job(actor=data.member, batch=data.labels, kind="serials")
    if job.count != count:
        raise SetupError(f"the job has {job.count} labels, not {count}")
    seen: list[int] = []
    jobs = LabelJob.objects.filter(pk=job.pk)
    while True:
        status, progress = jobs.values_list("status", "progress").get()
        if not seen or seen[-1] != progress:
            seen.append(progress)
        if status not in (LabelJob.Status.QUEUED, LabelJob.Status.RUNNING):
            break
        if status == LabelJob.Status.QUEUED and time.monotonic() - started > QUEUED_SECONDS:
            raise SetupError(
                f"label job {job.pk} still queued after {QUEUED_SECONDS} s: did another "
                "process consume or purge the broker's queue?"
            )
        if time.monotonic() - started > JOB_DEADLINE_SECONDS:
            raise SetupError(f"label job {job.pk} still {status} after {JOB_DEADLINE_SECONDS} s")
        time.sleep(0.05)
    seconds = time.monotonic() - started
    job.refresh_from_db()
    if job.status != LabelJob.Status.DONE:
        raise SetupError(f"label job {job.pk} {job.status}: {job.error}")
    return JobRun(seconds, job, seen)


def verify_chain(data: Data, repeats: int) -> tuple[list[float], bool, int]:
    """Milliseconds of each `verify_batch` of the chain batch, whether it held, events."""
    times = []
    ok = False
    for _ in range(repeats):
        started = time.perf_counter()
        result = verification.verify_batch(data.chain)
        times.append((time.perf_counter() - started) * 1000)
        ok = bool(result.verdict.ok)
    return times, ok, data.chain.trace_events.count()
