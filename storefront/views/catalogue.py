from django.shortcuts import render
from django.urls import path

from catalog.models import ProductImageThumbnail
from catalog.selectors import best_thumbnail, images_of, variants_of, visible_products
from shop.loading import load_together

LISTING_THUMBNAIL = (768, ProductImageThumbnail.Format.WEBP)


def home(request):
    """The newest published products, with mobile-sized pictures."""
    products = visible_products(request.user).order_by("-created_at", "-id")
    cards = []
    for product in load_together(list(products[:24])):
        images = images_of(product)
        picture = None
        if images:
            thumbnail = best_thumbnail(images[0], *LISTING_THUMBNAIL)
            picture = {
                "url": (thumbnail.file if thumbnail else images[0].image).url,
                "alt": images[0].alt or product.name,
            }
        cards.append({"product": product, "picture": picture, "variants": variants_of(product)})
    return render(request, "storefront/home.html", {"cards": cards})


urlpatterns = [
    path("", home, name="home"),
    path("search/", home, name="search"),
]
