"""Checking uploaded pictures and making their thumbnails with Pillow."""

import io
import os

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

from catalog.errors import CatalogErrorCode as Code
from shop.errors import DomainError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
THUMBNAIL_SIZES = (256, 768)
THUMBNAIL_FORMATS = {
    "jpeg": ("JPEG", {"quality": 85, "optimize": True}),
    "webp": ("WEBP", {"quality": 80}),
}


def validate_upload(upload):
    """Refuse anything that is not a sane JPEG, PNG or WebP picture.

    The size is checked before reading, the pixel count before decoding
    (so a decompression bomb is refused cheaply), and the whole file is then
    decoded once to catch truncated or corrupt data.
    """
    if upload is None:
        raise DomainError(Code.REQUIRED, _("Attach an image file."), "image")
    if upload.size > settings.IMAGE_MAX_BYTES:
        raise DomainError(
            Code.IMAGE_TOO_LARGE,
            _("The file is larger than %(mb)d MB.") % {"mb": settings.IMAGE_MAX_BYTES // 2**20},
            "image",
        )
    try:
        upload.seek(0)
        with Image.open(upload) as picture:
            if picture.format not in ALLOWED_FORMATS:
                raise DomainError(
                    Code.INVALID_IMAGE, _("Upload a JPEG, PNG or WebP picture."), "image"
                )
            width, height = picture.size
            if width * height > settings.IMAGE_MAX_PIXELS:
                raise DomainError(
                    Code.IMAGE_TOO_LARGE, _("The picture has too many pixels."), "image"
                )
            picture.load()
    except DomainError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise DomainError(
            Code.INVALID_IMAGE, _("The file is not a readable picture."), "image"
        ) from exc
    finally:
        upload.seek(0)


def render_thumbnail(source, size, fmt):
    """Return the bytes of `source` fitted into a size x size box in `fmt`."""
    pil_format, options = THUMBNAIL_FORMATS[fmt]
    with Image.open(source) as picture:
        picture = ImageOps.exif_transpose(picture)
        picture.thumbnail((size, size), Image.Resampling.LANCZOS)
        if picture.mode not in ("RGB", "RGBA") or pil_format == "JPEG":
            picture = picture.convert("RGB")
        out = io.BytesIO()
        picture.save(out, pil_format, **options)
    return out.getvalue()


def make_thumbnail_files(product_image):
    """Create the missing thumbnails of a ProductImage; return how many were made."""
    from catalog.models import ProductImageThumbnail

    existing = set(product_image.thumbnails.values_list("size", "format"))
    base = os.path.splitext(os.path.basename(product_image.image.name))[0]
    made = 0
    for size in THUMBNAIL_SIZES:
        for fmt in THUMBNAIL_FORMATS:
            if (size, fmt) in existing:
                continue
            with product_image.image.open("rb") as source:
                data = render_thumbnail(source, size, fmt)
            thumbnail = ProductImageThumbnail(image=product_image, size=size, format=fmt)
            thumbnail.file.save(f"{base}-{size}.{fmt}", ContentFile(data), save=False)
            thumbnail.save()
            made += 1
    return made
