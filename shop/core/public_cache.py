"""A cache of whole public responses, tag-versioned: what anonymous users see.

What anonymous users see is public, so a response can be shared by everyone
who asks the same thing in the same language; the caller builds the key from
that (`cache_key`). While a response is computed, the code that reads data
`tag`s what it shows (see `shop.core.cache_tags`); a write bumps the tags it
affects after commit, which makes only the responses showing them stale.
Every entry also expires after PUBLIC_CACHE_SECONDS, the most that data
changed without a bump (stock that neither sells out nor comes back) can lag.
Use a shared cache (CACHE_URL=redis://…) when several processes serve
requests, so that a bump reaches all of them. Each process remembers the
tags of the entries it read most recently (`LOCAL_ENTRIES`), so a hit reads
the entry and its tags' versions in one round trip to the shared cache; the
entry itself always comes from there.

Answers whose every change bumps a tag (nothing they show changes silently)
may be kept longer: `put(..., lasting=True)` keeps them
PUBLIC_CACHE_LASTING_SECONDS, and `get(..., lasting=True)` serves the copy
this process validated most recently (`LOCAL_COPIES` of them) while the tags'
shared clock stands still, read at most every `CLOCK_READ_SECONDS`: a bump in
any process reaches every other within that time, and a hit in between costs
no round trip (see `shop.core.cache_tags`).

Used by the GraphQL view (`shop.core.api.public_cache`) and the pages
(`storefront.page_cache`).
"""

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, QueryDict

from shop.core import cache_tags


def enabled() -> bool:
    return settings.PUBLIC_CACHE_SECONDS > 0


def cache_key(namespace: str, *parts: Any) -> str:
    """A fixed-length key for the JSON-serialisable `parts` under `namespace`."""
    payload = json.dumps(parts, sort_keys=True)
    return f"{namespace}:" + hashlib.sha256(payload.encode()).hexdigest()


def keep_only(request: HttpRequest, names: Iterable[str]) -> None:
    """Make `request` as if its query held only `names`, in name order: all a
    shared answer may depend on."""
    kept = QueryDict(mutable=True)
    for name in sorted(set(names)):
        if name in request.GET:
            kept.setlist(name, request.GET.getlist(name))
    set_query(request, kept.urlencode())


def set_query(request: HttpRequest, query: str) -> None:
    """Make `request` as if its query string were `query`."""
    request.META["QUERY_STRING"] = query
    request.GET = QueryDict(query)


def start(request: HttpRequest) -> None:
    """Collect the tags of what this request shows (nothing while the cache is
    away: its answer is not stored)."""
    try:
        started = cache_tags.clock()
    except cache_tags.CacheAway:
        return
    request.public_cache_tags = set()  # type: ignore[attr-defined]
    request.public_cache_started = started  # type: ignore[attr-defined]


def skip(request: HttpRequest) -> None:
    """Never store this response: it shows what only its bearer may see (a cart
    or an order reached by its unguessable token), which no tag follows."""
    for name in ("public_cache_tags", "public_cache_started"):
        request.__dict__.pop(name, None)


def tag(request: HttpRequest, *tags: str) -> None:
    """Record that this response shows `tags` (nothing unless it may be cached)."""
    collected = getattr(request, "public_cache_tags", None)
    if collected is not None:
        collected.update(tags)


class _Recent:
    """The `size` entries a process used most recently, shared by its threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: str, value: Any) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


LOCAL_ENTRIES = 4096
LOCAL_COPIES = 2048
CLOCK_READ_SECONDS = 0.1
_tags_of = _Recent(LOCAL_ENTRIES)  # key → the tags its entry was stored with
_copies = _Recent(LOCAL_COPIES)  # key → (lasting body, the clock it was valid at)


def forget_local() -> None:
    """Drop what this process remembers (tests that clear the shared cache)."""
    _tags_of.clear()
    _copies.clear()
    cache_tags.forget_recent_clock()


def _shared_get(key: str) -> Any:
    tags = _tags_of.get(key)
    if tags is None:
        entry, current = cache.get(key), None
    else:
        entry, current = cache_tags.get_with_versions(key, tags)
    if entry is None:
        return None
    body, stored = entry
    if current is None or set(current) != set(stored):
        _tags_of.put(key, sorted(stored))
        current = cache_tags.versions(stored)
    return body if current == stored else None


def get(key: str, *, lasting: bool = False) -> Any:
    """The body stored under `key` if nothing it shows changed since, else None;
    `lasting`: it was stored so, and this process's copy may serve it."""
    if not enabled():
        return None
    if not lasting:
        return _shared_get(key)
    try:
        clock = cache_tags.recent_clock(CLOCK_READ_SECONDS)
    except cache_tags.CacheAway:
        return None  # this process's copies may be stale: answer from the database
    copy = _copies.get(key)
    if copy is not None and copy[1] == clock:
        return copy[0]
    body = _shared_get(key)  # validated after `clock` was read
    if body is not None:
        _copies.put(key, (body, clock))
    return body


def put(key: str, request: HttpRequest, body: Any, *, lasting: bool = False) -> None:
    """Store `body` unless something it shows changed while it was computed;
    `lasting`: every change to what it shows bumps one of its tags."""
    if not enabled() or not hasattr(request, "public_cache_started"):
        return
    current = cache_tags.versions(request.public_cache_tags)  # type: ignore[attr-defined]
    if not cache_tags.changed_since(current, request.public_cache_started):
        seconds = (
            settings.PUBLIC_CACHE_LASTING_SECONDS if lasting else settings.PUBLIC_CACHE_SECONDS
        )
        cache.set(key, (body, current), timeout=seconds)
        _tags_of.put(key, sorted(current))
