"""Background work of the catalogue: thin wrappers around catalog.images, acting
as the system (`SYSTEM`), whose rights `catalog.policies` names."""

from catalog import services
from catalog.images import make_thumbnail_files
from catalog.models import ProductImage
from shop.core.roles import SYSTEM
from shop.core.tasks import durable_task


@durable_task(idempotent=True)
def make_thumbnails(image_id: int) -> int:
    """Make the missing thumbnails of one product image; return how many were made.

    Safe to run twice, even at once, and a no-op for an image deleted meanwhile.
    """
    image = ProductImage.objects.filter(pk=image_id).first()
    if image is None:
        return 0
    made = make_thumbnail_files(image)
    if made:
        services.thumbnails_made(actor=SYSTEM, image=image)
    return made
