"""A checkout's money, computed in one place: per seller and in total, Decimal CNY.

Shipping is per seller's parcel. To a pickup point it is a flat fee
(`SHIPPING_PICKUP_POINT`); to a home address it is by weight and zone
(`SHIPPING_FEES`: the seller's own province, the rest of the mainland, the
remote provinces), plus `SHIPPING_COLD_CHAIN` when a line needs the cold chain.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings

from catalog.models import ProductVariant
from catalog.validators import DIVISION_CODE_RE

ZERO = Decimal("0.00")
# Province-level codes of the mainland (GB/T 2260); 71, 81 and 82 are outside every zone.
MAINLAND_PROVINCES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
    ]
)


def zone_of(seller_division: str, destination: str) -> str | None:
    """The delivery zone from a seller to a 12-digit division code, or None outside all."""
    province = destination[:2]
    if not DIVISION_CODE_RE.fullmatch(destination) or province not in MAINLAND_PROVINCES:
        return None
    if province == seller_division[:2]:
        return "same_province"
    if province in settings.SHIPPING_REMOTE_PROVINCES:
        return "remote"
    return "mainland"


def parcel_fee(zone: str, grams: int, cold_chain: bool) -> Decimal:
    first, extra = (Decimal(fee) for fee in settings.SHIPPING_FEES[zone])
    extra_kg = max(0, -(-grams // 1000) - 1)
    fee = first + extra * extra_kg
    return fee + (Decimal(settings.SHIPPING_COLD_CHAIN) if cold_chain else ZERO)


@dataclass
class SellerTotals:
    seller_id: int
    seller_division: str
    subtotal: Decimal = ZERO
    grams: int = 0
    cold_chain: bool = False
    shipping: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.shipping


@dataclass
class Totals:
    sellers: list[SellerTotals] = field(default_factory=list)
    # Set when the address is outside every zone: no shipping can be priced.
    outside_zones: bool = False

    @property
    def subtotal(self) -> Decimal:
        return sum((s.subtotal for s in self.sellers), ZERO)

    @property
    def shipping(self) -> Decimal:
        return sum((s.shipping for s in self.sellers), ZERO)

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.shipping

    @property
    def cold_chain(self) -> bool:
        return any(s.cold_chain for s in self.sellers)


def compute(
    lines: Iterable[tuple[ProductVariant, int]],
    *,
    to_pickup_point: bool = False,
    division_code: str = "",
) -> Totals:
    """Totals of `lines` (variant with its seller loaded, quantity). Shipping is
    priced once a delivery is chosen: a pickup point, or an address's division code."""
    by_seller: dict[int, SellerTotals] = {}
    for variant, quantity in lines:
        seller = by_seller.setdefault(
            variant.seller_id, SellerTotals(variant.seller_id, variant.seller.division_code)
        )
        seller.subtotal += variant.price * quantity
        seller.grams += variant.net_weight_grams * quantity
        seller.cold_chain = seller.cold_chain or variant.cold_chain
    totals = Totals(sorted(by_seller.values(), key=lambda s: s.seller_id))
    for seller in totals.sellers:
        if to_pickup_point:
            seller.shipping = Decimal(settings.SHIPPING_PICKUP_POINT)
        elif division_code:
            zone = zone_of(seller.seller_division, division_code)
            if zone is None:
                totals.outside_zones = True
                continue
            seller.shipping = parcel_fee(zone, seller.grams, seller.cold_chain)
    return totals
