"""Django's Redis cache backend with short timeouts, a circuit breaker and one
client per connection pool.

The cache is an accelerator, never a dependency of a read. Every command has
a short timeout (`CACHE_TIMEOUT_SECONDS`) and no retries; after a failure the
process stops asking Redis for `CACHE_RETRY_SECONDS` (the breaker is open), so
a Redis that is down or frozen costs one short wait, not one per request.
While it is open:

- `RedisCache` (the response cache, `default`) answers as if empty: a read
  misses, a write is skipped. Pages and the API answer from the database.
- `LimitsRedisCache` (`limits`: rate-limit counters and locks) fails closed:
  it never answers a count, so django-ratelimit limits (`shop.core.throttling`).

The first command after the pause pings Redis; when it answers the breaker
closes and the callbacks of `on_recovery` run before that command does (cache
tags that could not be bumped while Redis was away are bumped then, so no
answer cached before the outage outlives it: `shop.core.cache_tags`).

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` around the
pool for every cache operation, and building one costs more than a round trip
to a local Redis (it fills a table of about 170 response callbacks). A
`redis.Redis` is safe to share between threads (each command takes a
connection from the pool), so this backend builds one per pool and keeps it.
`CACHE_URL=redis://…` and `LIMITS_CACHE_URL` select them (shop/settings.py).
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis import ConnectionPool, Redis
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

logger = logging.getLogger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class Breaker:
    """Whether this process may ask one Redis now. Shared by the threads of a
    process (Django gives each thread its own backend object)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._open_until = 0.0
        self._failed = False
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        return time.monotonic() < self._open_until

    @property
    def degraded(self) -> bool:
        """Failed last time it was asked (open, or waiting for its next try)."""
        return self._failed

    def failed(self, error: BaseException) -> None:
        with self._lock:
            first = not self._failed
            self._failed = True
            self._open_until = time.monotonic() + settings.CACHE_RETRY_SECONDS
        if first:
            logger.warning("cache %s unreachable (%s): answering without it", self.name, error)

    def succeeded(self) -> None:
        if not self._failed:
            return
        with self._lock:
            recovered, self._failed, self._open_until = self._failed, False, 0.0
        if recovered:
            logger.warning("cache %s reachable again", self.name)
            for callback in list(_recovery_callbacks):
                try:
                    callback()
                except Exception:
                    logger.exception("after the cache %s came back", self.name)


_breakers: dict[str, Breaker] = {}
_breakers_lock = threading.Lock()
_recovery_callbacks: list[Callable[[], None]] = []


def breaker(name: str) -> Breaker:
    with _breakers_lock:
        return _breakers.setdefault(name, Breaker(name))


def on_recovery(callback: Callable[[], None]) -> None:
    """Run `callback` in this process whenever a cache's Redis answers again."""
    if callback not in _recovery_callbacks:
        _recovery_callbacks.append(callback)


def degraded() -> list[str]:
    """The caches this process found unreachable the last time it asked."""
    return sorted(name for name, each in list(_breakers.items()) if each.degraded)


class ReusingRedisCacheClient(RedisCacheClient):
    if TYPE_CHECKING:
        # Django's own (private) members this client builds on; its stubs leave them out.
        _client: type[Redis]

        def _get_connection_pool(self, write: bool) -> ConnectionPool: ...

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[ConnectionPool, Redis] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Redis:
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


def _redacted(server: str | list[str]) -> str:
    """The cache's Redis, for logs, without a password."""
    first = server if isinstance(server, str) else server[0]
    parts = urlsplit(first.split(",")[0])
    return f"{parts.hostname}:{parts.port or 6379}{parts.path}"


class _Unavailable(Exception):
    """The breaker is open: Redis is not asked."""


class RedisCache(DjangoRedisCache):
    """The response cache: with Redis away, every read misses and every write is skipped."""

    if TYPE_CHECKING:
        _cache: ReusingRedisCacheClient  # Django's cached property; its stubs leave it out

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        timeout = settings.CACHE_TIMEOUT_SECONDS
        options = {
            "socket_connect_timeout": timeout,
            "socket_timeout": timeout,
            "retry": Retry(NoBackoff(), 0),
            **params.get("OPTIONS", {}),
        }
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusingRedisCacheClient
        self.breaker = breaker(_redacted(server))

    def reachable(self) -> bool:
        """Ask Redis now (unless the breaker is open): /healthz uses it."""
        return bool(self._soft(lambda: self._cache.get_client().ping(), False))

    def _guarded(self, call: Callable[[], Any]) -> Any:
        if self.breaker.is_open:
            raise _Unavailable
        try:
            if self.breaker.degraded:  # back from an outage: recover before any read
                self._cache.get_client().ping()
                self.breaker.succeeded()
            return call()
        except UNREACHABLE as error:
            self.breaker.failed(error)
            raise _Unavailable from error

    def _soft(self, call: Callable[[], Any], fallback: Any) -> Any:
        try:
            return self._guarded(call)
        except _Unavailable:
            return fallback

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._soft(lambda: super(RedisCache, self).get(key, default, version), default)

    def get_many(self, keys: Any, version: Any = None) -> dict[Any, Any]:
        return self._soft(lambda: super(RedisCache, self).get_many(keys, version), {})

    def has_key(self, key: Any, version: Any = None) -> bool:
        return self._soft(lambda: super(RedisCache, self).has_key(key, version), False)

    def add(self, key: Any, value: Any, timeout: Any = None, version: Any = None) -> bool:
        call = lambda: super(RedisCache, self).add(key, value, timeout, version)  # noqa: E731
        return self._soft(call, False)

    def set(self, key: Any, value: Any, timeout: Any = None, version: Any = None) -> None:
        self._soft(lambda: super(RedisCache, self).set(key, value, timeout, version), None)

    def set_many(self, data: Any, timeout: Any = None, version: Any = None) -> list[Any]:
        return self._soft(lambda: super(RedisCache, self).set_many(data, timeout, version), [])

    def touch(self, key: Any, timeout: Any = None, version: Any = None) -> bool:
        return self._soft(lambda: super(RedisCache, self).touch(key, timeout, version), False)

    def delete(self, key: Any, version: Any = None) -> bool:
        return self._soft(lambda: super(RedisCache, self).delete(key, version), False)

    def delete_many(self, keys: Any, version: Any = None) -> None:
        self._soft(lambda: super(RedisCache, self).delete_many(keys, version), None)

    def clear(self) -> None:
        self._soft(lambda: super(RedisCache, self).clear(), None)

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        """Like a missing key (ValueError) while Redis is away: nothing is counted."""
        try:
            return self._guarded(lambda: super(RedisCache, self).incr(key, delta, version))
        except _Unavailable as unavailable:
            raise ValueError(f"cache unavailable: {key!r} not counted") from unavailable


class LimitsRedisCache(RedisCache):
    """Rate-limit counters and locks: while Redis is away nothing is counted and
    no count is read (None whatever the default), so every limit holds."""

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._soft(lambda: super(RedisCache, self).get(key, default, version), None)
