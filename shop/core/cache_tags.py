"""Tagged versions for cached public content.

A cached response remembers the tags of what it shows ("catalog:product:4",
"catalog:products") with their versions when it was stored; a write bumps the
tags it affects after its transaction commits, which makes exactly the
responses showing them stale. Versions come from one shared clock, so a
reader can tell that something it may have read changed while it worked
(`changed_since`). Keep the tags in the same cache as the entries: a lost
cache loses both together.

The clock moves once more after a bump's versions are written, so a process
that read it before then sees it move: while it stands still, no tag has been
bumped since, which lets a process trust what it validated at that reading
(`recent_clock`; `shop.core.public_cache` keeps copies of lasting answers so).
"""

import logging
import threading
import time
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from shop.core.redis_cache import on_recovery

logger = logging.getLogger(__name__)
CLOCK_KEY = "cache-tags:clock"
Versions = dict[str, int]


def _key(tag: str) -> str:
    return f"cache-tags:v:{tag}"


def _keep_seconds() -> int:
    """A bumped version outlives every entry stored before the bump, so that an
    entry stored while a tag had no version never matches again."""
    return max(2 * settings.PUBLIC_CACHE_SECONDS, 2 * settings.PUBLIC_CACHE_LASTING_SECONDS, 60)


class CacheAway(ValueError):
    """The shared clock cannot be read: the cache is away (`shop.core.redis_cache`)."""


def clock() -> int:
    value = cache.get(CLOCK_KEY)
    if value is None:
        # Start from the time, so a lost clock never goes back to a used value.
        cache.add(CLOCK_KEY, time.time_ns(), timeout=None)
        value = cache.get(CLOCK_KEY)
    if value is None:
        raise CacheAway(CLOCK_KEY)
    return int(value)


_read: tuple[float, int] | None = None  # (time.monotonic() of the reading, the clock)
_read_lock = threading.Lock()


def recent_clock(max_age: float) -> int:
    """The clock as read at most `max_age` seconds ago by this process; it moved
    since if any tag was bumped, in any process, after that reading."""
    global _read
    now = time.monotonic()
    with _read_lock:
        if _read is None or now - _read[0] > max_age:
            _read = (now, clock())
        return _read[1]


def forget_recent_clock() -> None:
    """Read the clock again next time (after this process's own bump, in tests)."""
    global _read
    with _read_lock:
        _read = None


def versions(tags: Iterable[str]) -> Versions:
    """The current version of each tag; 0 for one never bumped (or forgotten)."""
    tags = list(tags)
    found = cache.get_many([_key(tag) for tag in tags])
    return {tag: int(found.get(_key(tag), 0)) for tag in tags}


def get_with_versions(key: str, tags: Iterable[str]) -> tuple[Any, Versions]:
    """`cache.get(key)` and `versions(tags)` in one round trip to the cache."""
    tags = list(tags)
    found = cache.get_many([key, *(_key(tag) for tag in tags)])
    return found.get(key), {tag: int(found.get(_key(tag), 0)) for tag in tags}


def changed_since(current: Versions, started: int) -> bool:
    return any(version > started for version in current.values())


def bump(tags: Iterable[str]) -> None:
    """Make every entry showing one of `tags` stale, now. With the cache away,
    the tags are remembered and bumped again as soon as it answers (entries
    stored before the outage must not outlive it)."""
    tags = set(tags)
    if not tags:
        return
    try:
        clock()
        version = cache.incr(CLOCK_KEY)
        cache.set_many({_key(tag): version for tag in tags}, timeout=_keep_seconds())
        cache.incr(CLOCK_KEY)  # see the module's docstring
    except ValueError:  # the clock could not be counted: the cache is away
        _remember(tags)
    forget_recent_clock()


_unbumped: set[str] = set()
_unbumped_overflow = False  # more than UNBUMPED_MAX: drop every cached answer instead
_unbumped_lock = threading.Lock()
UNBUMPED_MAX = 10_000


def _remember(tags: set[str]) -> None:
    global _unbumped_overflow
    with _unbumped_lock:
        _unbumped.update(tags)
        if len(_unbumped) > UNBUMPED_MAX:
            _unbumped.clear()
            _unbumped_overflow = True
    logger.warning("cache away: not invalidated yet: %s", ", ".join(sorted(tags)))


def _bump_remembered() -> None:
    """After an outage, bump what could not be bumped during it."""
    global _unbumped_overflow
    with _unbumped_lock:
        tags, overflow = set(_unbumped), _unbumped_overflow
        _unbumped.clear()
        _unbumped_overflow = False
    if overflow:
        cache.clear()
    elif tags:
        bump(tags)


on_recovery(_bump_remembered)


def invalidate(*tags: str) -> None:
    """Bump `tags` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: bump(tags))
