"""A farmer downloads the batch's QR code as PNG and SVG for their own packaging:
the PNG scans (zbar) to the batch's link, the SVG draws the same modules, and
only the seller's managers get them."""

import io
import re
import xml.etree.ElementTree as ET

import pytest
from PIL import Image
from pyzbar import pyzbar

from catalog import services as catalog_services
from catalog.models import ProductVariant
from gs1 import qr
from tests.helpers.batches import FARM, batch_fields
from tests.helpers.workbench import browser
from traceability.services import batches as services

SVG = "{http://www.w3.org/2000/svg}"
RUN = re.compile(r"M(\d+) (\d+)h(\d+)v1h-\3z")


@pytest.fixture
def batch(seller, seller_user, product):
    farm = catalog_services.create_farm(actor=seller_user, seller=seller, name="龙潭田", **FARM)
    return services.create_batch(
        actor=seller_user, variant=product.variants.get(), farm=farm, **batch_fields()
    )


def url(batch, kind, seller=None):
    return f"/shop/{(seller or batch.seller).pk}/batches/{batch.pk}/qr.{kind}"


def png_modules(data):
    """The modules of a PNG of `qr.png`, read back from its pixels."""
    with Image.open(io.BytesIO(data)) as image:
        image = image.convert("L")
        box = next(x for x in range(image.width) if image.getpixel((x, x)) < 128) // qr.QUIET_ZONE
        n = image.width // box
        return [[image.getpixel((x * box, y * box)) < 128 for x in range(n)] for y in range(n)]


def svg_modules(text):
    """The modules the SVG's one path draws, from its runs and its viewBox."""
    root = ET.fromstring(text)  # noqa: S314 - our own answer under test
    n = int(root.get("viewBox").split()[2])
    (path,) = root.iter(f"{SVG}path")
    modules = [[False] * n for _ in range(n)]
    data = path.get("d")
    assert RUN.sub("", data) == "", "nothing but one rectangle per run"
    for x, y, width in RUN.findall(data):
        for column in range(int(x), int(x) + int(width)):
            modules[int(y)][column] = True
    return modules


@pytest.mark.parametrize("gtin", [None, "09506000134352"], ids=["short-link", "digital-link"])
def test_the_png_scans_to_the_batch_link_and_the_svg_draws_the_same_code(seller_user, batch, gtin):
    ProductVariant.objects.filter(pk=batch.variant_id).update(gtin=gtin)
    batch.refresh_from_db()
    client = browser(seller_user)
    page = client.get(f"/shop/{batch.seller_id}/batches/{batch.pk}/").content.decode()
    assert f'href="{url(batch, "png")}" download' in page
    assert f'href="{url(batch, "svg")}" download' in page

    png = client.get(url(batch, "png"))
    assert png["Content-Type"] == "image/png"
    assert png["Content-Disposition"] == 'attachment; filename="qr-ZM2026-10A.png"'
    with Image.open(io.BytesIO(png.content)) as image:
        found = pyzbar.decode(image, symbols=[pyzbar.ZBarSymbol.QRCODE])
    assert [result.data.decode("ascii") for result in found] == [batch.digital_link()]

    svg = client.get(url(batch, "svg"))
    assert svg["Content-Type"] == "image/svg+xml"
    assert svg["Content-Disposition"] == 'attachment; filename="qr-ZM2026-10A.svg"'
    assert svg_modules(svg.content.decode()) == png_modules(png.content)


def test_a_lot_with_characters_unsafe_in_a_file_name_is_named_safely(seller_user, batch):
    batch.lot = "A/B%22"
    batch.save(update_fields=["lot"])
    response = browser(seller_user).get(url(batch, "svg"))
    assert response["Content-Disposition"] == 'attachment; filename="qr-A_B_22.svg"'


@pytest.mark.parametrize("role", ["customer", "station_staff", "other_seller"])
def test_only_the_sellers_managers_download_it(role, users_by_role, batch):
    client = browser(users_by_role[role])
    for kind in ("png", "svg"):
        assert client.get(url(batch, kind)).status_code == 403
    signed_out = browser().get(url(batch, "png"))
    assert signed_out.status_code == 302 and signed_out["Location"].startswith("/login/")


def test_another_sellers_batch_is_not_found_under_ones_own_seller(
    batch, other_seller, other_seller_user
):
    client = browser(other_seller_user)
    assert client.get(url(batch, "png", seller=other_seller)).status_code == 404
    assert client.get(url(batch, "svg", seller=other_seller)).status_code == 404
