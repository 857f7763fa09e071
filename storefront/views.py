from django.shortcuts import render

from catalog.selectors import prefetch_for_listing, visible_products


def home(request):
    """The newest published products; the full storefront grows from here."""
    products = prefetch_for_listing(visible_products(request.user)).order_by("-created_at", "-id")
    return render(request, "storefront/home.html", {"products": products[:24]})
