"""A cache of whole GraphQL responses for anonymous queries.

What anonymous users can see is public and changes only when the catalogue
does, so a response is keyed by the query, its variables, the language and
a version number that every write to public data bumps (see
`invalidate_public_responses`). Use a shared cache (CACHE_URL=redis://…)
when several processes serve requests, so that a bump reaches all of them;
with the per-process default an entry lives at most PUBLIC_CACHE_SECONDS.
"""

import hashlib
import json
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "public-graphql:version"


def _version():
    version = cache.get(VERSION_KEY)
    if version is None:
        # Start from the clock, so a lost counter never revives old entries.
        cache.add(VERSION_KEY, time.time_ns(), timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def _bump():
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.add(VERSION_KEY, time.time_ns(), timeout=None)


def invalidate_public_responses():
    """Forget every cached public response, now and again after commit.

    The second bump drops what a concurrent reader cached from the old
    rows between the first bump and the commit.
    """
    _bump()
    transaction.on_commit(_bump)


def cache_key(query, variables, operation_name, language):
    payload = json.dumps([query, variables, operation_name, language], sort_keys=True)
    digest = hashlib.sha256(payload.encode()).hexdigest()
    return f"public-graphql:{_version()}:{digest}"


def get(key):
    if settings.PUBLIC_CACHE_SECONDS <= 0:
        return None
    return cache.get(key)


def put(key, body):
    if settings.PUBLIC_CACHE_SECONDS > 0:
        cache.set(key, body, timeout=settings.PUBLIC_CACHE_SECONDS)
