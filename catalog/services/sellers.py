"""Sellers: registration, verification by an operator, corrections by their members."""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog import cache
from catalog.errors import CatalogErrorCode as Code
from catalog.models import Seller
from catalog.policies import can_register_seller, can_verify_sellers
from catalog.rules import at_least, clean_division_code, clean_text
from catalog.services.common import require_manager, save_changes, save_with_unique_slug
from shop.core.cache_tags import invalidate
from shop.core.db import lock_rows
from shop.core.errors import Checks, DomainError
from shop.core.roles import Actor, require
from shop.core.unset import UNSET, Unset, given

SELLER_TEXTS = {  # field: required
    "name": True,
    "name_en": False,
    "province": True,
    "city": True,
    "county": True,
    "township": False,
    "village": False,
}


def _check_seller_fields(checks: Checks, fields: dict[str, Any]) -> None:
    """Check the seller fields given, cleaning them in place."""
    for field, required in SELLER_TEXTS.items():
        if field in fields:
            fields[field] = checks.run(clean_text, Seller, field, fields[field], required=required)
    if "division_code" in fields:
        fields["division_code"] = checks.run(clean_division_code, fields["division_code"])
    if "kind" in fields and fields["kind"] not in Seller.Kind.values:
        checks.add(Code.INVALID, _("Unknown seller kind."), "kind")
    checks.run(
        at_least,
        fields.get("linked_poverty_households"),
        0,
        "linked_poverty_households",
        _("This number cannot be negative."),
    )


def create_seller(
    *,
    actor: Actor,
    name: str,
    kind: str,
    province: str,
    city: str,
    county: str,
    division_code: str,
    name_en: str | None = None,
    township: str | None = None,
    village: str | None = None,
    story: str | None = None,
    is_poverty_household: bool | None = False,
    linked_poverty_households: int | None = 0,
) -> Seller:
    """Register a seller with `actor` as its first member; an operator verifies it later."""
    require(actor, can_register_seller(actor), "")
    fields = {
        "name": name,
        "name_en": name_en,
        "province": province,
        "city": city,
        "county": county,
        "township": township,
        "village": village,
        "division_code": division_code,
        "kind": kind,
        "linked_poverty_households": linked_poverty_households or 0,
    }
    checks = Checks()
    _check_seller_fields(checks, fields)
    checks.done()
    seller = Seller(
        **fields,
        story=(story or "").strip(),
        is_poverty_household=bool(is_poverty_household),
    )
    with transaction.atomic():
        save_with_unique_slug(seller, seller.name_en, seller.name)
        seller.members.add(actor)  # type: ignore[arg-type]
    return seller


def verify_seller(*, actor: Actor, seller: Seller) -> Seller:
    """An operator confirms the seller's identity: its published products go public."""
    require(actor, can_verify_sellers(actor), _("Only platform operators may do this."))
    with transaction.atomic():
        seller = lock_rows(Seller, [seller.pk])[seller.pk]
        if seller.is_verified:
            raise DomainError(Code.ALREADY_VERIFIED, _("This seller is already verified."))
        seller.is_verified = True
        seller.verified_at = timezone.now()
        seller.verified_by = actor  # type: ignore[assignment]
        seller.rejected_at = None
        seller.rejection_reason = ""
        seller.save(
            update_fields=[
                "is_verified",
                "verified_at",
                "verified_by",
                "rejected_at",
                "rejection_reason",
            ]
        )
        invalidate(*cache.seller_changed(seller.pk))
    return seller


def reject_seller(*, actor: Actor, seller: Seller, reason: str) -> Seller:
    """An operator turns a registration back with a reason its members see; the
    seller leaves the verification queue until its details are corrected
    (update_seller puts it back, keeping the reason as the last one given)."""
    require(actor, can_verify_sellers(actor), _("Only platform operators may do this."))
    reason = clean_text(Seller, "rejection_reason", reason, required=True)
    with transaction.atomic():
        seller = lock_rows(Seller, [seller.pk])[seller.pk]
        if seller.is_verified:
            raise DomainError(Code.ALREADY_VERIFIED, _("This seller is already verified."))
        seller.rejected_at = timezone.now()
        seller.rejection_reason = reason
        seller.save(update_fields=["rejected_at", "rejection_reason"])
        invalidate(*cache.seller_changed(seller.pk))
    return seller


def update_seller(
    *,
    actor: Actor,
    seller: Seller,
    name: str | Unset = UNSET,
    name_en: str | None | Unset = UNSET,
    kind: str | Unset = UNSET,
    province: str | Unset = UNSET,
    city: str | Unset = UNSET,
    county: str | Unset = UNSET,
    township: str | None | Unset = UNSET,
    village: str | None | Unset = UNSET,
    division_code: str | Unset = UNSET,
    story: str | Unset = UNSET,
    is_poverty_household: bool | Unset = UNSET,
    linked_poverty_households: int | Unset = UNSET,
) -> Seller:
    """Correct the seller's details given (None empties an optional text);
    verification goes through verify_seller. Correcting a rejected seller puts
    it back in the verification queue: its rejection is lifted, its reason kept
    for the operator."""
    require_manager(actor, seller)
    changes = given(
        name=name,
        name_en=name_en,
        kind=kind,
        province=province,
        city=city,
        county=county,
        township=township,
        village=village,
        division_code=division_code,
        story=story,
        is_poverty_household=is_poverty_household,
        linked_poverty_households=linked_poverty_households,
    )
    checks = Checks()
    _check_seller_fields(checks, changes)
    checks.done()
    if changes and seller.rejected_at is not None:
        changes["rejected_at"] = None
    return save_changes(seller, changes, cache.seller_changed(seller.pk))
