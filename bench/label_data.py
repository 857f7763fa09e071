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
from decimal import Decimal

import qrcode
import qrcode.constants
from common import SetupError

from catalog import services as catalog_services
from catalog.models import Farm, ProductVariant, Seller
from shop.accounts.models import User
from shop.core.roles import SYSTEM
from traceability.models import Batch, LabelJob
from traceability.services import batches as services
from traceability.services import events as trace
from traceability.services import labels as label_jobs
from traceability.services import log, verification

GTIN = "09506000134352"  # the GS1 example GTIN-14
LABELS_LOT = "BENCH-LABELS"
CHAIN_LOT = "BENCH-CHAIN"
STARTED = datetime.datetime(2026, 1, 5, 8, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
JOB_DEADLINE_SECONDS = 1800
QUEUED_SECONDS = 60


def _owner() -> tuple[User, User]:
    """(seller member, operator), made on the first run."""
    operator = User.objects.filter(email="bench-operator@example.cn").first()
    if operator is None:
        operator = User.objects.create_user(
            email="bench-operator@example.cn", name="运营", is_staff=True, password=None
        )
    member = User.objects.filter(phone="13900000001").first()
    if member is None:
        member = User.objects.create_user(phone="13900000001", name="卖家", password=None)
    return member, operator


def _batch(lot: str) -> Batch | None:
    return (
        Batch.objects.select_related("variant__product", "seller", "farm").filter(lot=lot).first()
    )


def _variant(member: User, operator: User) -> ProductVariant:
    """The bench seller's variant, with a GTIN so the labels carry Digital Links."""
    seller = Seller.objects.filter(members=member).first()
    if seller is not None:
        return ProductVariant.objects.get(product__seller=seller, gtin=GTIN)
    seller = catalog_services.create_seller(
        actor=member, name="武功山紫米合作社", name_en="Wugong Mountain Purple Rice Cooperative",
        kind="cooperative", province="江西省", city="萍乡市", county="芦溪县",
        township="万龙山乡", village="王龙潭村", division_code="360323203201",
    )  # fmt: skip
    seller = catalog_services.verify_seller(actor=operator, seller=seller)
    catalog_services.create_farm(
        actor=member, seller=seller, name="龙潭田", village="王龙潭村", latitude="27.45",
        longitude="114.18", area_mu="30", produce="紫米",
    )  # fmt: skip
    category = catalog_services.create_category(actor=operator, name="大米", name_en="Rice")
    product = catalog_services.create_product(
        actor=member, seller=seller, category=category, name="武功山紫米",
        name_en="Wugong purple rice", is_published=True,
    )  # fmt: skip
    return catalog_services.create_variant(
        actor=member, product=product, sku="ZM-5KG", name="5 kg bag",
        net_weight_grams=5000, price="39.90", gtin=GTIN,
    )  # fmt: skip


def _make_batch(member: User, operator: User, lot: str) -> Batch:
    variant = _variant(member, operator)
    return services.create_batch(
        actor=member,
        variant=variant,
        farm=Farm.objects.get(seller=variant.product.seller),
        lot=lot,
        harvest_date=STARTED.date(),
        best_before=STARTED.date() + datetime.timedelta(days=365),
        quantity=Decimal("1000"),
        unit="kg",
    )


@dataclass
class Data:
    member: User
    labels: Batch
    chain: Batch


def prepare(serials: int, events: int) -> Data:
    """The batches of the bench, made now if an earlier run did not."""
    member, operator = _owner()
    labels = _batch(LABELS_LOT) or _make_batch(member, operator, LABELS_LOT)
    missing = serials - labels.serials.count()
    while missing > 0:
        step = min(missing, services.MAX_SERIALS_PER_CALL)
        services.generate_serials(actor=member, batch=labels, count=step)
        missing -= step
    chain = _batch(CHAIN_LOT) or _make_batch(member, operator, CHAIN_LOT)
    recorded = chain.trace_events.count()
    for number in range(recorded, events):
        fields = {"biz_step": "inspecting", "disposition": "conformant"}
        if number == 0:
            fields = {"biz_step": "commissioning", "disposition": "active"}
        trace.record_event(
            actor=member, batch=chain, event_type="ObjectEvent", read_point=chain.farm,
            event_time=STARTED + datetime.timedelta(minutes=number), **fields,
        )  # fmt: skip
    if recorded < events:
        log.sign_checkpoint(actor=SYSTEM)
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
