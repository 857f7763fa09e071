"""The buyer's pages: what they show, in both languages, their filters and
cursors, and what they do with missing objects and hostile URLs."""

import html
import io
import re
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.timezone import localtime
from PIL import Image

from catalog import services
from catalog.models import Product

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def get(path, **headers):
    return Client(HTTP_HOST="127.0.0.1", **headers).get(path)


def text(path, status=200, **headers):
    response = get(path, **headers)
    assert response.status_code == status, response.content.decode()[:2000]
    return response.content.decode()


def upload(name="rice.jpg", size=(1600, 1200)):
    data = io.BytesIO()
    Image.new("RGB", size, (120, 40, 160)).save(data, "JPEG")
    return SimpleUploadedFile(name, data.getvalue(), content_type="image/jpeg")


@pytest.fixture
def grain(operator):
    return services.create_category(actor=operator, name="粮油", name_en="Grain and oil")


@pytest.fixture
def rice(operator, grain):
    return services.create_category(actor=operator, name="稻米", name_en="Paddy rice", parent=grain)


@pytest.fixture
def farm(seller, seller_user):
    return services.create_farm(
        actor=seller_user,
        seller=seller,
        name="王龙潭梯田",
        name_en="Wanglongtan terraces",
        village="王龙潭村",
        latitude=27.5,
        longitude=114.2,
        area_mu="36.50",
        produce="紫米",
    )


@pytest.fixture
def rice_product(seller, seller_user, rice, farm, django_capture_on_commit_callbacks):
    product = services.create_product(
        actor=seller_user,
        seller=seller,
        category=rice,
        farm=farm,
        name="王龙潭紫米",
        name_en="Wanglongtan purple rice",
        origin="江西萍乡",
        storage="阴凉干燥处",
        shelf_life_days=365,
        description="梯田里种的紫米。",
        is_published=True,
    )
    for sku, price, stock in (("WL-1", "39.00", 5), ("WL-5", "168.00", 0)):
        services.create_variant(
            actor=seller_user,
            product=product,
            sku=sku,
            name=f"{sku} bag",
            net_weight_grams=1000,
            price=price,
            stock_quantity=stock,
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.add_product_image(actor=seller_user, product=product, upload=upload(), alt="紫米")
    return product


def make_products(seller, seller_user, category, count, prefix="米"):
    for number in range(count):
        product = services.create_product(
            actor=seller_user,
            seller=seller,
            category=category,
            name=f"{prefix}{number:02d}",
            name_en=f"{prefix} {number:02d}",
            is_published=True,
        )
        services.create_variant(
            actor=seller_user,
            product=product,
            sku=f"{prefix}-{number}",
            name="1 kg",
            net_weight_grams=1000,
            price=f"{10 + number}.00",
            stock_quantity=3,
        )


def names_on(page):
    return re.findall(r'<strong class="name">([^<]*)</strong>', page)


# Rendering, in both languages


@pytest.mark.parametrize("headers", [{}, EN])
def test_every_page_renders_for_anonymous_visitors(rice_product, seller, headers):
    for path in (
        "/",
        "/search/",
        "/c/grain-and-oil/",
        "/c/paddy-rice/",
        f"/p/{rice_product.slug}/",
        f"/s/{seller.slug}/",
        f"/region/{seller.division_code}/",
        "/region/36/",
    ):
        page = text(path, **headers)
        assert rice_product.name in page or "Wanglongtan purple rice" in page, path


def test_english_pages_show_english_names_and_chinese_pages_chinese(rice_product):
    english = text("/", **EN)
    assert "Wanglongtan purple rice" in english
    assert "Grain and oil" in english
    chinese = text("/")
    assert "王龙潭紫米" in chinese
    assert "Wanglongtan purple rice" not in chinese


def test_home_features_pictured_products_and_links_the_villages(rice_product, product, seller):
    page = text("/", **EN)
    featured = page.split('id="featured-heading"')[1].split('id="newest-heading"')[0]
    assert names_on(featured) == ["Wanglongtan purple rice"]  # the other has no picture
    newest = page.split('id="newest-heading"')[1]
    assert set(names_on(newest)) == {"Wanglongtan purple rice", "Wugong purple rice"}
    assert f'href="/region/{seller.division_code}/">王龙潭村' in page
    assert 'href="/c/grain-and-oil/"' in page


def test_featured_puts_poverty_alleviation_households_first(
    rice_product, other_seller, other_seller_user, category, django_capture_on_commit_callbacks
):
    services.update_seller(actor=other_seller_user, seller=other_seller, is_poverty_household=True)
    kiwi = services.create_product(
        actor=other_seller_user,
        seller=other_seller,
        category=category,
        name="红心猕猴桃",
        name_en="Red kiwifruit",
        is_published=True,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.add_product_image(actor=other_seller_user, product=kiwi, upload=upload("k.jpg"))
    page = text("/", **EN)
    featured = page.split('id="featured-heading"')[1].split('id="newest-heading"')[0]
    assert names_on(featured) == ["Red kiwifruit", "Wanglongtan purple rice"]


def test_category_page_lists_its_subcategories_products_and_breadcrumb(rice_product, grain):
    top = text("/c/grain-and-oil/", **EN)
    assert 'href="/c/paddy-rice/">Paddy rice</a>' in top
    assert names_on(top) == ["Wanglongtan purple rice"]  # from the subcategory
    sub = text("/c/paddy-rice/", **EN)
    assert re.search(r'<nav class="crumbs".*href="/c/grain-and-oil/">Grain and oil</a>', sub, re.S)
    assert '<span aria-current="page">Paddy rice</span>' in sub


def test_product_page_shows_variants_origin_seller_farm_and_pictures(rice_product, seller):
    page = text(f"/p/{rice_product.slug}/", **EN)
    assert "¥39.00" in page and "¥168.00" in page
    assert "In stock" in page and "Sold out" in page
    for shown in ("江西萍乡", "阴凉干燥处", "365 days", "梯田里种的紫米。"):
        assert shown in page
    assert f'href="/s/{seller.slug}/">Wugong Mountain Purple Rice Cooperative</a>' in page
    assert '<span class="badge">Verified</span>' in page
    assert "Wanglongtan terraces" in page and "36.50 mu" in page
    assert re.search(
        r'<source type="image/webp" srcset="\S+-256\.webp 256w, \S+-768\.webp 768w"', page
    )
    assert re.search(
        r'<img src="/media/\S+-768\.jpeg" '
        r'width="768" height="576" alt="紫米">',
        page,
    )


def test_product_page_has_open_graph_tags_with_an_absolute_picture(rice_product, settings):
    page = text(f"/p/{rice_product.slug}/", **EN)
    assert '<meta property="og:type" content="product">' in page
    assert '<meta property="og:title" content="Wanglongtan purple rice">' in page
    assert '<meta property="og:description" content="梯田里种的紫米。">' in page
    image = re.search(r'<meta property="og:image" content="([^"]+)">', page).group(1)
    assert image.startswith(settings.PUBLIC_BASE_URL + "/media/") and image.endswith("-768.jpeg")
    canonical = f'<link rel="canonical" href="{settings.PUBLIC_BASE_URL}/p/{rice_product.slug}/">'
    assert canonical in page


def test_seller_page_shows_story_region_verification_farms_and_products(
    rice_product, seller, seller_user
):
    services.update_seller(actor=seller_user, seller=seller, story="我们在山上种米。")
    page = text(f"/s/{seller.slug}/", **EN)
    assert "我们在山上种米。" in page
    assert f"Verified by our staff on {localtime(seller.verified_at):%Y-%m-%d}" in page
    assert "Employs or buys from 12 registered poverty-alleviation households." in page
    assert 'href="/region/360000000000/">江西省</a>' in page
    assert f'href="/region/{seller.division_code}/">王龙潭村</a>' in page
    assert "Wanglongtan terraces" in page
    assert names_on(page) == ["Wanglongtan purple rice"]


def test_region_page_lists_the_sellers_and_products_inside_the_division(
    rice_product, seller, other_seller, other_seller_user, category
):
    make_products(other_seller, other_seller_user, category, 1, prefix="猕猴桃")
    county = text("/region/360323000000/", **EN)
    assert "<h1>芦溪县</h1>" in county
    assert f'href="/s/{seller.slug}/"' in county
    assert f'href="/s/{other_seller.slug}/"' not in county
    assert names_on(county) == ["Wanglongtan purple rice"]
    whole_country_prefix = text("/region/51/", **EN)
    assert names_on(whole_country_prefix) == ["猕猴桃 00"]


# Search and filters


def test_an_empty_search_shows_everything(rice_product, product):
    assert sorted(names_on(text("/search/", **EN))) == [
        "Wanglongtan purple rice",
        "Wugong purple rice",
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=王龙潭", ["Wanglongtan purple rice"]),
        ("q=wugong", ["Wugong purple rice"]),
        ("category=grain-and-oil", ["Wanglongtan purple rice"]),
        ("category=paddy-rice", ["Wanglongtan purple rice"]),
        ("category=rice", ["Wugong purple rice"]),
        ("region=360323203201", ["Wanglongtan purple rice", "Wugong purple rice"]),
        ("region=51", []),
        ("price_min=100", ["Wanglongtan purple rice"]),
        ("price_max=50", ["Wanglongtan purple rice"]),
        ("price_min=50&price_max=100", ["Wugong purple rice"]),
        ("cold_chain=yes", []),
        ("cold_chain=no", ["Wanglongtan purple rice", "Wugong purple rice"]),
        ("sort=name", ["Wugong purple rice", "Wanglongtan purple rice"]),  # 武 < 王
        ("sort=price", ["Wanglongtan purple rice", "Wugong purple rice"]),
        ("sort=price_desc", ["Wugong purple rice", "Wanglongtan purple rice"]),
        ("sort=newest", ["Wanglongtan purple rice", "Wugong purple rice"]),
    ],
)
def test_search_filters_and_sorts_as_the_api_does(product, rice_product, query, expected):
    page = text(f"/search/?{query}", **EN)
    shown = names_on(page)
    assert shown == expected if query.startswith("sort") else sorted(shown) == sorted(expected)


def test_search_keeps_the_filters_in_its_links_and_canonical_link(rice_product, settings):
    page = text("/search/?q=紫米&sort=price&utm_source=chat&cold_chain=&price_min=1", **EN)
    assert (
        '<a href="?q=%E7%B4%AB%E7%B1%B3&amp;price_min=1&amp;sort=newest">Newest first</a>' in page
    )
    assert '<a href="?q=%E7%B4%AB%E7%B1%B3&amp;price_min=1">Name</a>' in page
    assert (
        '<a href="?q=%E7%B4%AB%E7%B1%B3&amp;price_min=1&amp;sort=price" aria-current="true">'
        in page
    )
    assert "Filters (1)" in page
    canonical = re.search(r'<link rel="canonical" href="([^"]+)">', page).group(1)
    assert html.unescape(canonical) == (
        f"{settings.PUBLIC_BASE_URL}/search/?q=%E7%B4%AB%E7%B1%B3&price_min=1&sort=price"
    )
    filters = re.search(r'href="(/search/filters/\?[^"]+)"', page).group(1)
    form = text(html.unescape(filters), **EN)
    assert 'name="q" value="紫米"' in form
    assert 'name="price_min" value="1"' in form
    assert '<option value="price" selected>' in form
    assert '<form class="filters" method="get" action="/search/"' in form


def test_the_filters_page_shows_bad_input_beside_its_field(product):
    page = text("/search/filters/?price_min=abc", status=400, **EN)
    assert 'id="id_price_min_error"' in page


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("q=" + "米" * 101, "q"),
        ("q=%00", "q"),
        ("category=no-such-category", "category"),
        ("category=%00", "category"),
        ("region=12x", "region"),
        ("region=1", "region"),
        ("region=3603232032011", "region"),
        ("price_min=abc", "price_min"),
        ("price_min=-1", "price_min"),
        ("price_min=1e999999", "price_min"),
        ("price_max=99999999999999999999", "price_max"),
        ("price_max=NaN", "price_max"),
        ("price_min=10&price_max=5", "price_max"),
        ("cold_chain=maybe", "cold_chain"),
        ("sort=random", "sort"),
    ],
)
def test_bad_search_input_is_shown_beside_its_field(product, query, field):
    page = text(f"/search/?{query}", status=400, **EN)
    assert f'id="id_{field}_error"' in page
    assert "Correct the filters above to see products." in page
    assert names_on(page) == []


# Keyset pagination


def test_the_next_page_link_walks_the_whole_list_once(seller, seller_user, category):
    make_products(seller, seller_user, category, 30)
    seen, path = [], "/search/?sort=price_desc"
    while path:
        page = text(path, **EN)
        seen += names_on(page)
        found = re.search(r'<a rel="next" href="([^"]+)">', page)
        path = "/search/" + found.group(1).replace("&amp;", "&") if found else None
    assert seen == [f"米 {n:02d}" for n in range(29, -1, -1)]


def test_a_later_page_is_canonical_with_its_cursor_and_links_back(seller, seller_user, category):
    make_products(seller, seller_user, category, 30)
    first = text("/c/rice/", **EN)
    cursor = re.search(r'<a rel="next" href="\?after=([^"]+)">', first).group(1)
    second = text(f"/c/rice/?after={cursor}", **EN)
    assert len(names_on(first)) + len(names_on(second)) == 30
    assert f"/c/rice/?after={cursor}" in re.search(r'rel="canonical" href="([^"]+)"', second)[1]
    assert '<a href="?">First page</a>' in second


@pytest.mark.parametrize(
    "cursor",
    ["not-a-cursor", "%00", "W10=", "WyJ4Il0=", "eyJhIjogMX0=", "A" * 5000, "WyJ4IiwgIngiXQ=="],
)
def test_a_bad_cursor_gives_the_first_page_with_a_notice(rice_product, seller, cursor):
    for path in (
        "/search/",
        "/c/paddy-rice/",
        f"/s/{seller.slug}/",
        f"/region/{seller.division_code}/",
    ):
        page = text(f"{path}?after={cursor}", status=400, **EN)
        assert "That page link is out of date or damaged" in page
        assert names_on(page) == ["Wanglongtan purple rice"]
    page = text(f"/region/36/?sellers_after={cursor}", status=400, **EN)
    assert "That page link is out of date or damaged" in page


def test_a_cursor_from_another_sort_is_refused_not_misread(seller, seller_user, category):
    make_products(seller, seller_user, category, 30)
    by_name = text("/search/", **EN)
    cursor = re.search(r'<a rel="next" href="\?after=([^"]+)">', by_name).group(1)
    page = text(f"/search/?sort=newest&after={cursor}", status=400, **EN)
    assert "That page link is out of date or damaged" in page


# Missing, hidden and hostile


@pytest.mark.parametrize(
    "path",
    [
        "/p/no-such-product/",
        "/s/no-such-seller/",
        "/c/no-such-category/",
        "/region/99/",
        "/region/abc/",
        "/region/1/",
        "/region/3603232032011/",
        "/region/%EF%BC%93%EF%BC%96/",  # full-width digits
        "/p/%00/",
        "/s/a%00b/",
        "/c/" + "x" * 300 + "/",
        "/region/36%00/",
    ],
)
def test_missing_or_malformed_addresses_are_404_pages(db, path):
    assert get(path, **EN).status_code == 404


def test_unpublished_products_and_unverified_sellers_are_hidden_from_anonymous(
    rice_product, seller, seller_user, operator
):
    slug = rice_product.slug
    services.update_product(actor=seller_user, product=rice_product, is_published=False)
    assert get(f"/p/{slug}/").status_code == 404
    assert "王龙潭紫米" not in text("/search/")
    assert "王龙潭紫米" not in text(f"/s/{seller.slug}/")
    owner = Client(HTTP_HOST="127.0.0.1")
    owner.force_login(seller_user)
    assert owner.get(f"/p/{slug}/").status_code == 200

    services.update_product(actor=seller_user, product=rice_product, is_published=True)
    pending = services.create_seller(
        actor=seller_user, **{**_seller_fields(seller), "name": "新合作社", "name_en": ""}
    )
    hidden = services.create_product(
        actor=seller_user, seller=pending, category=rice_product.category, name="未认证的米"
    )
    assert get(f"/p/{hidden.slug}/").status_code == 404
    assert get(f"/s/{pending.slug}/").status_code == 404
    assert "未认证的米" not in text("/search/")


def _seller_fields(seller):
    names = ("kind", "province", "city", "county", "township", "village", "division_code")
    return {name: getattr(seller, name) for name in names}


def test_chinese_slugs_work_in_links(seller, seller_user, operator):
    tea = services.create_category(actor=operator, name="茶叶")
    make_products(seller, seller_user, tea, 1, prefix="茶")
    product = Product.objects.get(name="茶00")
    page = text(f"/c/{quote(tea.slug)}/", **EN)
    assert f'href="/p/{quote(product.slug)}/"' in page
    assert text(f"/p/{quote(product.slug)}/", **EN)


def test_a_portrait_picture_gets_its_own_widths_and_a_new_one_its_original(
    product, seller_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.add_product_image(
            actor=seller_user, product=product, upload=upload("tall.jpg", (1200, 1600)), alt="竖"
        )
    services.add_product_image(actor=seller_user, product=product, upload=upload("new.jpg"))
    page = text(f"/p/{product.slug}/", **EN)
    assert re.search(r'srcset="\S+tall-256\.webp 192w, \S+tall-768\.webp 576w"', page)
    assert re.search(r'<img src="\S+tall-768\.jpeg" width="576" height="768" alt="竖">', page)
    # Its thumbnails are not made yet (the task runs after commit): the upload itself.
    assert re.search(r'<img src="/media/products/\S+new\S*\.jpg" width="1600" height="1200"', page)
