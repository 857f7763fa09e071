"""The provenance page's "buy" link leads to a product that can be bought: its
page offers each variant with a quantity and "add to cart"."""

import re

from django.test import Client


def test_the_provenance_page_leads_to_a_page_that_adds_to_the_cart(rice_batches, rice):
    old, _new = rice_batches
    html = Client().get(f"/t/{old.code}", HTTP_ACCEPT="text/html").content.decode()
    (href,) = re.findall(r'<a href="([^"]+)">(?:购买此商品|Buy this product)</a>', html)
    product = Client().get(href).content.decode()
    assert 'action="/cart/add/"' in product and f'value="{rice.pk}"' in product
    confirm = Client().get(f"/cart/add/?variant={rice.pk}&quantity=2")
    assert confirm.status_code == 200 and 'method="post"' in confirm.content.decode()
