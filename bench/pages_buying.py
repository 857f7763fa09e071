"""The buying pages' state for bench/pages.py, made through the pages themselves
(Django's test client, in the server's environment and database): prints, as
JSON, the session cookies and paths Lighthouse needs.

- a guest's cart with 2 lines from 2 sellers, delivery to a home address
  chosen: its cookie opens the cart, the checkout and the payment pages;
- a second guest's cart paid with the test gateway: the order's page by its token;
- the seller of the first line, signed in: its orders page.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.test import Client  # noqa: E402

from catalog.models import ProductVariant  # noqa: E402
from catalog.selectors import visible_products  # noqa: E402

HOME = {"recipient": "王小明", "address": "山村路 1 号", "division_code": "360323100000"}


def two_sellers():
    """A variant of each of the first two sellers, neither needing the cold chain."""
    variants = (
        ProductVariant.objects.filter(
            product__in=visible_products(AnonymousUser()), cold_chain=False, stock_quantity__gt=5
        )
        .select_related("seller", "product")
        .order_by("seller_id", "pk")
    )
    chosen = {}
    for variant in variants:
        chosen.setdefault(variant.seller_id, variant)
        if len(chosen) == 2:
            return list(chosen.values())
    raise SystemExit("fewer than two sellers with a variant for sale")


def client():
    return Client(SERVER_NAME="127.0.0.1", HTTP_HOST="127.0.0.1")


def ok(response, expected=(200, 302)):
    if response.status_code not in expected:
        raise SystemExit(f"{response.request['PATH_INFO']}: HTTP {response.status_code}")
    return response


def cart_with_delivery(variants):
    buyer = client()
    for variant in variants:
        ok(buyer.post("/cart/add/", {"variant": variant.pk, "quantity": 1}))
    form = {"delivery": "home", "phone": "", "email": "guest@example.com", **HOME}
    answer = ok(buyer.post("/checkout/", form))
    if answer.status_code != 302:
        raise SystemExit(f"/checkout/ refused the delivery: {answer.content[:2000]!r}")
    return buyer


def main():
    variants = two_sellers()
    buyer = cart_with_delivery(variants)
    cart = ok(buyer.get("/cart/")).content.decode()
    if not all(v.seller.name in cart and v.product.name in cart for v in variants):
        raise SystemExit("the cart page does not show both sellers' lines")
    payer = cart_with_delivery(variants)
    page = ok(payer.get("/checkout/pay/")).content.decode()
    submission = re.search(r'name="submission" value="([^"]+)"', page)
    paid = ok(
        payer.post(
            "/checkout/pay/",
            {"gateway": "test", "scenario": "succeed", "submission": submission[1]},
        )
    )
    order = paid.get("Location", "")
    if not order.startswith("/orders/"):
        raise SystemExit(f"no order placed: {paid.status_code} {paid.content[:2000]!r}")
    seller = client()
    member = variants[0].seller.members.first()
    seller.force_login(member)
    name = settings.SESSION_COOKIE_NAME
    print(
        json.dumps(
            {
                "buyer_cookie": f"{name}={buyer.cookies[name].value}",
                "seller_cookie": f"{name}={seller.cookies[name].value}",
                "order": order,
                "seller_orders": f"/shop/{variants[0].seller_id}/orders/",
            }
        )
    )


if __name__ == "__main__":
    main()
