"""`/webhooks/stripe/`: Stripe's notices of payments, signed."""

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from shop.payments.gateways.stripe import BadSignature, parse_webhook
from shop.payments.tasks import apply_provider_event, as_message

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Check the signature on the raw body, then hand the event to a task; 400
    for a bad signature (nothing recorded), 404 while Stripe is not configured.
    Once queued the answer is 200, so Stripe stops resending; the task applies
    each event once, in whatever order they come."""
    if not settings.STRIPE_WEBHOOK_SECRET:
        return HttpResponse(status=404)
    try:
        event = parse_webhook(
            request.body,
            request.headers.get("Stripe-Signature", ""),
            settings.STRIPE_WEBHOOK_SECRET,
        )
    except BadSignature as error:
        logger.warning("stripe webhook refused: %s", error)
        return HttpResponse("bad signature", status=400, content_type="text/plain")
    if event is not None:
        apply_provider_event.delay("stripe", as_message(event))
    return HttpResponse(status=200)
