"""Failed sign-ins are counted per account; past a limit, signing in to that
account is refused for a while without looking at the password, so a password
cannot be guessed by trying many. The counts live in the shared cache."""

from django.core.cache import cache

from shop.accounts.selectors import parse_mainland_mobile

WINDOW_SECONDS = 15 * 60
MAX_FAILURES = 10


def _key(login):
    """One key per account, however its phone number or email is written."""
    canonical = parse_mainland_mobile(login) or login.strip().lower()
    return f"sign-in-failures:{canonical}"


def is_blocked(login):
    return (cache.get(_key(login)) or 0) >= MAX_FAILURES


def record_failure(login):
    key = _key(login)
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=WINDOW_SECONDS)


def clear(login):
    cache.delete(_key(login))
