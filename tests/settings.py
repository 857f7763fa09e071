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
