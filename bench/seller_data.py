"""A bench seller with a variant and batches, made through the services.

Shared by bench/label_data.py, bench/log_data.py and bench/record_cpu.py. It
uses only services that are the same before and after the trace log (issue
22), so bench/record_cpu.py can run it against an older commit's code.
Imported after `django.setup()`.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from catalog import services as catalog_services
from catalog.models import Farm, ProductVariant, Seller
from shop.accounts.models import User
from traceability.models import Batch
from traceability.services import batches as services

GTIN = "09506000134352"  # the GS1 example GTIN-14
STARTED = datetime.datetime(2026, 1, 5, 8, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


def owner() -> tuple[User, User]:
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


def find_batch(lot: str) -> Batch | None:
    return (
        Batch.objects.select_related("variant__product", "seller", "farm").filter(lot=lot).first()
    )


def variant(member: User, operator: User) -> ProductVariant:
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


def make_batch(member: User, operator: User, lot: str) -> Batch:
    made = variant(member, operator)
    return services.create_batch(
        actor=member,
        variant=made,
        farm=Farm.objects.get(seller=made.product.seller),
        lot=lot,
        harvest_date=STARTED.date(),
        best_before=STARTED.date() + datetime.timedelta(days=365),
        quantity=Decimal("1000"),
        unit="kg",
    )


def step(number: int) -> dict[str, str]:
    """The biz step of a chain's `number`th event: a commissioning, then inspections."""
    if number == 0:
        return {"biz_step": "commissioning", "disposition": "active"}
    return {"biz_step": "inspecting", "disposition": "conformant"}
