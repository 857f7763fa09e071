"""The project's Redis caches for the test settings: one key prefix per test process.

pytest-xdist's workers share one Redis database, each under its own KEY_PREFIX
(tests/settings.py). Django's `clear()` would flush the whole database, the
other workers' cached answers, throttle counts and scan buffers included, so
the backend a Redis cache alias names is wrapped here: the same class, whose
client clears by deleting this prefix's keys only (what the backend does
around a clear, such as giving up while Redis is away, stays as it is).
"""

import functools

from django.utils.module_loading import import_string


@functools.cache
def _own_keys_client(client_class, prefix):
    class OwnKeysClient(client_class):
        def clear(self):
            client = self.get_client(write=True)
            keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
            if keys:
                client.unlink(*keys)
            return True

    return OwnKeysClient


@functools.cache
def _worker_class(backend):
    base = import_string(backend)

    def __init__(self, server, params):
        base.__init__(self, server, params)
        self._class = _own_keys_client(self._class, self.key_prefix)

    return type(f"Worker{base.__name__}", (base,), {"__init__": __init__})


def WorkerRedisCache(location, params):  # noqa: N802 - Django builds a backend by calling it
    """The backend `params["WRAPPED_BACKEND"]` names, clearing only its own keys."""
    return _worker_class(params["WRAPPED_BACKEND"])(location, params)
