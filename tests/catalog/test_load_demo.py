"""The load_demo command: real places, working logins, idempotence and bulk speed path."""

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F
from django.test import Client
from PIL import Image

from catalog.images import THUMBNAIL_FORMATS, THUMBNAIL_SIZES
from catalog.models import (
    Category,
    Farm,
    Product,
    ProductImage,
    ProductImageThumbnail,
    ProductVariant,
    Seller,
)
from catalog.validators import normalize_gtin
from shop.accounts.models import User
from shop.accounts.selectors import parse_mainland_mobile
from tests.helpers.api import GraphQLClient

pytestmark = pytest.mark.django_db

PRODUCTS = (
    "{ products(first: 50) { edges { node { name nameEn seller { name } variants { sku } } } } }"
)
SEARCH = "query($q: String!) { products(first: 1, filter: {search: $q}) { totalCount } }"
TOKEN = """
mutation Token($login: String!, $password: String!) {
  tokenCreate(login: $login, password: $password) { token errors { field code } }
}"""
# Where each demo county is (lat, lon), to check that farms lie near the real place.
COUNTIES = {"360323": (27.6, 114.0), "510824": (31.7, 105.9), "421224": (29.6, 114.5)}


@pytest.fixture(autouse=True)
def _debug(settings):
    settings.DEBUG = True


def load(*args):
    out = io.StringIO()
    call_command("load_demo", *args, verbosity=0, stdout=out)
    return out.getvalue()


def counts():
    models = (User, Seller, Farm, Category, Product, ProductVariant, ProductImage)
    return {model.__name__: model.objects.count() for model in models}


def test_demo_sellers_are_verified_and_of_every_kind_with_farms_near_the_real_place():
    load()
    sellers = {seller.kind: seller for seller in Seller.objects.all()}
    assert Seller.objects.count() >= 3
    assert set(sellers) == {"farmer_household", "cooperative", "enterprise"}
    assert sellers["farmer_household"].is_poverty_household
    assert all(s.linked_poverty_households > 0 for s in Seller.objects.filter(kind="cooperative"))
    for seller in Seller.objects.prefetch_related("farms", "members"):
        assert seller.is_verified and seller.verified_by.email == "operator@demo.cn"
        assert seller.division_code[:6] in COUNTIES and len(seller.division_code) == 12
        latitude, longitude = COUNTIES[seller.division_code[:6]]
        farms = list(seller.farms.all())
        assert farms
        for farm in farms:
            assert abs(float(farm.latitude) - latitude) < 0.3
            assert abs(float(farm.longitude) - longitude) < 0.3
            assert farm.area_mu > 0 and farm.produce
        [member] = seller.members.all()
        assert parse_mainland_mobile(str(member.phone)) == str(member.phone)
    assert Seller.objects.filter(village="王龙潭村", county="芦溪县").count() == 2


def test_public_api_lists_about_fifteen_published_products_with_variants():
    load()
    edges = GraphQLClient().execute(PRODUCTS)["products"]["edges"]
    nodes = [edge["node"] for edge in edges]
    assert len(nodes) == 15
    assert all(node["nameEn"] and 1 <= len(node["variants"]) <= 3 for node in nodes)
    assert {node["seller"]["name"] for node in nodes} == set(
        Seller.objects.values_list("name", flat=True)
    )
    names = {node["name"] for node in nodes}
    assert {"武功山紫米", "苍溪红心猕猴桃", "苍溪雪梨", "九宫山云雾茶", "王龙潭土鸡蛋"} <= names
    assert (
        ProductVariant.objects.filter(product__category__slug="beef", cold_chain=False).count() == 0
    )


def test_every_product_has_one_real_picture_and_its_thumbnails(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        load()
    assert list(Product.objects.annotate(n=Count("images")).values_list("n", flat=True)) == [1] * 15
    for image in ProductImage.objects.all():
        with image.image.open("rb") as file, Image.open(file) as picture:
            assert picture.format == "JPEG"
            assert picture.size == (image.width, image.height) == (800, 800)
            darkest, brightest = picture.convert("L").getextrema()
            assert brightest - darkest > 100  # a drawing, not a flat colour
        assert image.alt.startswith(image.product.name)
        assert image.thumbnails.count() == len(THUMBNAIL_SIZES) * len(THUMBNAIL_FORMATS)
    for thumbnail in ProductImageThumbnail.objects.all():
        with thumbnail.file.open("rb") as file, Image.open(file) as picture:
            assert max(picture.size) == thumbnail.size


def test_loading_twice_duplicates_nothing():
    first_output = load()
    before = counts()
    second_output = load()
    assert counts() == before
    assert before["Product"] == 15 and before["Seller"] == 4 and before["User"] == 5
    assert "created 14 categories" in first_output
    assert "created nothing" in second_output


def test_gtins_are_gs1_china_gtin14_with_a_correct_check_digit():
    load()
    gtins = list(ProductVariant.objects.exclude(gtin=None).values_list("gtin", flat=True))
    assert len(gtins) >= 10
    for gtin in gtins:
        assert normalize_gtin(gtin) == gtin and gtin[1:3] == "69"
        assert normalize_gtin(gtin[:-1] + str((int(gtin[-1]) + 1) % 10)) is None


def test_printed_logins_sign_in_as_operator_and_sellers():
    output = load()
    operator = re.search(r"operator\s+(\S+@\S+)\s+(\S+)", output)
    sellers = re.findall(r"seller\s+(1\d{10})\s+(\S+)", output)
    assert operator and operator.group(1) == "operator@demo.cn"
    assert len(sellers) == Seller.objects.count()
    expected = [(operator.groups(), "OPERATOR")] + [(login, "SELLER") for login in sellers]
    for (login, password), role in expected:
        result = GraphQLClient().execute(TOKEN, {"login": login, "password": password})
        assert result["tokenCreate"]["errors"] == []
        user = User.objects.get(**({"email": login} if "@" in login else {"phone": login}))
        me = GraphQLClient(user).execute("{ me { roles } }")["me"]
        assert role in me["roles"]
    admin = Client(HTTP_HOST="127.0.0.1")
    assert admin.login(username=operator.group(1), password=operator.group(2))
    assert admin.get("/admin/catalog/product/").status_code == 200


def test_synthetic_products_are_added_in_bulk_with_three_variants_each():
    load()
    before = counts()
    output = load("--products", "200")
    after = counts()
    assert after["Product"] - before["Product"] == 200
    assert after["ProductVariant"] - before["ProductVariant"] == 600
    assert after["Seller"] == before["Seller"] and after["ProductImage"] == before["ProductImage"]
    synthetic = Product.objects.filter(slug__startswith="synthetic-")
    assert synthetic.filter(is_published=True).count() == 200
    assert set(synthetic.annotate(n=Count("variants")).values_list("n", flat=True)) == {3}
    assert not ProductVariant.objects.exclude(seller_id=F("product__seller_id")).exists()
    assert synthetic.values("seller").distinct().count() == Seller.objects.count()
    assert synthetic.filter(name__contains="紫米").count() == 20
    total = GraphQLClient().execute(SEARCH, {"q": "紫米"})["products"]["totalCount"]
    assert (
        total
        == 20
        + Product.objects.exclude(slug__startswith="synthetic-")
        .filter(name__contains="紫米")
        .count()
    )
    assert re.search(r"Added 200 synthetic products \(600 variants\).* products/s", output)


def test_every_synthetic_run_adds_more_and_loads_the_demo_first():
    load("--products", "10")
    load("--products", "10")
    assert Product.objects.filter(slug__startswith="synthetic-").count() == 20
    assert Product.objects.exclude(slug__startswith="synthetic-").count() == 15
    assert Product.objects.values("slug").distinct().count() == 35


def test_refused_without_debug_and_writes_nothing(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        load()
    assert not User.objects.exists() and not Seller.objects.exists()


def test_negative_product_count_is_refused():
    with pytest.raises(CommandError, match="--products"):
        load("--products", "-1")
    assert not Product.objects.exists()


def test_synthetic_products_reach_anonymous_readers_of_cached_pages(
    django_capture_on_commit_callbacks,
):
    load()
    before = GraphQLClient().execute(SEARCH, {"q": "紫米"})["products"]["totalCount"]
    with django_capture_on_commit_callbacks(execute=True):
        load("--products", "10")
    after = GraphQLClient().execute(SEARCH, {"q": "紫米"})["products"]["totalCount"]
    assert after == before + 1
