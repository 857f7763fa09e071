from celery import shared_task

from catalog.images import make_thumbnail_files
from catalog.models import ProductImage


@shared_task(bind=True, max_retries=3, default_retry_delay=10)
def make_thumbnails(self, image_id):
    """Make the thumbnails of one product image. Safe to run twice."""
    image = ProductImage.objects.filter(pk=image_id).first()
    if image is None:
        return 0
    return make_thumbnail_files(image)
