"""What the catalogue's pages show of a product or a picture, read in bulk.

Every relation is read through `shop.core.loading` (`related_one`, `variants_of`,
`images_of`, `thumbnails_of`), so a list of any length costs the same few
queries: a list's rows come from `shop.core.keyset.page` or `load_together`.
"""

from dataclasses import dataclass
from decimal import Decimal

from catalog.images import THUMBNAIL_SIZES
from catalog.models import Product, ProductImage, ProductImageThumbnail, Seller
from catalog.selectors import best_thumbnail, images_of, variants_of
from shop.core.loading import related_one
from storefront.templatetags.storefront import localized

WEBP = ProductImageThumbnail.Format.WEBP
JPEG = ProductImageThumbnail.Format.JPEG


@dataclass(frozen=True)
class Picture:
    """A `<picture>`: WebP thumbnails of both sizes for the browser to choose
    from (every current one takes WebP), the largest JPEG for the others, and
    its size so the layout does not jump."""

    webp_srcset: str
    src: str
    width: int
    height: int
    alt: str


def _shown_size(image: ProductImage, box: int) -> tuple[int, int]:
    """The size of `image` fitted into a `box`-pixel square (Pillow's thumbnail)."""
    if not image.width or not image.height:
        return box, box
    scale = min(1.0, box / max(image.width, image.height))
    return max(1, round(image.width * scale)), max(1, round(image.height * scale))


def picture_of(image: ProductImage, alt: str) -> Picture:
    """The picture's thumbnails, or the uploaded file until they are made."""
    webp = []
    for size in THUMBNAIL_SIZES:
        thumbnail = best_thumbnail(image, size, WEBP)
        if thumbnail is not None and thumbnail.size == size:
            webp.append(f"{thumbnail.file.url} {_shown_size(image, size)[0]}w")
    largest = max(THUMBNAIL_SIZES)
    jpeg = best_thumbnail(image, largest, JPEG)
    if jpeg is not None:
        width, height = _shown_size(image, largest)
        src = jpeg.file.url
    else:
        src, width, height = image.image.url, image.width, image.height
    return Picture(", ".join(webp), src, width, height, image.alt or alt)


@dataclass(frozen=True)
class Card:
    """A product in a list: its first picture, seller, lowest price and whether
    any of its variants is in stock."""

    product: Product
    seller: Seller
    picture: Picture | None
    price_from: Decimal | None
    sold_out: bool


def card_of(product: Product) -> Card:
    images = images_of(product)
    variants = variants_of(product)
    return Card(
        product=product,
        seller=related_one(product, "seller"),
        picture=picture_of(images[0], localized(product)) if images else None,
        price_from=min((v.price for v in variants), default=None),
        sold_out=bool(variants) and all(v.stock_quantity <= 0 for v in variants),
    )
