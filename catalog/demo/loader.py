"""Create the demo through the account and catalogue services, skipping what exists.

Records are found again by a natural key (user by email or phone, seller by
member and name, farm and product by seller and name, variant by seller and
SKU, category by slug), so loading twice changes nothing.
"""

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils.text import slugify

from catalog import services
from catalog.demo import data
from catalog.demo.pictures import product_picture
from catalog.models import Category, Farm, Product, ProductVariant, Seller
from shop.accounts.models import User


@dataclass
class Demo:
    operator: User
    members: list[tuple[User, Seller]]  # per demo seller
    products: dict[str, Product]  # by demo product name
    created: Counter[str]


def load_demo() -> Demo:
    """Make sure every demo record exists; return them with counts of what was new."""
    created: Counter[str] = Counter()
    with transaction.atomic():
        operator = _user(
            created,
            {"email": data.OPERATOR["email"]},
            **data.OPERATOR,
            password=data.OPERATOR_PASSWORD,
            is_staff=True,
            is_superuser=True,
        )
        categories = _categories(created, operator)
        members: list[tuple[User, Seller]] = []
        products: dict[str, Product] = {}
        for record in data.SELLERS:
            member = _user(
                created,
                {"phone": record["member"]["phone"]},
                **record["member"],
                password=data.SELLER_PASSWORD,
            )
            seller = _seller(created, operator, member, record["seller"])
            members.append((member, seller))
            farms = {f["name"]: _farm(created, member, seller, f) for f in record["farms"]}
            origin = "".join(
                record["seller"][k] for k in ("province", "city", "county", "township", "village")
            )
            for item in record["products"]:
                products[item["name"]] = _product(
                    created, member, seller, item, categories, farms, origin
                )
    return Demo(operator, members, products, created)


def _user(created: Counter[str], key: dict[str, str], password: str, **fields: Any) -> User:
    user = User.objects.filter(**key).first()
    if user is None:
        user = User.objects.create_user(password=password, **fields)
        created["users"] += 1
    return user


def _categories(created: Counter[str], operator: User) -> dict[str, Category]:
    found: dict[str, Category] = {}
    for name, name_en, parent in data.CATEGORIES:
        category = Category.objects.filter(slug=slugify(name_en, allow_unicode=True)).first()
        if category is None:
            category = services.create_category(
                actor=operator,
                name=name,
                name_en=name_en,
                parent=found.get(parent) if parent else None,
            )
            created["categories"] += 1
        found[name_en] = category
    return found


def _seller(created: Counter[str], operator: User, member: User, fields: dict[str, Any]) -> Seller:
    seller = member.sellers.filter(name=fields["name"]).first()
    if seller is None:
        seller = services.create_seller(actor=member, **fields)
        created["sellers"] += 1
    if not seller.is_verified:
        seller = services.verify_seller(actor=operator, seller=seller)
    return seller


def _farm(created: Counter[str], member: User, seller: Seller, fields: data.FarmRecord) -> Farm:
    farm = seller.farms.filter(name=fields["name"]).first()
    if farm is None:
        farm = services.create_farm(actor=member, seller=seller, **fields)
        created["farms"] += 1
    return farm


def _product(
    created: Counter[str],
    member: User,
    seller: Seller,
    item: data.ProductRecord,
    categories: dict[str, Category],
    farms: dict[str, Farm],
    origin: str,
) -> Product:
    product = Product.objects.filter(seller=seller, name=item["name"]).first()
    if product is None:
        product = services.create_product(
            actor=member,
            seller=seller,
            category=categories[item["category"]],
            farm=farms[item["farm"]],
            name=item["name"],
            name_en=item["name_en"],
            description=item["description"],
            origin=origin,
            storage=item["storage"],
            shelf_life_days=item["shelf_life_days"],
            is_published=True,
        )
        created["products"] += 1
    for position, fields in enumerate(item["variants"]):
        if not ProductVariant.objects.filter(seller=seller, sku=fields["sku"]).exists():
            services.create_variant(actor=member, product=product, sort_order=position, **fields)
            created["variants"] += 1
    if not product.images.exists():
        upload = SimpleUploadedFile(
            f"{product.slug}.jpg", product_picture(product.slug, item["motif"]), "image/jpeg"
        )
        services.add_product_image(
            actor=member, product=product, upload=upload, alt=f"{product.name} ({product.name_en})"
        )
        created["pictures"] += 1
    return product
