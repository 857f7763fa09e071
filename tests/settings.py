"""Settings for the test suite: production settings with test-only secrets."""

import base64
import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
# A fresh test-only trace signing key per run (a worker subprocess inherits it).
os.environ.setdefault("TRACE_SIGNING_KEY", base64.b64encode(os.urandom(32)).decode())

from shop.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
NOTIFICATION_BACKEND = "shop.core.notifications.MemoryBackend"
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# pytest-xdist runs the suite in several processes (PYTEST_XDIST_WORKER: gw0, gw1, …),
# each with its own test database (pytest-django names it after the worker). They share
# Redis, so each keeps its cache keys and broker queues under its own prefix, and
# clearing the cache deletes only its own keys. Processes a test starts with these
# settings (a Celery worker, gunicorn, a second process) inherit the variable.
TEST_PROCESS = f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
for _config in CACHES.values():  # noqa: F405
    if _config["BACKEND"].endswith("RedisCache"):
        _config["WRAPPED_BACKEND"] = _config["BACKEND"]
        _config["BACKEND"] = "tests.helpers.redis_cache.WorkerRedisCache"
        _config["KEY_PREFIX"] = TEST_PROCESS
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):  # noqa: F405
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
        "global_keyprefix": f"{TEST_PROCESS}:",
    }
