"""A large synthetic catalogue for benchmarks, written with bulk_create.

Services create one row at a time; at tens of thousands of products that is
too slow, so this module writes rows directly and keeps their rules itself:
unique slugs, each variant's seller is its product's, SKUs unique per seller,
positive prices. Every run adds new products (slugs and SKUs carry a random
run token).
"""

import secrets
from decimal import Decimal
from typing import NamedTuple

from django.db import transaction
from tqdm import tqdm

from catalog.cache import PRODUCT_LIST
from catalog.models import Product, ProductVariant
from shop.core.cache_tags import invalidate

BATCH_SIZE = 2000

# (word in the name, English word, demo product copied for seller, category,
# farm and prices). Exactly one word contains 紫米, so a search for it
# matches a tenth of the synthetic products.
TEMPLATES = [
    ("紫米", "purple rice", "武功山紫米"),
    ("云雾绿茶", "cloud-mist green tea", "武功山云雾绿茶"),
    ("高山红茶", "highland black tea", "武功山高山红茶"),
    ("黄牛肉", "yellow-cattle beef", "武功山黄牛肉"),
    ("山羊肉", "goat meat", "武功山山羊肉"),
    ("散养土鸡", "free-range chicken", "王龙潭散养土鸡"),
    ("土鸡蛋", "free-range eggs", "王龙潭土鸡蛋"),
    ("红心猕猴桃", "red-heart kiwifruit", "苍溪红心猕猴桃"),
    ("雪梨", "snow pears", "苍溪雪梨"),
    ("明前毛尖", "pre-Qingming maojian", "九宫山明前毛尖"),
]
GRADES = [("特级", "Premium"), ("精选", "Select"), ("农家", "Farmhouse"), ("高山", "Highland")]
PACKS = ((1, Decimal("1.00")), (2, Decimal("0.95")), (4, Decimal("0.90")))  # (units, price factor)


class Template(NamedTuple):
    word: str
    word_en: str
    product: Product
    variant: ProductVariant


def add_synthetic_products(
    demo_products: dict[str, Product], count: int, *, progress: bool = True
) -> None:
    """Add `count` published products with three variants each, in batches of BATCH_SIZE."""
    run = secrets.token_hex(4)
    templates: list[Template] = []
    for word, word_en, name in TEMPLATES:
        product = demo_products[name]
        templates.append(
            Template(word, word_en, product, product.variants.order_by("sort_order", "id")[0])
        )
    with tqdm(total=count, unit=" products", disable=not progress) as bar:
        for start in range(1, count + 1, BATCH_SIZE):
            rows = [
                (n, templates[n % len(templates)])
                for n in range(start, min(start + BATCH_SIZE, count + 1))
            ]
            with transaction.atomic():
                products = Product.objects.bulk_create(
                    [_product(n, run, template) for n, template in rows]
                )
                ProductVariant.objects.bulk_create(
                    [
                        variant
                        for (n, template), product in zip(rows, products, strict=True)
                        for variant in _variants(n, run, product, template.variant)
                    ],
                    batch_size=BATCH_SIZE * len(PACKS),
                )
            bar.update(len(rows))
    invalidate(PRODUCT_LIST)


def _product(n: int, run: str, template: Template) -> Product:
    grade, grade_en = GRADES[n // len(TEMPLATES) % len(GRADES)]
    model = template.product
    return Product(
        seller_id=model.seller_id,
        category_id=model.category_id,
        farm_id=model.farm_id,
        name=f"{grade}{template.word} {n}号",
        name_en=f"{grade_en} {template.word_en} no. {n}",
        slug=f"synthetic-{n}-{run}",
        description=model.description,
        origin=model.origin,
        storage=model.storage,
        shelf_life_days=model.shelf_life_days,
        is_published=True,
    )


def _variants(n: int, run: str, product: Product, model: ProductVariant) -> list[ProductVariant]:
    """Packs of one, two and four of a demo variant, a little cheaper per unit in bigger packs."""
    markup = Decimal(100 + n % 21 - 10) / 100  # prices spread ±10 %
    return [
        ProductVariant(
            product_id=product.pk,
            seller_id=product.seller_id,
            sku=f"SYN-{run}-{n}-{units}",
            name=model.name if units == 1 else f"{units} × {model.name}",
            net_weight_grams=model.net_weight_grams * units,
            price=(model.price * units * factor * markup).quantize(Decimal("0.01")),
            stock_quantity=(n * 7 + units) % 500,
            cold_chain=model.cold_chain,
            sort_order=position,
        )
        for position, (units, factor) in enumerate(PACKS)
    ]
