"""Fixtures of the commerce tests (rice, kiwi and their batches are in tests/conftest.py):
localstripe."""

import pytest


@pytest.fixture(scope="session")
def stripe_server():
    """localstripe on 127.0.0.1 (or the server `STRIPE_API_BASE` names)."""
    from tests.helpers.localstripe import stripe_endpoint

    with stripe_endpoint() as started:
        yield started


@pytest.fixture
def with_stripe(settings, stripe_server):
    settings.STRIPE_SECRET_KEY = stripe_server.secret_key
    settings.STRIPE_API_BASE = stripe_server.api_base
    settings.STRIPE_WEBHOOK_SECRET = "whsec_tests_0123456789"
    settings.PAYMENT_GATEWAYS = ["test", "cash", "stripe"]
    return stripe_server
