"""The operators' view of scans: serials flagged as scanned too often or in
provinces far apart (newest first), and a batch's scans per province beside the
seller's own, so goods that turn up far from where they were sold show."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from shop.core.errors import DomainError
from storefront.forms.operator import ClearFlagForm
from storefront.paging import page_or_400
from storefront.views.operator import operators_only
from traceability import regions
from traceability.models import Batch
from traceability.policies import can_review_scans
from traceability.scan_stats import flagged_serials, scan_stats
from traceability.services import scans

FLAGS_PAGE = 30


_operators_only = operators_only(can_review_scans, _("Only platform operators may review scans."))


@_operators_only
def flagged(request: HttpRequest) -> HttpResponse:
    """Newest first: a fresh flag is the one still worth a call to the seller."""
    found = page_or_400(
        request, flagged_serials(request.user), keys=["id"], first=FLAGS_PAGE, descending=True
    )
    return render(
        request,
        "operator/scans.html",
        {"page": found, "too_many": scans.TOO_MANY_SCANS, "far_km": int(scans.FAR_APART_KM)},
    )


@_operators_only
def clear_flag(request: HttpRequest, pk: int) -> HttpResponse:
    """The clear form on its own page: where it comes back with its errors."""
    flag = get_object_or_404(flagged_serials(request.user), pk=pk)
    form = ClearFlagForm(request.POST if request.method == "POST" else None, flag_id=flag.pk)
    if request.method == "POST" and form.is_valid():
        try:
            scans.clear_flag(actor=request.user, flag=flag, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form.show_domain_error(exc)
        else:
            messages.success(request, _("The flag is cleared: buyers no longer see a notice."))
            return redirect("storefront:flagged_serials")
    return render(request, "operator/clear_flag.html", {"flag": flag, "form": form})


@_operators_only
def batch_scans(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(
        Batch.objects.select_related("seller", "variant__product", "farm"), pk=pk
    )
    stats = scan_stats(batch)
    return render(
        request,
        "operator/batch_scans.html",
        {
            "batch": batch,
            "stats": stats,
            "seller_region": regions.region_name(stats.seller_region),
            "far_km": int(scans.FAR_APART_KM),
        },
    )


urlpatterns = [
    path("operator/scans/", flagged, name="flagged_serials"),
    path("operator/scans/<int:pk>/clear/", clear_flag, name="clear_flag"),
    path("operator/scans/batches/<int:pk>/", batch_scans, name="batch_scans"),
]
