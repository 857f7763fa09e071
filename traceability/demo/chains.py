"""Demo trace chains for the catalogue demo (`manage.py load_demo` first), recorded
through the real services by the demo sellers' own members at their own farms.

How each step maps onto EPCIS 2.0 and the CBV (there is no CBV step for a
harvest, drying, fixing or rolling):

- **Wugong Mountain purple rice** (the cooperative; its 2.5 kg bag has a GTIN,
  so its QR codes are GS1 Digital Links `/01/…/10/…`, and each of its 200
  serials `/01/…/10/…/21/…`). The paddy is a lot of its own, of an unpublished
  raw-material product, because milling ends it and starts another:
  paddy harvested = ObjectEvent ADD `commissioning` / `active`; dried on the
  threshing floor, then stored in the granary = ObjectEvent `storing` /
  `sellable_not_accessible` with the granary's temperature and humidity (drying
  changes neither identity nor quantity of the lot); milled =
  TransformationEvent paddy → milled rice, `commissioning` / `active` (the
  output lot comes into existence); packed = `packing` / `in_progress`;
  shipped = `shipping` / `in_transit`.
- **Free-range eggs** (Liu Dongsheng's household; the 30-egg box has no GTIN,
  so its QR code is the short link `/t/{code}`): collected = `commissioning` /
  `active` with the henhouse's readings; graded (candled, sorted by weight) =
  `inspecting` / `conformant`; packed into cases = AggregationEvent ADD
  `packing` / `in_progress`; shipped chilled = `shipping` / `in_transit` at 4 °C.
- **Wugong Mountain cloud-mist green tea** (the cooperative, GTIN): the fresh
  leaf is its own lot, as the paddy is. Picked = `commissioning` / `active`;
  fixed (杀青, the step after which it is no longer fresh leaf) =
  TransformationEvent fresh leaf → made tea, `commissioning` / `in_progress`;
  rolled (揉捻) = ObjectEvent `other` / `in_progress` (CBV has no such step);
  dried (烘干) = ObjectEvent `sensor_reporting` / `in_progress`, the event that
  reports the dryer's air temperature and humidity; packed into tins =
  `packing` / `in_progress`.

Then about 300 scans over the last month (`traceability.demo.scans`) of the
sold lots shipped before it (the eggs, shipped on 2026-11-19, join once that
is a month ago), two of the rice serials among them flagged, and a signed
checkpoint, so the demo verifies.

Idempotent: a chain whose first lot exists is skipped whole, and each chain is
recorded in one transaction, so a second run adds nothing and a failed one
leaves no half chain. Times carry the +08:00 offset of the farms.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from catalog import services as catalog_services
from catalog.demo import data
from catalog.models import Category, Farm, Product, ProductVariant, Seller
from gs1.vocabulary import BizStep, Disposition, EventType
from shop.accounts.models import User
from shop.core.roles import SYSTEM
from traceability.demo.scans import DAYS, demo_scans
from traceability.models import Batch, LogCheckpoint, Scan
from traceability.services import batches as services
from traceability.services import events as trace
from traceability.services import signing
from traceability.services.events import Reading

BEIJING = datetime.timezone(datetime.timedelta(hours=8))
UNIT_SERIALS = 200
DEMO_SCANS = 300


class CatalogueDemoMissing(Exception):
    """The trace demo needs the catalogue demo's sellers, farms and products."""


def at(day: str, clock: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=BEIJING)


@dataclass(frozen=True)
class RawProduct:
    """An unpublished product for a lot that processing ends (paddy, fresh leaf)."""

    name: str
    name_en: str
    category: str  # a demo category's English name
    sku: str
    variant: str
    price: str


@dataclass(frozen=True)
class Lot:
    key: str
    sku: str
    lot: str
    harvested: str
    quantity: str
    unit: str
    best_before: str | None = None
    notes: str = ""
    raw: bool = False  # a lot of raw material, which processing ends (not scanned by buyers)


@dataclass(frozen=True)
class Step:
    """One event: on `lot`, or transforming `inputs` into `outputs` (keys of Lot)."""

    time: datetime.datetime
    biz_step: str
    disposition: str
    lot: str | None = None
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    event_type: str = EventType.OBJECT
    quantity: str | None = None
    sensors: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Chain:
    seller: data.SellerRecord
    farm: str
    lots: tuple[Lot, ...]
    steps: tuple[Step, ...]
    raw: tuple[RawProduct, ...] = ()
    serials: str | None = None  # the lot whose units get UNIT_SERIALS serials
    label: str = ""


RICE = Chain(
    label="Wugong Mountain purple rice",
    seller=data.WANGLONGTAN_COOPERATIVE,
    farm="王龙潭紫米梯田",
    raw=(
        RawProduct(
            "武功山紫米稻谷（原粮）",
            "Wugong Mountain purple paddy (unmilled)",
            "Rice",
            "ZM-PADDY",
            "散装稻谷，每公斤 / bulk paddy, per kg",
            "6.00",
        ),
    ),
    lots=(
        Lot(
            "paddy",
            "ZM-PADDY",
            "ZM26-PADDY-01",
            "2026-10-08",
            "780",
            "kg",
            notes="一季稻，手工收割",
            raw=True,
        ),
        Lot(
            "rice",
            "ZM-2.5KG",
            "ZM26-1020",
            "2026-10-20",
            "500",
            "kg",
            best_before="2027-10-20",
            notes="由稻谷批次 ZM26-PADDY-01 碾制，出米率64%",
        ),
    ),
    steps=(
        Step(
            at("2026-10-08", "09:30"),
            BizStep.COMMISSIONING,
            Disposition.ACTIVE,
            lot="paddy",
            sensors=(("temperature", "22.5"), ("relative_humidity", "71")),
        ),
        Step(
            at("2026-10-15", "17:00"),
            BizStep.STORING,
            Disposition.SELLABLE_NOT_ACCESSIBLE,
            lot="paddy",
            sensors=(("temperature", "18.0"), ("relative_humidity", "58")),
        ),
        Step(
            at("2026-10-20", "08:30"),
            BizStep.COMMISSIONING,
            Disposition.ACTIVE,
            event_type=EventType.TRANSFORMATION,
            inputs=("paddy",),
            outputs=("rice",),
            quantity="500",
        ),
        Step(at("2026-10-21", "10:00"), BizStep.PACKING, Disposition.IN_PROGRESS, lot="rice"),
        Step(
            at("2026-10-23", "09:00"),
            BizStep.SHIPPING,
            Disposition.IN_TRANSIT,
            lot="rice",
            sensors=(("temperature", "16.0"), ("relative_humidity", "55")),
        ),
    ),
    serials="rice",
)

EGGS = Chain(
    label="Wanglongtan free-range eggs",
    seller=data.LIU_HOUSEHOLD,
    farm="刘家后山林下鸡场",
    lots=(
        Lot(
            "eggs",
            "LDS-DAN-30",
            "DAN-261118",
            "2026-11-18",
            "60",
            "box",
            best_before="2026-12-18",
            notes="当天捡拾，照蛋分级",
        ),
    ),
    steps=(
        Step(
            at("2026-11-18", "07:30"),
            BizStep.COMMISSIONING,
            Disposition.ACTIVE,
            lot="eggs",
            sensors=(("temperature", "9.5"), ("relative_humidity", "82")),
        ),
        Step(at("2026-11-18", "10:30"), BizStep.INSPECTING, Disposition.CONFORMANT, lot="eggs"),
        Step(
            at("2026-11-18", "14:00"),
            BizStep.PACKING,
            Disposition.IN_PROGRESS,
            lot="eggs",
            event_type=EventType.AGGREGATION,
        ),
        Step(
            at("2026-11-19", "08:00"),
            BizStep.SHIPPING,
            Disposition.IN_TRANSIT,
            lot="eggs",
            sensors=(("temperature", "4.0"),),
        ),
    ),
)

TEA = Chain(
    label="Wugong Mountain cloud-mist green tea",
    seller=data.WANGLONGTAN_COOPERATIVE,
    farm="武功山高山茶园",
    raw=(
        RawProduct(
            "武功山茶园鲜叶",
            "Wugong Mountain fresh tea leaf",
            "Green tea",
            "CHA-XIANYE",
            "鲜叶，每公斤 / fresh leaf, per kg",
            "80.00",
        ),
    ),
    lots=(
        Lot(
            "leaf",
            "CHA-XIANYE",
            "XY26-0402",
            "2026-04-02",
            "60",
            "kg",
            notes="一芽一叶，手工采摘",
            raw=True,
        ),
        Lot(
            "tea",
            "CHA-LV-125",
            "LV26-0402",
            "2026-04-02",
            "12",
            "kg",
            best_before="2027-09-24",
            notes="由鲜叶批次 XY26-0402 炒制，96罐",
        ),
    ),
    steps=(
        Step(
            at("2026-04-02", "06:40"),
            BizStep.COMMISSIONING,
            Disposition.ACTIVE,
            lot="leaf",
            sensors=(("temperature", "12.5"), ("relative_humidity", "88")),
        ),
        Step(
            at("2026-04-02", "13:00"),
            BizStep.COMMISSIONING,
            Disposition.IN_PROGRESS,
            event_type=EventType.TRANSFORMATION,
            inputs=("leaf",),
            outputs=("tea",),
            quantity="12",
        ),
        Step(at("2026-04-02", "14:30"), BizStep.OTHER, Disposition.IN_PROGRESS, lot="tea"),
        Step(
            at("2026-04-02", "17:00"),
            BizStep.SENSOR_REPORTING,
            Disposition.IN_PROGRESS,
            lot="tea",
            sensors=(("temperature", "75"), ("relative_humidity", "18")),
        ),
        Step(at("2026-04-03", "10:00"), BizStep.PACKING, Disposition.IN_PROGRESS, lot="tea"),
    ),
)

CHAINS = (RICE, EGGS, TEA)


def load_trace_demo() -> Counter:
    """Record every demo chain not recorded yet, a few hundred scans of its lots
    (once), then a checkpoint covering the newest event; return counts of what was new."""
    created: Counter = Counter()
    for chain in CHAINS:
        _record_chain(chain, created)
    batches = scannable(demo_batches())
    if batches and not Scan.objects.filter(batch__in=batches).exists():
        created["scans"] += demo_scans(batches, count=DEMO_SCANS, rng=random.Random(2026))
    before = LogCheckpoint.objects.count()
    signing.sign_checkpoint(actor=SYSTEM)
    created["checkpoints"] += LogCheckpoint.objects.count() - before
    return +created


def demo_batches() -> list[Batch]:
    """The demo's lots that buyers scan (not the raw material's), in chain order."""
    lots = [lot.lot for chain in CHAINS for lot in chain.lots if not lot.raw]
    found = {
        b.lot: b for b in Batch.objects.filter(lot__in=lots).select_related("variant", "seller")
    }
    return [found[lot] for lot in lots if lot in found]


def scannable(batches: list[Batch]) -> list[Batch]:
    """Those shipped before the scans' window (demo_scans.DAYS back), so that no
    scan predates the goods' last step."""
    window = timezone.now() - datetime.timedelta(days=DAYS)
    last = dict(
        Batch.objects.filter(pk__in=[b.pk for b in batches])
        .annotate(last=Max("trace_events__event_time"))
        .values_list("pk", "last")
    )
    return [b for b in batches if last[b.pk] is not None and last[b.pk] < window]


def _member_and_seller(record: data.SellerRecord) -> tuple[User, Seller]:
    member = User.objects.filter(phone=record["member"]["phone"]).first()
    seller = member.sellers.filter(name=record["seller"]["name"]).first() if member else None
    if member is None or seller is None:
        raise CatalogueDemoMissing(record["seller"]["name"])
    return member, seller


def _record_chain(chain: Chain, created: Counter) -> None:
    member, seller = _member_and_seller(chain.seller)
    if Batch.objects.filter(seller=seller, lot=chain.lots[0].lot).exists():
        return
    farm = Farm.objects.filter(seller=seller, name=chain.farm).first()
    if farm is None:
        raise CatalogueDemoMissing(chain.farm)
    with transaction.atomic():
        for raw in chain.raw:
            _raw_product(member, seller, farm, raw, created)
        batches = {lot.key: _batch(member, seller, farm, lot) for lot in chain.lots}
        created["batches"] += len(batches)
        for step in chain.steps:
            trace.record_event(
                actor=member,
                event_type=step.event_type,
                biz_step=step.biz_step,
                disposition=step.disposition,
                event_time=step.time,
                batch=batches[step.lot] if step.lot else None,
                inputs=[batches[key] for key in step.inputs],
                outputs=[batches[key] for key in step.outputs],
                read_point=farm,
                quantity=step.quantity,
                sensors=[Reading(kind, Decimal(value)) for kind, value in step.sensors],
            )
            created["events"] += 1
        if chain.serials:
            created["serials"] += services.generate_serials(
                actor=member, batch=batches[chain.serials], count=UNIT_SERIALS
            )


def _raw_product(
    member: User, seller: Seller, farm: Farm, raw: RawProduct, created: Counter
) -> None:
    if ProductVariant.objects.filter(seller=seller, sku=raw.sku).exists():
        return
    product = Product.objects.filter(seller=seller, name=raw.name).first()
    if product is None:
        product = catalog_services.create_product(
            actor=member,
            seller=seller,
            category=Category.objects.get(slug=slugify(raw.category, allow_unicode=True)),
            farm=farm,
            name=raw.name,
            name_en=raw.name_en,
            description="加工前的原料批次，不单独出售。",
            is_published=False,
        )
        created["products"] += 1
    catalog_services.create_variant(
        actor=member,
        product=product,
        sku=raw.sku,
        name=raw.variant,
        price=raw.price,
        net_weight_grams=1000,
    )


def _batch(member: User, seller: Seller, farm: Farm, lot: Lot) -> Batch:
    variant = ProductVariant.objects.filter(seller=seller, sku=lot.sku).first()
    if variant is None:
        raise CatalogueDemoMissing(lot.sku)
    return services.create_batch(
        actor=member,
        variant=variant,
        farm=farm,
        lot=lot.lot,
        harvest_date=datetime.date.fromisoformat(lot.harvested),
        best_before=datetime.date.fromisoformat(lot.best_before) if lot.best_before else None,
        quantity=Decimal(lot.quantity),
        unit=lot.unit,
        notes=lot.notes,
    )
