"""Pictures for the catalogue's tests: made with Pillow, uploaded through the API,
and their thumbnails checked. Shared by the image, admin, worker and bounds tests."""

import io
import struct
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from graphql_relay import to_global_id
from PIL import Image

from catalog.images import THUMBNAIL_FORMATS, THUMBNAIL_SIZES

UPLOAD = """
mutation Upload($product: ID!, $image: Upload!, $alt: String) {
  productImageCreate(product: $product, image: $image, alt: $alt) {
    image { id url width height alt thumbnail(size: 256, format: WEBP) { url } }
    errors { field code message }
  }
}"""
PRODUCT_IMAGES = """
query Product($id: ID!) {
  product(id: $id) {
    images { id url small: thumbnail(size: 256, format: WEBP) { url }
             large: thumbnail(size: 768, format: JPEG) { url } }
  }
}"""
ALL_THUMBNAILS = {(size, fmt) for size in THUMBNAIL_SIZES for fmt in THUMBNAIL_FORMATS}
PIL_FORMAT = {"jpeg": "JPEG", "webp": "WEBP"}
RED, BLUE = (220, 20, 60), (30, 60, 200)


def picture(fmt, size=(1600, 1200), mode="RGB", **options):
    """Bytes of a picture made with Pillow: left half red, right half blue."""
    drawn = Image.new("RGB", size, BLUE)
    drawn.paste(RED, (0, 0, size[0] // 2, size[1]))
    if mode != "RGB":
        drawn = drawn.convert(mode)
    out = io.BytesIO()
    drawn.save(out, fmt, **options)
    return out.getvalue()


def png_header_only(width, height):
    """A PNG whose header declares width x height but that carries almost no pixels:
    refusing it as too large (not as unreadable) proves nothing was decoded."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def media_files(under=""):
    return sorted(p for p in (Path(settings.MEDIA_ROOT) / under).rglob("*") if p.is_file())


def media_path(url):
    return Path(settings.MEDIA_ROOT) / url.removeprefix(
        settings.PUBLIC_BASE_URL + settings.MEDIA_URL
    )


def upload(client, product, data, name="photo.jpg", alt=""):
    """Send the productImageCreate mutation as a multipart request; return (status, body)."""
    variables = {"product": to_global_id("Product", product.pk), "image": None, "alt": alt}
    return client.upload(UPLOAD, variables, {"variables.image": SimpleUploadedFile(name, data)})


def uploaded(client, product, data, capture, name="photo.jpg", alt=""):
    """Upload, run the after-commit thumbnail task, and return the payload."""
    with capture(execute=True):
        status, body = upload(client, product, data, name, alt)
    assert status == 200, body
    payload = body["data"]["productImageCreate"]
    assert payload["errors"] == []
    return payload


def assert_thumbnails(image, original_size):
    """Four real thumbnails: right format, fitted into their box, same aspect ratio."""
    thumbnails = {(t.size, t.format): t for t in image.thumbnails.all()}
    assert set(thumbnails) == ALL_THUMBNAILS
    width, height = original_size
    for (size, fmt), thumbnail in thumbnails.items():
        with Image.open(thumbnail.file.path) as made:
            made.load()
            assert made.format == PIL_FORMAT[fmt]
            assert max(made.size) == min(size, max(original_size))
            assert made.width / made.height == pytest.approx(width / height, rel=0.01)
    assert len(media_files("thumbnails")) == len(ALL_THUMBNAILS)
