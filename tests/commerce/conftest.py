"""Fixtures of the commerce tests (rice, kiwi and their batches are in tests/conftest.py):
localstripe, and a ledger that SQLite can empty between transactional tests."""

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


@pytest.fixture(autouse=True)
def _flushable_books(request):
    """A transactional test leaves the ledger empty for Django's flush: its
    database is made first, so that it is torn down (flushed) after this."""
    transactional = (
        "transactional_db" in request.fixturenames or "live_server" in request.fixturenames
    )
    if transactional:
        request.getfixturevalue("transactional_db")
    yield
    if transactional:
        from tests.helpers.ledger import empty_books

        empty_books()
