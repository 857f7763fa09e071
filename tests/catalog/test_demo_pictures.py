"""The demo's pictures carry no text and no two products look alike."""

import io
import itertools

import pytest
from django.core.management import call_command
from PIL import Image, ImageChops, ImageStat

from catalog.demo.pictures import MOTIFS, product_picture
from catalog.models import ProductImage

pytestmark = pytest.mark.django_db


def _pixels(image):
    with image.image.open("rb") as file, Image.open(file) as picture:
        return picture.convert("RGB").resize((200, 200))


def test_every_demo_product_has_its_own_picture(settings):
    settings.DEBUG = True
    call_command("load_demo", verbosity=0, stdout=io.StringIO())
    pictures = {image.product.slug: _pixels(image) for image in ProductImage.objects.all()}
    assert len(pictures) == 15
    for (a, first), (b, second) in itertools.combinations(pictures.items(), 2):
        difference = ImageStat.Stat(ImageChops.difference(first, second)).mean
        assert sum(difference) / 3 > 8, f"{a} and {b} look alike"


def test_a_picture_depends_on_its_seed_only():
    """The same product always gets the same picture; the name is not drawn."""
    assert product_picture("wugong-purple-rice", "rice") == product_picture(
        "wugong-purple-rice", "rice"
    )
    assert product_picture("a", "tea") != product_picture("b", "tea")
    assert set(MOTIFS) >= {"rice", "tea", "eggs", "chicken", "beef", "mutton", "kiwi", "pear"}
