"""The Redis cache backend that keeps one client per pool (shop/core/redis_cache.py)."""

from django.conf import settings

from shop.core.redis_cache import RedisCache
from tests.helpers.services import skip_unless


def redis_cache():
    config = settings.CACHES["default"]
    # CACHE_URL=redis://… selects this backend (shop/settings.py); CI sets it.
    skip_unless(config["BACKEND"].endswith("RedisCache"), "needs CACHE_URL=redis://…")
    return RedisCache(config["LOCATION"], {"KEY_PREFIX": "test-redis-cache"})


def test_the_backend_builds_one_client_and_reuses_it():
    cache = redis_cache()
    cache.set("answer", {"code": "ZM2026"}, timeout=30)
    client = cache._cache.get_client()
    assert cache.get("answer") == {"code": "ZM2026"}
    assert cache.get_many(["answer", "absent"]) == {"answer": {"code": "ZM2026"}}
    assert cache._cache.get_client() is client
    assert cache._cache.get_client(write=True) is client  # one server: one pool
    cache.delete("answer")
    assert cache.get("answer") is None
