"""A process serves its own copy of a lasting answer while the tags' clock stands
still (shop/core/public_cache.py, shop/core/cache_tags.py)."""

import os
import time

from django.conf import settings
from django.core.cache import cache
from django.test import RequestFactory

from shop.core import cache_tags, public_cache
from tests.helpers.services import run_python, skip_unless

TAG = "traceability:batch:7"
KEY = public_cache.cache_key("test-lasting", "/t/ZM2026")


def store(body, tags=(TAG,)):
    request = RequestFactory().get("/t/ZM2026")
    public_cache.start(request)
    public_cache.tag(request, *tags)
    public_cache.put(KEY, request, body, lasting=True)


def bump_in_another_process(tags):
    """A bump as another process makes it, through the shared cache: this process's
    clock reading stands until it reads the clock again."""
    backend = settings.CACHES["default"]["BACKEND"]
    skip_unless(backend.endswith("RedisCache"), "needs CACHE_URL=redis://…, shared by processes")
    script = (
        "import django; django.setup(); from shop.core import cache_tags; "
        f"cache_tags.bump({list(tags)!r})"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}  # this test's cache
    bumped = run_python("-c", script, env=env, timeout=60)
    assert bumped.returncode == 0, bumped.stderr


def test_a_second_hit_asks_the_shared_cache_nothing(monkeypatch):
    monkeypatch.setattr(public_cache, "CLOCK_READ_SECONDS", 60)
    store(b"page one")
    assert public_cache.get(KEY, lasting=True) == b"page one"
    asked = []
    real_get_many = cache.get_many
    monkeypatch.setattr(
        cache, "get_many", lambda keys: (asked.append(keys), real_get_many(keys))[1]
    )
    assert public_cache.get(KEY, lasting=True) == b"page one"
    assert asked == []


def test_this_process_sees_its_own_bump_at_once(monkeypatch):
    monkeypatch.setattr(public_cache, "CLOCK_READ_SECONDS", 60)
    store(b"page one")
    assert public_cache.get(KEY, lasting=True) == b"page one"
    cache_tags.bump([TAG])
    assert public_cache.get(KEY, lasting=True) is None


def test_an_unrelated_bump_revalidates_the_copy_without_dropping_it(monkeypatch):
    monkeypatch.setattr(public_cache, "CLOCK_READ_SECONDS", 60)
    store(b"page one")
    assert public_cache.get(KEY, lasting=True) == b"page one"
    cache_tags.bump(["catalog:product:99"])
    assert public_cache.get(KEY, lasting=True) == b"page one"


def test_a_bump_in_another_process_shows_once_the_clock_is_read_again(monkeypatch):
    monkeypatch.setattr(public_cache, "CLOCK_READ_SECONDS", 60)  # longer than the bump takes
    store(b"page one")
    assert public_cache.get(KEY, lasting=True) == b"page one"
    bump_in_another_process([TAG])
    assert public_cache.get(KEY, lasting=True) == b"page one"  # the documented lag
    monkeypatch.setattr(public_cache, "CLOCK_READ_SECONDS", 0.2)
    time.sleep(0.25)
    assert public_cache.get(KEY, lasting=True) is None


def test_a_copy_validated_while_a_bump_was_being_written_is_not_trusted(monkeypatch):
    """The clock was read after the bump's own increment but the versions before
    they were written: the bump's second increment must make the copy stale."""
    monkeypatch.setattr(public_cache, "CLOCK_READ_SECONDS", 60)
    store(b"page one")
    real_set_many = cache.set_many
    served = []

    def read_then_set_many(data, *args, **kwargs):
        cache_tags.forget_recent_clock()
        served.append(public_cache.get(KEY, lasting=True))  # old versions, new clock
        return real_set_many(data, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(cache, "set_many", read_then_set_many)
        patched.setattr(cache_tags, "forget_recent_clock", lambda: None)
        cache_tags.bump([TAG])
    assert served == [b"page one"]
    cache_tags.forget_recent_clock()  # the reading after CLOCK_READ_SECONDS
    assert public_cache.get(KEY, lasting=True) is None


def test_answers_not_stored_as_lasting_are_asked_for_every_time(monkeypatch):
    monkeypatch.setattr(public_cache, "CLOCK_READ_SECONDS", 60)
    store(b"page one")
    assert public_cache.get(KEY) == b"page one"
    bump_in_another_process([TAG])
    assert public_cache.get(KEY) is None
