"""Stripe's webhook applied by a real Celery worker through Redis and
PostgreSQL, and the worker killed (SIGKILL) in the middle of applying it: the
broker hands the event to a new worker, which applies it once. The event's
record and its effect commit together, so the dead worker's half-done work
left nothing behind and a resent event changes nothing.

The worker is held mid-task by a row lock this test takes on the order (the
task waits for it), then killed while it waits."""

import json
import os
import signal
import time

import psycopg
import pytest
import stripe
from django.db import connection
from django.test import Client

from shop.checkout import services as checkout
from shop.ledger.models import Transaction
from shop.orders.states import OrderStatus
from shop.payments.models import ProviderEvent
from tests.helpers.pdf_tools import label_worker
from tests.helpers.services import require_postgresql, skip_unless, subprocess_database_url

pytestmark = pytest.mark.celery_worker

SECRET = "whsec_tests_0123456789"
HOME = {"recipient": "李华", "address": "芦溪县宣风镇 8 号", "division_code": "360323100000"}
VISIBILITY_SECONDS = 4
FAST = {"CELERY_VISIBILITY_TIMEOUT_SECONDS": str(VISIBILITY_SECONDS)}
DEADLINE_SECONDS = 60


def succeeded(payment):
    event = {
        "id": "evt_worker",
        "object": "event",
        "type": "payment_intent.succeeded",
        "created": int(time.time()),
        "data": {
            "object": {
                "id": payment.reference,
                "object": "payment_intent",
                "amount": int(payment.amount * 100),
                "currency": "cny",
                "status": "succeeded",
                "metadata": {"payment": str(payment.token)},
            }
        },
    }
    body = json.dumps(event)
    return body, stripe.WebhookSignature.generate_signature_header(body, SECRET)


def post(body, header):
    return Client().post(
        "/webhooks/stripe/", body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )


def wait_until(check, worker, what):
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not check():
        assert worker.poll() is None, worker.log.read_text(errors="replace")
        assert time.monotonic() < deadline, f"{what}\n{worker.log.read_text(errors='replace')}"
        time.sleep(0.1)


@pytest.fixture
def placed(ledger_emptied, with_stripe, settings, customer, rice, kiwi):
    skip_unless(settings.CELERY_BROKER_URL, "needs a real worker: CELERY_BROKER_URL is not set")
    require_postgresql("the worker shares the test's database")
    basket = checkout.create_checkout(actor=customer, lines=[(rice, 1), (kiwi, 1)])
    basket = checkout.set_delivery(actor=customer, checkout=basket, **HOME)
    order, started = checkout.complete(actor=customer, checkout=basket, gateway="stripe")
    return order, started.payment


def paid(order):
    order.refresh_from_db()
    return order.status == OrderStatus.PAID


def test_a_real_worker_applies_the_webhook_once(placed, tmp_path):
    order, payment = placed
    with label_worker(tmp_path, name="webhooks-test") as worker:
        body, header = succeeded(payment)
        assert post(body, header).status_code == 200
        wait_until(lambda: paid(order), worker, "the order was not paid")
        assert post(body, header).status_code == 200
        time.sleep(1)
    assert Transaction.objects.filter(order=order).count() == 1
    assert ProviderEvent.objects.count() == 1
    assert "Traceback" not in worker.log.read_text(errors="replace")


def test_a_worker_killed_mid_event_leaves_it_to_the_next(placed, tmp_path):
    order, payment = placed
    holder = psycopg.connect(subprocess_database_url().replace("postgres://", "postgresql://"))
    holder.execute("SELECT id FROM orders_order WHERE id = %s FOR UPDATE", [order.pk])
    with label_worker(tmp_path, name="webhooks-first", env=FAST) as first:
        assert post(*succeeded(payment)).status_code == 200
        # The task has started and waits for the order's row lock, which this test holds.
        wait_until(
            lambda: "apply_provider_event" in first.log.read_text(errors="replace"),
            first,
            "the first worker never received the event",
        )
        time.sleep(1)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        killed_at = time.monotonic()
    holder.rollback()
    holder.close()
    assert not paid(order) and not ProviderEvent.objects.exists()
    # Unacknowledged, the event comes back to a worker started once the visibility
    # timeout has passed since it was delivered (the transport's default is an hour).
    time.sleep(max(0.0, killed_at + VISIBILITY_SECONDS + 0.5 - time.monotonic()))
    with label_worker(tmp_path, name="webhooks-second", purge=False, env=FAST) as second:
        wait_until(lambda: paid(order), second, "no worker applied the event again")
    assert Transaction.objects.filter(order=order).count() == 1
    assert ProviderEvent.objects.count() == 1
    assert connection.vendor == "postgresql"
