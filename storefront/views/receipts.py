"""The public receipt check, `/trace/receipt/`: anyone pastes or uploads a
farmer's receipt and reads, in plain words, whether the platform's trace log
still keeps the step it promised; the same page says what the log, receipts
and witnesses are, and where the key and the checkpoints are.

The form posts without a CSRF token: checking changes nothing anyone owns, so
the page stays one cached page for every visitor, and a body too large to be a
receipt is refused before it is read (the CSRF check would read it first).
Checks are limited per client network (`traceability.services.receipts`).
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from shop.core import public_cache
from shop.core.throttling import client_network
from storefront.forms.receipts import RECEIPT_MAX_CHARS, ReceiptCheckForm
from storefront.page_cache import cached_page
from traceability import cache, integrity
from traceability.services import receipts, signing
from traceability.services.witnesses import configured as configured_witnesses

# The most a posted check may weigh: the receipt, as text or a file, and the form around it.
BODY_MAX_BYTES = 4 * RECEIPT_MAX_CHARS + 4096
TOO_LARGE = _("This is too large to be a receipt.")


def _too_large(request: HttpRequest) -> bool:
    length = request.META.get("CONTENT_LENGTH") or "0"
    return not (length.isascii() and length.isdigit()) or int(length) > BODY_MAX_BYTES


def _page(
    request: HttpRequest,
    form: ReceiptCheckForm,
    checked: receipts.ReceiptCheck | None = None,
    refused: object = None,
    status: int = 200,
) -> HttpResponse:
    public_cache.tag(request, cache.CHECKPOINTS)
    newest = signing.newest_checkpoint()
    context = {
        "form": form,
        "checked": checked,
        "refused": refused,
        "newest": newest,
        "witnesses": len(configured_witnesses()),
        "fingerprint": integrity.fingerprint(),
        "contact": settings.RESOLVER_CONTACT_EMAIL,
        "inclusion_url": reverse("trace-log-inclusion"),
    }
    return render(request, "storefront/receipt_check.html", context, status=status)


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
@cached_page()
def receipt_check(request: HttpRequest) -> HttpResponse:
    """The form and the explanation; a posted receipt is checked and the answer
    shown above the form, which stays for the next one."""
    if request.method != "POST":
        return _page(request, ReceiptCheckForm())
    if _too_large(request):
        return _page(request, ReceiptCheckForm(), refused=TOO_LARGE, status=413)
    form = ReceiptCheckForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form)
    try:
        checked = receipts.check(form.cleaned_data["text"], network=client_network(request))
    except receipts.TooManyChecks as limited:
        response = _page(request, form, refused=receipts.REFUSED, status=429)
        response["Retry-After"] = str(limited.retry_after)
        return response
    return _page(request, ReceiptCheckForm(), checked)


urlpatterns = [
    path("trace/receipt/", receipt_check, name="receipt_check"),
]
