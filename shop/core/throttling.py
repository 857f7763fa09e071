"""Counting attempts in the shared cache: the one rate-limit mechanism.

Built on the core of django-ratelimit (`get_usage`), on the cache named by
`RATELIMIT_USE_CACHE`. The library names each counter by a SHA-256 over the
group, the rate, the subject and the time window, so a subject (a login, an
address, a code) never reaches the cache as text, whatever its length.

A `Limit` counts attempts per subject, for example sign-in failures per
account (shop/accounts/throttle.py); pickup codes and QR scans can declare
theirs the same way. Windows are django-ratelimit's: fixed, each subject's
shifted by a stable offset, so a subject that used up its attempts is
refused until its window ends, at most `seconds` later.

The library is not in INSTALLED_APPS: only its functions are used, and its
system checks would refuse the default per-process cache and warn about
Django's own Redis backend, which counts atomically all the same.
"""

import ipaddress
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from django_ratelimit import ALL
from django_ratelimit.core import _get_window, _make_cache_key, get_usage

from shop.core.http import client_address


class LimitsUnavailable(Exception):
    """The counters cannot be read (their cache is away): every limit holds."""


@dataclass(frozen=True)
class Limit:
    """At most `count` attempts in `seconds` for each subject of `group`."""

    group: str
    count: int
    seconds: int

    @property
    def rate(self) -> tuple[int, int]:
        return (self.count, self.seconds)

    def _usage(self, subject: str, *, increment: bool) -> dict[str, Any] | None:
        # The request is only handed to the key function, which ignores it.
        return get_usage(
            None,
            group=self.group,
            key=lambda _group, _request: subject,
            rate=self.rate,
            increment=increment,
        )

    def reached(self, subject: str) -> bool:
        """Whether `subject` has used up its attempts in the current window.

        When the cache cannot answer, django-ratelimit says "limited" with a
        limit of 0 (it fails closed unless RATELIMIT_FAIL_OPEN is set); this
        raises LimitsUnavailable then, so the caller can say why.
        """
        usage = self._usage(subject, increment=False)
        if usage is None:  # RATELIMIT_ENABLE = False
            return False
        if usage["limit"] == 0:
            raise LimitsUnavailable(self.group)
        return usage["should_limit"] or usage["count"] >= usage["limit"]

    def hit(self, subject: str) -> int:
        """Count one attempt of `subject`; return how many it made in this window."""
        usage = self._usage(subject, increment=True)
        return 0 if usage is None else usage["count"]

    def reset(self, subject: str) -> None:
        """Forget the attempts of `subject` in the current window."""
        # django-ratelimit has no public call for this; these helpers name the
        # counter exactly as get_usage does (a test fails if they stop agreeing).
        window = _get_window(subject, self.seconds)
        key = _make_cache_key(self.group, window, self.rate, subject, ALL)
        caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")].delete(key)


def client_network(request: HttpRequest) -> str:
    """The client's address as limits count it, like django-ratelimit's `ip` key.

    An IPv4 client is its address; an IPv6 client is its /64 network, since
    one host usually holds a whole /64 (RATELIMIT_IPV4_MASK and
    RATELIMIT_IPV6_MASK change this, as they do in the library).
    """
    address = client_address(request)
    if ":" in address:
        mask = getattr(settings, "RATELIMIT_IPV6_MASK", 64)
    else:
        mask = getattr(settings, "RATELIMIT_IPV4_MASK", 32)
    return str(ipaddress.ip_network(f"{address}/{mask}", strict=False).network_address)
