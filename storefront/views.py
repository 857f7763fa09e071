from django.shortcuts import render

from catalog.models import ProductImageThumbnail
from catalog.selectors import best_thumbnail, prefetch_for_listing, visible_products

LISTING_THUMBNAIL = (768, ProductImageThumbnail.Format.WEBP)


def home(request):
    """The newest published products, with mobile-sized pictures."""
    products = prefetch_for_listing(visible_products(request.user)).order_by("-created_at", "-id")
    cards = []
    for product in products[:24]:
        images = product.images.all()
        picture = None
        if images:
            thumbnail = best_thumbnail(images[0], *LISTING_THUMBNAIL)
            picture = {
                "url": (thumbnail.file if thumbnail else images[0].image).url,
                "alt": images[0].alt or product.name,
            }
        cards.append({"product": product, "picture": picture})
    return render(request, "storefront/home.html", {"cards": cards})
