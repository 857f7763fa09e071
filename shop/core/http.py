"""Facts about an HTTP request that several parts of the project need to agree on."""

import ipaddress

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest


def _ip(text: str) -> str | None:
    """The canonical text of an IP address, or None when `text` is not one.

    An IPv4 client seen through a dual-stack socket (`::ffff:192.0.2.1`) is
    given as IPv4, so that it is not counted as part of one IPv6 network.
    """
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped or address)


def client_address(request: HttpRequest) -> str:
    """The address of the client that sent `request`.

    With `TRUSTED_PROXY_HOPS = 0` (the default) this is `REMOTE_ADDR`: any
    `X-Forwarded-For` header is written by the client and ignored. Behind N
    proxies that each append the address they received the request from,
    the Nth address from the right of `X-Forwarded-For` is the one our own
    outermost proxy saw; everything to its left was written by the client.
    When the header holds fewer than N valid entries, `REMOTE_ADDR` is used.

    django-ratelimit uses this function too (`RATELIMIT_IP_META_KEY`).
    """
    hops = settings.TRUSTED_PROXY_HOPS
    if hops > 0:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        entries = [entry for entry in forwarded.split(",") if entry.strip()]
        if len(entries) >= hops:
            address = _ip(entries[-hops])
            if address is not None:
                return address
    address = _ip(request.META.get("REMOTE_ADDR") or "")
    if address is None:
        raise ImproperlyConfigured(
            "The request has no valid REMOTE_ADDR. Behind a proxy that connects "
            "through a Unix socket, set TRUSTED_PROXY_HOPS."
        )
    return address
