"""The project's Redis cache for the test settings: one prefix per test process.

pytest-xdist's workers share one Redis database, each under its own KEY_PREFIX
(tests/settings.py); Django's `clear()` would flush the whole database, the
other workers' cache, throttle counts and scan buffers included, so here it
deletes this prefix's keys only.
"""

from shop.core.redis_cache import RedisCache


class WorkerRedisCache(RedisCache):
    def clear(self):
        client = self._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{self.key_prefix}:*", count=1000))
        if keys:
            client.unlink(*keys)
        return True
