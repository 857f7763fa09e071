"""Django's Redis cache backend, with one client per connection pool.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` around the
pool for every cache operation, and building one costs more than a round trip
to a local Redis (it fills a table of about 170 response callbacks). A
`redis.Redis` is safe to share between threads (each command takes a
connection from the pool), so this backend builds one per pool and keeps it.
`CACHE_URL=redis://…` selects it (shop/settings.py).
"""

from typing import TYPE_CHECKING, Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis import ConnectionPool, Redis


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


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
