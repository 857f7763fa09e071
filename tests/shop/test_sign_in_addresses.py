"""The plumbing under the sign-in throttle: the client's address and the
reusable counters (shop/core/http.py, shop/core/throttling.py), on the real cache."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from django_ratelimit.core import get_usage

from shop.core.http import client_address
from shop.core.throttling import Limit, client_network

pytestmark = pytest.mark.usefixtures("ratelimit_clock")


def request(remote="192.0.2.1", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


@pytest.mark.parametrize(
    ("hops", "remote", "forwarded", "expected"),
    [
        (0, "192.0.2.1", "203.0.113.7", "192.0.2.1"),
        (1, "10.0.0.2", "203.0.113.7", "203.0.113.7"),
        (1, "10.0.0.2", "6.6.6.6, 203.0.113.7", "203.0.113.7"),
        (1, "10.0.0.2", "6.6.6.6,203.0.113.7 ,", "203.0.113.7"),
        (2, "10.0.0.3", "6.6.6.6, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (2, "10.0.0.3", "203.0.113.7", "10.0.0.3"),  # fewer entries than hops
        (1, "10.0.0.2", None, "10.0.0.2"),
        (1, "10.0.0.2", "not-an-address", "10.0.0.2"),
        (1, "10.0.0.2", "2001:DB8::1", "2001:db8::1"),
        (0, "::ffff:192.0.2.9", None, "192.0.2.9"),
    ],
)
def test_client_address(settings, hops, remote, forwarded, expected):
    settings.TRUSTED_PROXY_HOPS = hops
    assert client_address(request(remote, forwarded)) == expected


def test_a_request_without_a_client_address_is_a_configuration_error(settings):
    settings.TRUSTED_PROXY_HOPS = 0
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXY_HOPS"):
        client_address(request(remote=""))


def test_client_network_masks_ipv6_to_64_bits():
    assert client_network(request("2001:db8:1:2:3:4:5:6")) == "2001:db8:1:2::"
    assert client_network(request("192.0.2.77")) == "192.0.2.77"


def test_django_ratelimit_sees_the_same_address_as_our_code(settings):
    """RATELIMIT_IP_META_KEY points the library's `ip` key at client_address:
    a library counter keyed on `ip` and ours on client_network are the same."""
    settings.TRUSTED_PROXY_HOPS = 1
    behind_proxy = request("10.0.0.2", "6.6.6.6, 2001:db8:1:2::7")
    limit = Limit("test:agree", 5, 60)
    limit.hit(client_network(behind_proxy))
    usage = get_usage(behind_proxy, group="test:agree", key="ip", rate="5/60s", increment=True)
    assert usage["count"] == 2


def test_a_limit_is_reached_after_count_hits_and_reset_forgets_them():
    limit = Limit("test:reset", 3, 900)
    assert [limit.hit("subject") for _ in range(3)] == [1, 2, 3]
    assert limit.reached("subject") and not limit.reached("other subject")
    limit.reset("subject")
    assert not limit.reached("subject")
    assert limit.hit("subject") == 1


def test_limits_of_different_groups_do_not_share_counts():
    first, second = Limit("test:first", 1, 900), Limit("test:second", 1, 900)
    first.hit("subject")
    assert first.reached("subject") and not second.reached("subject")


def test_limits_are_off_when_ratelimit_is_disabled(settings):
    settings.RATELIMIT_ENABLE = False
    limit = Limit("test:off", 1, 900)
    limit.hit("subject")
    limit.hit("subject")
    assert not limit.reached("subject")


@pytest.mark.parametrize("module", ["shop/core/http.py", "shop/core/throttling.py"])
def test_the_plumbing_imports_no_domain_app(module):
    import ast
    from pathlib import Path

    tree = ast.parse((Path(__file__).resolve().parents[2] / module).read_text())
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    domain = ("shop.accounts", "catalog", "logistics", "storefront")
    assert not {name for name in imported if name.startswith(domain)}
    assert "django_ratelimit.core" in imported or module == "shop/core/http.py"
