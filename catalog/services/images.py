"""Product pictures: uploads checked like any input, thumbnails drawn by a task."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from catalog import cache
from catalog.images import validate_upload
from catalog.models import Product, ProductImage
from catalog.policies import can_record_thumbnails
from catalog.rules import at_least, clean_text
from catalog.services.common import require_manager, save_changes
from shop.core.cache_tags import invalidate
from shop.core.errors import Checks
from shop.core.roles import PLATFORM_ONLY, Actor, require
from shop.core.unset import UNSET, Unset, given


def add_product_image(
    *, actor: Actor, product: Product, upload: Any, alt: str | None = ""
) -> ProductImage:
    """Store a verified image; thumbnails follow from a Celery task after commit."""
    from catalog.tasks import make_thumbnails

    require_manager(actor, product.seller)
    alt = clean_text(ProductImage, "alt", alt)
    width, height = validate_upload(upload)
    image = ProductImage(product=product, alt=alt, width=width, height=height)
    try:
        with transaction.atomic():
            last = product.images.order_by("-sort_order").values_list("sort_order", flat=True)
            image.sort_order = (last.first() or 0) + 1
            image.image.save(upload.name, upload, save=False)
            image.save()
            invalidate(*cache.product_changed(product.pk))
            transaction.on_commit(lambda: make_thumbnails.delay(image.pk))
    except Exception:
        if image.image:
            # The file reached storage but its row did not: leave nothing behind.
            image.image.delete(save=False)
        raise
    return image


def thumbnails_made(*, actor: Actor, image: ProductImage) -> None:
    """The thumbnail task (the system) added sizes a response may show."""
    require(actor, can_record_thumbnails(actor), PLATFORM_ONLY)
    invalidate(*cache.product_changed(image.product_id))


def update_product_image(
    *,
    actor: Actor,
    image: ProductImage,
    alt: str | None | Unset = UNSET,
    sort_order: int | Unset = UNSET,
) -> ProductImage:
    """Change a picture's alt text (None: none) or position."""
    require_manager(actor, image.product.seller)
    changes = given(alt=alt, sort_order=sort_order)
    checks = Checks()
    if "alt" in changes:
        changes["alt"] = checks.run(clean_text, ProductImage, "alt", changes["alt"])
    checks.run(
        at_least,
        changes.get("sort_order"),
        0,
        "sort_order",
        _("The sort order cannot be negative."),
    )
    checks.done()
    return save_changes(image, changes, cache.product_changed(image.product_id))


def delete_product_image(*, actor: Actor, image: ProductImage) -> None:
    require_manager(actor, image.product.seller)
    with transaction.atomic():
        invalidate(*cache.product_changed(image.product_id))
        image.delete()
