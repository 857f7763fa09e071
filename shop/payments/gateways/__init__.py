"""The gateways this deployment offers, from configuration (`PAYMENT_GATEWAYS`)."""

from django.conf import settings

from shop.payments.gateways.base import Gateway
from shop.payments.gateways.test import CashGateway, TestGateway


def enabled() -> list[str]:
    return list(settings.PAYMENT_GATEWAYS)


def get(name: str) -> Gateway | None:
    if name not in settings.PAYMENT_GATEWAYS:
        return None
    if name == "test":
        return TestGateway()
    if name == "cash":
        return CashGateway()
    if name == "stripe":
        from shop.payments.gateways.stripe import StripeGateway

        return StripeGateway(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE or None)
    return None
