"""A cache of whole GraphQL responses for anonymous queries.

What anonymous users see is public, so a response is keyed by the query, its
variables and the language. Resolvers `tag` what they show (see
`shop.cache_tags`); a write bumps the tags it affects after commit, which
makes only the responses showing them stale. Every entry also expires after
PUBLIC_CACHE_SECONDS, the most that data changed without a bump (stock that
neither sells out nor comes back) can lag. Use a shared cache
(CACHE_URL=redis://…) when several processes serve requests, so that a bump
reaches all of them.
"""

import hashlib
import json
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from shop import cache_tags


def cache_key(
    query: str, variables: dict[str, Any] | None, operation_name: str | None, language: str
) -> str:
    payload = json.dumps([query, variables, operation_name, language], sort_keys=True)
    return "public-graphql:" + hashlib.sha256(payload.encode()).hexdigest()


def start(request: HttpRequest) -> None:
    """Collect the tags of what this request's resolvers show."""
    request.public_cache_tags = set()  # type: ignore[attr-defined]
    request.public_cache_started = cache_tags.clock()  # type: ignore[attr-defined]


def tag(request: HttpRequest, *tags: str) -> None:
    """Record that this response shows `tags` (nothing unless it may be cached)."""
    collected = getattr(request, "public_cache_tags", None)
    if collected is not None:
        collected.update(tags)


def get(key: str) -> Any:
    if settings.PUBLIC_CACHE_SECONDS <= 0:
        return None
    entry = cache.get(key)
    if entry is None:
        return None
    body, stored = entry
    return body if cache_tags.versions(stored) == stored else None


def put(key: str, request: HttpRequest, body: Any) -> None:
    """Store `body` unless something it shows changed while it was computed."""
    if settings.PUBLIC_CACHE_SECONDS <= 0:
        return
    current = cache_tags.versions(request.public_cache_tags)  # type: ignore[attr-defined]
    if not cache_tags.changed_since(current, request.public_cache_started):  # type: ignore[attr-defined]
        cache.set(key, (body, current), timeout=settings.PUBLIC_CACHE_SECONDS)
