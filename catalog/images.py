"""Checking uploaded pictures and making their thumbnails with Pillow."""

import io
import os
from typing import IO, cast

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import ExifTags, Image

from catalog.errors import CatalogErrorCode as Code
from catalog.models import ProductImage, ProductImageThumbnail
from shop.core.errors import DomainError, Message

# Only these decoders ever see an upload. JPEG also opens MPO, the JPEG variant
# many phone cameras write; the value is the extension the file is stored under.
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")
EXTENSIONS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "WEBP": "webp"}
# What Pillow raises for data it cannot read.
UNREADABLE = (OSError, EOFError, SyntaxError, ValueError)

# Pillow decodes WebP only at full size and its decoder holds several copies
# of the picture (618 MB at 40 megapixels, measured), so a WebP may have this
# many times fewer pixels than IMAGE_MAX_PIXELS.
WEBP_PIXEL_WEIGHT = 4

THUMBNAIL_SIZES = (256, 768)
THUMBNAIL_FORMATS = {
    "jpeg": ("JPEG", {"quality": 85, "optimize": True, "progressive": True}),
    "webp": ("WEBP", {"quality": 80}),
}
# EXIF orientation -> the transposition that makes the picture upright.
UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
QUARTER_TURNS = {5, 6, 7, 8}  # orientations whose upright picture swaps width and height
# Thumbnails are made by Lanczos from a picture first shrunk cheaply to no less than
# this many times their size: very close to resampling the full picture (Pillow's
# default reducing_gap), for far less work.
REDUCING_GAP = 2
# How many pixels of the decoded picture _shrunk converts and reduces at a time.
BAND_PIXELS = 1 << 20


def _too_large(message: Message) -> DomainError:
    return DomainError(Code.IMAGE_TOO_LARGE, message, "image")


def too_many_pixels(picture: Image.Image) -> bool:
    weight = WEBP_PIXEL_WEIGHT if picture.format == "WEBP" else 1
    return picture.width * picture.height * weight > settings.IMAGE_MAX_PIXELS


def validate_upload(upload: object) -> tuple[int, int]:
    """Refuse anything that is not a sane JPEG, PNG or WebP picture.

    The byte size is checked before reading and the pixel count from the header
    before decoding, so a decompression bomb is refused cheaply; our
    IMAGE_MAX_PIXELS decides first and Pillow's own guard (twice
    Image.MAX_IMAGE_PIXELS) is a backstop with the same error code. One decode
    of all the data then catches truncated or corrupt files: a JPEG is decoded
    at 1/8 scale, which reads and checks every byte of it as a full decode does
    but needs 1/64 of the memory (2.5 MB instead of 160 MB at 40 megapixels);
    PNG and WebP have no such mode, so theirs is a full decode, bounded by
    IMAGE_MAX_PIXELS (a quarter of it for WebP, whose decoder needs more). Finally the file gets the extension of its real format,
    so it is never served as HTML or SVG.

    Returns the picture's (width, height) as shown, after its EXIF orientation.
    """
    if upload is None:
        raise DomainError(Code.REQUIRED, _("Attach an image file."), "image")
    if not isinstance(upload, File):
        raise DomainError(Code.INVALID_IMAGE, _("Send the picture as a file upload."), "image")
    if upload.size > settings.IMAGE_MAX_BYTES:
        raise _too_large(
            _("The file is larger than %(size)s.")
            % {"size": filesizeformat(settings.IMAGE_MAX_BYTES)}
        )
    pixels_message = _("The picture has too many pixels.")
    try:
        upload.seek(0)
        with Image.open(upload, formats=ALLOWED_FORMATS) as picture:
            width, height = picture.size
            if too_many_pixels(picture):
                raise _too_large(pixels_message)
            picture.draft(None, (1, 1))  # JPEG: decode at the smallest scale
            picture.load()
            extension = EXTENSIONS[cast(str, picture.format)]  # opened as one of `formats`
            if _orientation(picture) in QUARTER_TURNS:
                width, height = height, width
    except Image.DecompressionBombError as exc:
        raise _too_large(pixels_message) from exc
    except UNREADABLE as exc:
        raise DomainError(
            Code.INVALID_IMAGE, _("Upload a readable JPEG, PNG or WebP picture."), "image"
        ) from exc
    finally:
        upload.seek(0)
    stem = os.path.splitext(os.path.basename(upload.name or ""))[0] or "image"
    upload.name = f"{stem}.{extension}"
    return width, height


def _orientation(picture: Image.Image) -> int | None:
    """The EXIF orientation; None when absent or unreadable, as browsers treat it."""
    try:
        return picture.getexif().get(ExifTags.Base.Orientation)
    except UNREADABLE:
        return None


def _flatten(picture: Image.Image) -> Image.Image:
    """JPEG has no alpha channel: put transparent pictures on white, not black."""
    if picture.mode != "RGBA":
        return picture
    background = Image.new("RGB", picture.size, "white")
    background.paste(picture, mask=picture.getchannel("A"))
    return background


def _fitted(size: tuple[int, int], box: int) -> tuple[int, int]:
    """The size of a picture of `size` shrunk to fit in a square `box` (never enlarged)."""
    width, height = size
    scale = min(1, box / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _shrunk(picture: Image.Image, mode: str, factor: int) -> Image.Image:
    """The decoded picture in `mode`, `factor` times smaller (averaging blocks of pixels);
    the picture itself when it is already both.

    Converting the whole picture first (a palette or grey PNG, a CMYK JPEG) or
    reducing it at once (Pillow premultiplies the alpha of an RGBA picture into
    a copy) would copy it at full size: a band of rows at a time is done
    instead, which gives the same pixels with little extra memory.
    """
    if picture.mode == mode and factor == 1:
        return picture
    width, height = picture.size
    shrunk = Image.new(mode, (-(-width // factor), -(-height // factor)))
    rows = max(1, BAND_PIXELS // width // factor) * factor
    for top in range(0, height, rows):
        band = picture.crop((0, top, width, min(top + rows, height)))
        if band.mode != mode:
            band = band.convert(mode)
        shrunk.paste(band.reduce(factor), (0, top // factor))
    return shrunk


def render_thumbnails(source: IO[bytes]) -> dict[tuple[int, str], bytes]:
    """Return {(size, fmt): bytes} for every thumbnail, decoding the original once.

    The work is bounded: a picture over IMAGE_MAX_PIXELS is not decoded; a JPEG
    is decoded at 1/2, 1/4 or 1/8 scale and other formats are shrunk by
    averaging blocks of pixels, down to no less than REDUCING_GAP times the
    largest thumbnail, before the Lanczos filter makes the thumbnails; a large
    picture is never converted or copied at full size. The EXIF orientation is applied (phones store
    portraits sideways) and the other metadata, such as the GPS position, is
    dropped; the colour profile is kept so colours stay right. Pillow's
    ImageOps.exif_transpose is not used: it rewrites the EXIF block and fails
    on slightly malformed ones.
    """
    largest = max(THUMBNAIL_SIZES)
    with Image.open(source, formats=ALLOWED_FORMATS) as original:
        if too_many_pixels(original):
            raise _too_large(_("The picture has too many pixels."))
        orientation = _orientation(original)
        # A CMYK or grey colour profile would be wrong once the picture is RGB.
        rgb = original.mode in ("RGB", "RGBA")
        icc_profile = original.info.get("icc_profile") if rgb else None
        mode = "RGBA" if original.has_transparency_data else "RGB"
        width, height = _fitted(original.size, largest)
        enough = (width * REDUCING_GAP, height * REDUCING_GAP)
        original.draft("RGB", enough)  # JPEG: decode at a reduced scale
        original.load()
        factor = max(1, min(original.width // enough[0], original.height // enough[1]))
        picture = _shrunk(original, mode, factor)
        picture.thumbnail((largest, largest), Image.Resampling.LANCZOS)
        if orientation in UPRIGHT:
            picture = picture.transpose(UPRIGHT[orientation])
        rendered: dict[tuple[int, str], bytes] = {}
        for size in sorted(THUMBNAIL_SIZES, reverse=True):
            picture.thumbnail((size, size), Image.Resampling.LANCZOS)
            for fmt, (pil_format, options) in THUMBNAIL_FORMATS.items():
                out = io.BytesIO()
                encoded = _flatten(picture) if pil_format == "JPEG" else picture
                encoded.save(out, pil_format, icc_profile=icc_profile, **options)
                rendered[size, fmt] = out.getvalue()
    return rendered


def save_thumbnail(product_image: ProductImage, size: int, fmt: str, data: bytes) -> bool:
    """Store one thumbnail; return False, leaving no file, if another run stored it first."""
    base = os.path.splitext(os.path.basename(product_image.image.name))[0]
    thumbnail = ProductImageThumbnail(image=product_image, size=size, format=fmt)
    thumbnail.file.save(f"{base}-{size}.{fmt}", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            thumbnail.save()
    except IntegrityError:
        thumbnail.file.delete(save=False)
        return False
    return True


def make_thumbnail_files(product_image: ProductImage) -> int:
    """Create the missing thumbnails of a ProductImage; return how many were made.

    Idempotent, and safe when two runs overlap: the unique constraint
    thumbnail_unique decides which copy is kept.
    """
    existing = set(product_image.thumbnails.values_list("size", "format"))
    missing = [
        (size, fmt)
        for size in THUMBNAIL_SIZES
        for fmt in THUMBNAIL_FORMATS
        if (size, fmt) not in existing
    ]
    if not missing:
        return 0
    with product_image.image.open("rb") as source:
        rendered = render_thumbnails(source)
    return sum(
        save_thumbnail(product_image, size, fmt, rendered[size, fmt]) for size, fmt in missing
    )
