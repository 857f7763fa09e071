"""A cache of whole public responses, tag-versioned: what anonymous users see.

What anonymous users see is public, so a response can be shared by everyone
who asks the same thing in the same language; the caller builds the key from
that (`cache_key`). While a response is computed, the code that reads data
`tag`s what it shows (see `shop.cache_tags`); a write bumps the tags it
affects after commit, which makes only the responses showing them stale.
Every entry also expires after PUBLIC_CACHE_SECONDS, the most that data
changed without a bump (stock that neither sells out nor comes back) can lag.
Use a shared cache (CACHE_URL=redis://…) when several processes serve
requests, so that a bump reaches all of them.

Used by the GraphQL view (`shop.api.public_cache`) and the pages
(`storefront.page_cache`).
"""

import hashlib
import json
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from shop import cache_tags


def enabled() -> bool:
    return settings.PUBLIC_CACHE_SECONDS > 0


def cache_key(namespace: str, *parts: Any) -> str:
    """A fixed-length key for the JSON-serialisable `parts` under `namespace`."""
    payload = json.dumps(parts, sort_keys=True)
    return f"{namespace}:" + hashlib.sha256(payload.encode()).hexdigest()


def start(request: HttpRequest) -> None:
    """Collect the tags of what this request shows."""
    request.public_cache_tags = set()  # type: ignore[attr-defined]
    request.public_cache_started = cache_tags.clock()  # type: ignore[attr-defined]


def tag(request: HttpRequest, *tags: str) -> None:
    """Record that this response shows `tags` (nothing unless it may be cached)."""
    collected = getattr(request, "public_cache_tags", None)
    if collected is not None:
        collected.update(tags)


def get(key: str) -> Any:
    if not enabled():
        return None
    entry = cache.get(key)
    if entry is None:
        return None
    body, stored = entry
    return body if cache_tags.versions(stored) == stored else None


def put(key: str, request: HttpRequest, body: Any) -> None:
    """Store `body` unless something it shows changed while it was computed."""
    if not enabled():
        return
    current = cache_tags.versions(request.public_cache_tags)  # type: ignore[attr-defined]
    if not cache_tags.changed_since(current, request.public_cache_started):  # type: ignore[attr-defined]
        cache.set(key, (body, current), timeout=settings.PUBLIC_CACHE_SECONDS)
