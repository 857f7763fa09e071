from django.urls import path

from shop.payments.views import stripe_webhook

urlpatterns = [path("webhooks/stripe/", stripe_webhook, name="stripe_webhook")]
