"""Helpers for the workbench tests: a browser signed in as someone, the one-time
token of a form page, and what a page says beside a field."""

import re
from html import unescape

from django.test import Client

from catalog.models import Farm, Product, ProductImage, ProductVariant, Seller


def browser(user=None):
    """An English-speaking browser (UI strings are asserted in English), signed in as `user`."""
    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def token(client, url):
    """The one-time submission token of the form on the page at `url`."""
    page = client.get(url)
    assert page.status_code == 200
    return re.search(r'name="submission" value="([^"]+)"', page.content.decode()).group(1)


def field_errors(response, field_id):
    """The error texts shown beside the field whose id is `field_id`."""
    html = response.content.decode()
    found = re.search(
        rf'<div class="error" id="{re.escape(field_id)}_error"[^>]*>(.*?)</div>', html, re.S
    )
    assert found, f"no error beside {field_id}"
    assert re.search(rf'aria-describedby="[^"]*\b{re.escape(field_id)}_error\b', html)
    return [unescape(p) for p in re.findall(r"<p>(.*?)</p>", found.group(1), re.S)]


def catalogue_rows():
    """Every row the workbench can write: a refused form must leave them as they were."""
    return [
        list(model.objects.order_by("pk").values())
        for model in (Seller, Seller.members.through, Farm, Product, ProductVariant, ProductImage)
    ]
