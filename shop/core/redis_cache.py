"""Django's Redis cache backend, with one client per connection pool.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` around the
pool for every cache operation, and building one costs more than a round trip
to a local Redis (it fills a table of about 170 response callbacks). A
`redis.Redis` is safe to share between threads (each command takes a
connection from the pool), so this backend builds one per pool and keeps it.
`CACHE_URL=redis://…` selects it (shop/settings.py).
"""

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(
                connection_pool=self._get_connection_pool(index)
            )
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
