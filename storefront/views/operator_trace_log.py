"""The operators' view of the trace log's alerts: what the signer refused to sign,
what the audit found no longer verifies and what a witness refused, newest
first, each naming the event, leaf and batch at fault; and the audit's standing
finding, while it stops the signer."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from storefront.paging import page_or_400
from storefront.views.operator import operators_only
from traceability import transparency
from traceability.models import Batch, TraceLog
from traceability.policies import can_review_trace_alerts
from traceability.selectors import trace_alerts
from traceability.services import signing

ALERTS_PAGE = 30

_operators_only = operators_only(
    can_review_trace_alerts, _("Only platform operators may read the trace log's alerts.")
)


@_operators_only
def alerts(request: HttpRequest) -> HttpResponse:
    """Newest first: the newest alert is the one to act on; each names its batch."""
    found = page_or_400(
        request, trace_alerts(request.user), keys=["id"], first=ALERTS_PAGE, descending=True
    )
    named = {alert.batch_id for alert in found.rows if alert.batch_id is not None}
    batches = Batch.objects.select_related("seller").in_bulk(named)
    rows = [(alert, batches.get(alert.batch_id or 0)) for alert in found.rows]
    context = {
        "page": found,
        "rows": rows,
        "standing": TraceLog.objects.filter(origin=transparency.origin()).first(),
        "newest": signing.newest_checkpoint(),
    }
    return render(request, "operator/trace_alerts.html", context)


urlpatterns = [
    path("operator/trace-log/", alerts, name="trace_alerts"),
]
