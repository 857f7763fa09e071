"""Order notices reach buyers and sellers through Celery and Django's email
backend, each in the recipient's language, only once the write commits."""

from django.contrib.auth.models import AnonymousUser
from django.core import mail

from shop.checkout import services as checkout

HOME = {"recipient": "Li Hua", "address": "8 Xuanfeng Rd", "division_code": "360323100000"}


def buy(rice, language):
    """A guest who gave only an email buys a bag."""
    guest = AnonymousUser()
    basket = checkout.create_checkout(
        actor=guest, lines=[(rice, 1)], email="buyer@example.cn", language=language
    )
    basket = checkout.set_delivery(actor=guest, checkout=basket, **HOME)
    return checkout.complete(actor=guest, checkout=basket, gateway="test")[0]


def test_the_buyer_is_told_by_email_in_their_language(
    settings, rice, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_BACKEND = "shop.core.notifications.MailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        english = buy(rice, "en")
    with django_capture_on_commit_callbacks(execute=True):
        chinese = buy(rice, "zh-hans")
    to_buyer = [m for m in mail.outbox if m.to == ["buyer@example.cn"]]
    assert [m.body for m in to_buyer] == [
        f"Thank you! Your order {english.pk} is paid.",
        f"谢谢！您的订单 {chinese.pk} 已付款。",
    ]


def test_nothing_is_sent_for_a_write_that_rolls_back(settings, rice):
    settings.NOTIFICATION_BACKEND = "shop.core.notifications.MailBackend"
    buy(rice, "zh-hans")  # inside the test's transaction, never committed
    assert mail.outbox == []
