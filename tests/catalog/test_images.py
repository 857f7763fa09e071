"""Product pictures: upload through the GraphQL multipart endpoint, checks, thumbnails."""

import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from graphql_relay import to_global_id
from PIL import Image, ImageCms

from catalog.images import save_thumbnail
from catalog.models import ProductImage, ProductImageThumbnail
from catalog.tasks import make_thumbnails
from tests.helpers.pictures import (
    ALL_THUMBNAILS,
    BLUE,
    PRODUCT_IMAGES,
    RED,
    UPLOAD,
    assert_thumbnails,
    media_files,
    media_path,
    picture,
    png_header_only,
    upload,
    uploaded,
)
from tests.helpers.services import require_postgresql, run_at_once


@pytest.mark.parametrize(
    ("name", "data", "size"),
    [
        ("farm.jpg", picture("JPEG"), (1600, 1200)),
        ("farm.jpg", picture("JPEG", mode="CMYK"), (1600, 1200)),
        (
            "phone.jpg",
            picture("MPO", save_all=True, append_images=[Image.new("RGB", (8, 8))]),
            (1600, 1200),
        ),
        ("label.png", picture("PNG", size=(900, 1500)), (900, 1500)),
        ("label.png", picture("PNG", size=(900, 1500), mode="P"), (900, 1500)),
        ("label.png", picture("PNG", size=(300, 200), mode="LA"), (300, 200)),
        ("tea.webp", picture("WEBP", size=(2000, 500)), (2000, 500)),
    ],
    ids=["jpeg", "jpeg-cmyk", "mpo", "png", "png-palette", "png-grey-alpha-small", "webp"],
)
def test_seller_uploads_a_picture_and_gets_four_thumbnails(
    client_as, product, django_capture_on_commit_callbacks, name, data, size
):
    client = client_as("seller")
    payload = uploaded(
        client, product, data, django_capture_on_commit_callbacks, name, alt=" 武功山紫米 "
    )

    image = ProductImage.objects.get()
    assert (payload["image"]["width"], payload["image"]["height"]) == size
    assert (image.width, image.height, image.product) == (*size, product)
    assert payload["image"]["alt"] == image.alt == "武功山紫米"
    assert media_path(payload["image"]["url"]).read_bytes() == data
    # The response was sent before the task ran: the thumbnail falls back to the original.
    assert payload["image"]["thumbnail"]["url"] == payload["image"]["url"]
    assert_thumbnails(image, size)

    shown = client.execute(PRODUCT_IMAGES, {"id": to_global_id("Product", product.pk)})
    [listed] = shown["product"]["images"]
    small = image.thumbnails.get(size=256, format="webp")
    large = image.thumbnails.get(size=768, format="jpeg")
    assert (
        listed["small"]["url"] == f"{settings.PUBLIC_BASE_URL}{settings.MEDIA_URL}{small.file.name}"
    )
    assert listed["large"]["url"].endswith(large.file.name)
    assert media_path(listed["small"]["url"]).is_file()


@pytest.mark.parametrize("role", ["seller", "operator"])
def test_the_seller_and_an_operator_may_upload(
    client_as, product, django_capture_on_commit_callbacks, role
):
    payload = uploaded(
        client_as(role), product, picture("PNG", size=(64, 48)), django_capture_on_commit_callbacks
    )
    image = ProductImage.objects.get()
    assert (image.product, image.width, payload["image"]["width"]) == (product, 64, 64)
    assert image.thumbnails.count() == len(ALL_THUMBNAILS)


@pytest.mark.parametrize(
    ("role", "code"),
    [
        ("anonymous", "UNAUTHENTICATED"),
        ("customer", "PERMISSION_DENIED"),
        ("station_staff", "PERMISSION_DENIED"),
        ("other_seller", "PERMISSION_DENIED"),
    ],
)
def test_others_may_not_upload_and_nothing_is_written(client_as, product, role, code):
    status, body = upload(client_as(role), product, picture("JPEG"))
    # Anonymous uploads are refused before the body is read, so before any GraphQL runs.
    assert body.get("data") == (None if role == "anonymous" else {"productImageCreate": None})
    assert status == (401 if role == "anonymous" else 200)
    assert [e["extensions"]["code"] for e in body["errors"]] == [code]
    assert not ProductImage.objects.exists()
    assert media_files() == []


def _truncated_jpeg():
    data = picture("JPEG")
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"these bytes are not a picture " * 50, "INVALID_IMAGE"),
        (b"", "INVALID_IMAGE"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "INVALID_IMAGE",
        ),
        (_truncated_jpeg(), "INVALID_IMAGE"),
        (picture("PNG")[:-200], "INVALID_IMAGE"),
        (picture("GIF"), "INVALID_IMAGE"),
        (picture("BMP"), "INVALID_IMAGE"),
        (picture("TIFF"), "INVALID_IMAGE"),
        # A real bomb: 7000 x 7000 pixels in 6 kB, over IMAGE_MAX_PIXELS (40 M).
        (picture("PNG", size=(7000, 7000), mode="1"), "IMAGE_TOO_LARGE"),
        # Headers only: decoding them would fail as truncated, so this is refused unread.
        (png_header_only(7000, 7000), "IMAGE_TOO_LARGE"),
        # Past Pillow's own guard (2 x Image.MAX_IMAGE_PIXELS): refused when opened.
        (png_header_only(20000, 20000), "IMAGE_TOO_LARGE"),
    ],
    ids=[
        "corrupt",
        "empty",
        "svg",
        "truncated-jpeg",
        "truncated-png",
        "gif",
        "bmp",
        "tiff",
        "png-bomb",
        "png-bomb-header",
        "png-bomb-past-pillow-limit",
    ],
)
def test_a_refused_upload_gets_a_code_and_writes_nothing(client_as, product, data, code):
    status, body = upload(client_as("seller"), product, data)
    assert status == 200, body
    payload = body["data"]["productImageCreate"]
    assert payload["image"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("image", code)]
    assert not ProductImage.objects.exists()
    assert media_files() == []


def test_the_byte_limit_is_checked_exactly(
    client_as, product, settings, django_capture_on_commit_callbacks
):
    data = picture("JPEG", size=(300, 200))
    client = client_as("seller")
    settings.IMAGE_MAX_BYTES = len(data) - 1
    _status, body = upload(client, product, data)
    assert body["data"]["productImageCreate"]["errors"][0]["code"] == "IMAGE_TOO_LARGE"
    assert not ProductImage.objects.exists()
    assert media_files() == []

    settings.IMAGE_MAX_BYTES = len(data)
    uploaded(client, product, data, django_capture_on_commit_callbacks)
    assert ProductImage.objects.count() == 1


def test_the_pixel_limit_is_checked_exactly(
    client_as, product, settings, django_capture_on_commit_callbacks
):
    data = picture("PNG", size=(300, 200))
    client = client_as("seller")
    settings.IMAGE_MAX_PIXELS = 300 * 200 - 1
    _status, body = upload(client, product, data)
    assert body["data"]["productImageCreate"]["errors"][0]["code"] == "IMAGE_TOO_LARGE"
    assert media_files() == []

    settings.IMAGE_MAX_PIXELS = 300 * 200
    uploaded(client, product, data, django_capture_on_commit_callbacks)
    assert ProductImage.objects.count() == 1


def test_pillow_still_refuses_a_bomb_when_our_limit_is_raised(client_as, product, settings):
    settings.IMAGE_MAX_PIXELS = 10**12
    _status, body = upload(client_as("seller"), product, png_header_only(20000, 20000))
    assert body["data"]["productImageCreate"]["errors"][0]["code"] == "IMAGE_TOO_LARGE"
    assert media_files() == []


def test_a_missing_file_is_a_bad_request(client_as, product):
    client = client_as("seller")
    variables = {"product": to_global_id("Product", product.pk), "image": None}
    status, body = client.upload(UPLOAD, variables, {})
    assert status == 400
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert not ProductImage.objects.exists()
    assert media_files() == []


def test_a_file_sent_as_text_is_refused_in_the_payload(client_as, product):
    """A JSON request has no files: a string in place of the upload is the user's mistake."""
    variables = {"product": to_global_id("Product", product.pk), "image": "photo.jpg"}
    status, body = client_as("seller").post(UPLOAD, variables)
    assert status == 200
    assert body["data"]["productImageCreate"]["errors"][0]["code"] == "INVALID_IMAGE"
    assert not ProductImage.objects.exists()


def test_the_file_is_stored_under_its_real_format(
    client_as, product, django_capture_on_commit_callbacks
):
    """A PNG named .html must not be served as HTML from our domain."""
    payload = uploaded(
        client_as("seller"),
        product,
        picture("PNG", size=(64, 48)),
        django_capture_on_commit_callbacks,
        name="label.html",
    )
    assert payload["image"]["url"].endswith(".png")
    assert ProductImage.objects.get().image.name.endswith(".png")


def _photo_from_a_phone(orientation):
    """A JPEG stored 1600 x 1200 with an EXIF orientation, a camera make, a GPS
    position and an sRGB colour profile."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "Phone maker"
    exif[0x8825] = {1: "N", 2: (27.0, 27.0, 0.0)}
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return picture("JPEG", exif=exif.tobytes(), icc_profile=srgb), srgb


OPPOSITE = {"left": "right", "right": "left", "top": "bottom", "bottom": "top"}


def _colour_at(image, side):
    width, height = image.size
    point = {
        "left": (5, height // 2),
        "right": (width - 5, height // 2),
        "top": (width // 2, 5),
        "bottom": (width // 2, height - 5),
    }[side]
    return image.convert("RGB").getpixel(point)


@pytest.mark.parametrize(
    ("orientation", "red_side"),
    [(1, "left"), (3, "right"), (6, "top"), (8, "bottom")],
    ids=["upright", "upside-down", "turn-clockwise", "turn-anticlockwise"],
)
def test_thumbnails_are_upright_without_metadata_but_keep_colours(
    client_as, product, django_capture_on_commit_callbacks, orientation, red_side
):
    data, srgb = _photo_from_a_phone(orientation)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the GPS position
    payload = uploaded(client_as("seller"), product, data, django_capture_on_commit_callbacks)
    turned = red_side in ("top", "bottom")
    shown = (1200, 1600) if turned else (1600, 1200)
    assert (payload["image"]["width"], payload["image"]["height"]) == shown
    for thumbnail in ProductImage.objects.get().thumbnails.all():
        with Image.open(thumbnail.file.path) as made:
            made.load()
            short = thumbnail.size * 3 // 4
            portrait = red_side in ("top", "bottom")
            assert made.size == ((short, thumbnail.size) if portrait else (thumbnail.size, short))
            assert _colour_at(made, red_side) == pytest.approx(RED, abs=25)
            assert _colour_at(made, OPPOSITE[red_side]) == pytest.approx(BLUE, abs=25)
            assert dict(made.getexif()) == {}
            assert made.info.get("icc_profile") == srgb


def test_transparent_pictures_get_a_white_background_in_jpeg_only(
    client_as, product, django_capture_on_commit_callbacks
):
    clear = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    clear.paste((*RED, 255), (100, 100, 300, 200))
    out = io.BytesIO()
    clear.save(out, "PNG")
    uploaded(client_as("seller"), product, out.getvalue(), django_capture_on_commit_callbacks)
    image = ProductImage.objects.get()
    with Image.open(image.thumbnails.get(size=256, format="jpeg").file.path) as jpeg:
        assert jpeg.convert("RGB").getpixel((2, 2)) == pytest.approx((255, 255, 255), abs=3)
    with Image.open(image.thumbnails.get(size=256, format="webp").file.path) as webp:
        assert webp.mode == "RGBA"
        assert webp.getpixel((2, 2))[3] == 0
        assert webp.getpixel((128, 96))[:3] == pytest.approx(RED, abs=25)


def _stored_image(product, data=None):
    """A ProductImage saved without running the thumbnail task."""
    upload = SimpleUploadedFile("rice.png", data or picture("PNG", size=(800, 600)))
    return ProductImage.objects.create(product=product, image=upload)


def test_the_task_is_idempotent(product):
    image = _stored_image(product)
    assert make_thumbnails.delay(image.pk).get() == 4
    names = media_files("thumbnails")
    assert make_thumbnails.delay(image.pk).get() == 0
    assert media_files("thumbnails") == names
    assert_thumbnails(image, (800, 600))


def test_the_task_fills_in_only_missing_thumbnails(product):
    image = _stored_image(product)
    make_thumbnails(image.pk)
    lost = image.thumbnails.get(size=768, format="webp")
    lost.file.delete(save=False)
    lost.delete()
    assert make_thumbnails(image.pk) == 1
    assert_thumbnails(image, (800, 600))


def test_the_task_ignores_an_image_deleted_meanwhile(product):
    image = _stored_image(product)
    image_id = image.pk
    image.delete()
    assert make_thumbnails(image_id) == 0
    assert not ProductImageThumbnail.objects.exists()


def test_a_thumbnail_stored_by_another_run_is_dropped_with_its_file(product):
    """What the loser of a race sees: the unique constraint refuses its row."""
    image = _stored_image(product)
    make_thumbnails(image.pk)
    files = media_files("thumbnails")
    assert save_thumbnail(image, 256, "webp", b"the other run's bytes") is False
    assert media_files("thumbnails") == files
    assert image.thumbnails.count() == len(ALL_THUMBNAILS)


def test_two_runs_at_once_make_each_thumbnail_once(transactional_db, product):
    require_postgresql()
    image = _stored_image(product)
    made = run_at_once(lambda: make_thumbnails(image.pk), 2)
    assert sum(made) == len(ALL_THUMBNAILS)
    assert_thumbnails(image, (800, 600))


@pytest.mark.parametrize(
    ("alt", "stored"), [(" " + "紫" * 200 + " ", "紫" * 200), ("紫" * 201, None)]
)
def test_alternative_text_is_checked_at_the_length_it_is_stored(client_as, product, alt, stored):
    status, body = upload(client_as("seller"), product, picture("JPEG"), alt=alt)
    assert status == 200
    payload = body["data"]["productImageCreate"]
    if stored is None:
        assert [(e["field"], e["code"]) for e in payload["errors"]] == [("alt", "INVALID")]
        assert not ProductImage.objects.exists()
        assert media_files() == []
    else:
        assert payload["errors"] == []
        assert ProductImage.objects.get().alt == stored
