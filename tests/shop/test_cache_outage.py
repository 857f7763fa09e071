"""The cache is an accelerator, never a dependency of a read.

Threat: the cache's Redis stops or freezes (a crash, a full disk, SIGSTOP)
while buyers browse and farmers write. Properties: pages and the API answer
from the database, each request waiting at most one short timeout and then
none while the breaker is open; /healthz says "degraded"; sign-in fails
closed with a clear code; a write's cache invalidation is not lost, so no
answer cached before the outage outlives it; scans are kept in the process
until Redis is back. Each test runs a real Redis of its own on a spare port.
"""

import json
import os
import shutil
import signal
import subprocess
import time

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from catalog import services as catalog_services
from shop.core import cache_tags, public_cache, redis_cache
from tests.helpers.services import free_port, skip_unless
from tests.helpers.users import PASSWORD, make_user

LIST = "{ products(first: 5) { edges { node { name } } } }"
TOKEN = """mutation($login: String!, $password: String!) {
  tokenCreate(login: $login, password: $password) { token errors { field code } }
}"""


class OwnRedis:
    """redis-server on a spare port, keeping nothing on disk."""

    def __init__(self, tmp_path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.tmp_path = tmp_path
        self.process = None

    def start(self):
        binary = shutil.which("redis-server")
        skip_unless(binary, "needs redis-server (Debian's redis-server package)")
        command = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        command += ["--appendonly", "no", "--dir", str(self.tmp_path)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)  # noqa: S603
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if (
                subprocess.run(  # noqa: S603
                    [shutil.which("redis-cli") or "redis-cli", "-p", str(self.port), "ping"],
                    capture_output=True,
                    text=True,
                ).stdout.strip()
                == "PONG"
            ):
                return
            time.sleep(0.05)
        pytest.fail("redis-server did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)

    def freeze(self):
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self):
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)


@pytest.fixture
def own_redis(settings, tmp_path):
    server = OwnRedis(tmp_path)
    server.start()
    settings.CACHE_TIMEOUT_SECONDS = 0.2
    settings.CACHE_RETRY_SECONDS = 1.0
    settings.CACHES = {
        "default": {"BACKEND": "shop.core.redis_cache.RedisCache", "LOCATION": server.url},
        "limits": {"BACKEND": "shop.core.redis_cache.LimitsRedisCache", "LOCATION": server.url},
    }
    public_cache.forget_local()
    yield server
    server.thaw()
    server.stop()
    redis_cache._breakers.clear()
    cache_tags._unbumped.clear()
    public_cache.forget_local()


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def browse(product):
    """The home page, a product page and a GraphQL list, as a visitor."""
    client = Client(HTTP_HOST="127.0.0.1")
    pages = [client.get("/"), client.get(reverse("storefront:product", args=[product.slug]))]
    api = client.post("/graphql/", json.dumps({"query": LIST}), content_type="application/json")
    return pages, api


def assert_answered(pages, api, product):
    assert [page.status_code for page in pages] == [200, 200]
    assert product.name in pages[1].content.decode()
    assert api.status_code == 200 and api["Content-Type"].startswith("application/json")
    assert api.json()["data"]["products"]["edges"] == [{"node": {"name": product.name}}]


@pytest.mark.parametrize("outage", ["stopped", "frozen"])
def test_pages_and_the_api_answer_from_the_database_without_waiting(db, own_redis, product, outage):
    assert_answered(*browse(product), product)  # and now cached
    own_redis.stop() if outage == "stopped" else own_redis.freeze()
    (pages, api), first = timed(lambda: browse(product))
    assert_answered(pages, api, product)
    assert first < 2  # one short timeout, then the breaker is open
    _answers, rest = timed(lambda: [browse(product) for _ in range(10)])
    assert rest < 4  # 30 requests that do not ask Redis (each waiting would take 6 s)
    health = Client(HTTP_HOST="127.0.0.1").get("/healthz")
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
    assert health.json()["cache_default"] == "degraded"


def test_sign_in_fails_closed_with_a_clear_code_and_recovers(db, own_redis):
    make_user(phone="13800138000")
    client = Client(HTTP_HOST="127.0.0.1")

    def sign_in():
        body = json.dumps(
            {"query": TOKEN, "variables": {"login": "13800138000", "password": PASSWORD}}
        )
        return client.post("/graphql/", body, content_type="application/json").json()

    own_redis.freeze()
    refused = sign_in()["data"]["tokenCreate"]
    assert refused["token"] is None
    assert refused["errors"] == [{"field": "login", "code": "TEMPORARILY_UNAVAILABLE"}]
    own_redis.thaw()
    time.sleep(1.1)  # the breaker tries again after CACHE_RETRY_SECONDS
    assert sign_in()["data"]["tokenCreate"]["token"]


def test_no_answer_cached_before_the_outage_outlives_a_write_during_it(
    db, own_redis, product, seller_user, caplog, django_capture_on_commit_callbacks
):
    page = reverse("storefront:product", args=[product.slug])
    client = Client(HTTP_HOST="127.0.0.1")
    assert "武功山紫米" in client.get(page).content.decode()  # cached in Redis
    own_redis.freeze()  # Redis keeps its entries, and the bump cannot reach it
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.update_product(actor=seller_user, product=product, name="武功山黑米")
    assert "not invalidated yet" in caplog.text
    assert "武功山黑米" in client.get(page).content.decode()  # from the database
    own_redis.thaw()
    time.sleep(1.1)
    assert "武功山黑米" in client.get(page).content.decode()  # the stale entry is gone
    assert not cache_tags._unbumped
    assert caches["default"].reachable()


def test_scans_are_kept_in_the_process_while_redis_is_away(db, own_redis, settings):
    from traceability.services import scans

    own_redis.stop()
    for serial in range(40):
        scans.record_scan(batch_id=1, serial_id=serial, geo=None)
    scans._pending.send()
    assert len(scans._pending.entries) == 40  # none lost, none sent
    own_redis.start()
    time.sleep(1.1)
    scans._pending.send()
    assert scans._pending.entries == []
    assert len(scans._claim(100)[1]) == 40
