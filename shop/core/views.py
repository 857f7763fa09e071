from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _broker_ok() -> bool:
    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as broker:
            broker.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False


def _caches() -> dict[str, str]:
    """Each shared cache: "ok", or "degraded" (unreachable: answers come from the
    database, sign-in is refused); a cache in the process is "local"."""
    found = {}
    for alias in settings.CACHES:
        backend = caches[alias]
        reachable = getattr(backend, "reachable", None)
        found[f"cache_{alias}"] = (
            "local" if reachable is None else "ok" if reachable() else "degraded"
        )
    return found


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness: the database always, the broker when configured,
    the caches. Only a database or broker that is down makes it 503: without
    its cache the site still answers, degraded."""
    checks = {"database": "ok" if _database_ok() else "down"}
    if settings.CELERY_BROKER_URL:
        checks["broker"] = "ok" if _broker_ok() else "down"
    else:
        checks["broker"] = "eager"
    checks.update(_caches())
    down = "down" in checks.values()
    status = "down" if down else "degraded" if "degraded" in checks.values() else "ok"
    return JsonResponse({"status": status, **checks}, status=503 if down else 200)


def ping(request: HttpRequest) -> JsonResponse:
    """Touches nothing: the floor a benchmark compares the API against."""
    return JsonResponse({"pong": True})
