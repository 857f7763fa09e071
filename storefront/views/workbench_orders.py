"""The seller's orders: what to pack, a printable packing list, which batches
each line comes from, the parcel's steps (packing, shipped with a tracking
number, handed to the pickup point) and the seller's earnings.

Views look up the seller's own fulfilments and call `shop.orders.services`
and `shop.ledger.services` as the signed-in member; the services decide.
"""

from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from catalog.models import Seller
from shop.ledger.services import seller_earnings
from shop.orders import services as order_services
from shop.orders.allocation import units_left
from shop.orders.models import Fulfilment
from shop.orders.states import FulfilmentStatus, OrderStatus
from storefront.forms.workbench_orders import AllocationForm, FulfilmentForm
from storefront.paging import page_or_400
from storefront.views.workbench import PAGE_SIZE, managed_seller, posted, saved
from traceability.models import Batch

HIDDEN = (OrderStatus.UNCONFIRMED,)


def _fulfilment(seller: Seller, fulfilment_id: int) -> Fulfilment:
    mine = Fulfilment.objects.filter(seller=seller).exclude(order__status__in=HIDDEN)
    return get_object_or_404(mine.select_related("order__pickup_point", "seller"), pk=fulfilment_id)


@never_cache
@login_required
def orders(request: HttpRequest, seller_id: int) -> HttpResponse:
    """Paid and cash orders for this seller, newest first; earnings this month and in all."""
    seller = managed_seller(request, seller_id)
    mine = (
        Fulfilment.objects.filter(seller=seller)
        .exclude(order__status__in=HIDDEN)
        .select_related("order__pickup_point")
    )
    if request.GET.get("show") != "all":
        mine = mine.filter(status__in=(FulfilmentStatus.WAITING, FulfilmentStatus.PACKING))
    listed = page_or_400(request, mine, keys=["id"], first=PAGE_SIZE, descending=True)
    month = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    context = {
        "seller": seller,
        "page": listed,
        "show_all": request.GET.get("show") == "all",
        "earned_month": seller_earnings(seller, since=month),
        "earned_total": seller_earnings(seller),
    }
    return render(request, "workbench/orders.html", context)


def _lines(fulfilment: Fulfilment) -> list[Any]:
    """The lines with their allocations and their product's batches (three queries)."""
    lines: list[Any] = list(
        fulfilment.lines.select_related("variant").prefetch_related("allocations__batch")
    )
    batches: dict[int, list[Batch]] = {}
    usable = Batch.objects.filter(
        variant_id__in={line.variant_id for line in lines}, recall__isnull=True
    ).order_by(F("best_before").asc(nulls_last=True), "harvest_date", "pk")
    for batch in usable:
        batches.setdefault(batch.variant_id, []).append(batch)
    for line in lines:
        line.batches = batches.get(line.variant_id, [])
        grams = line.variant.net_weight_grams if line.variant else 0
        for batch in line.batches:
            batch.units_left = units_left(batch, grams)
    return lines


def _allocation_form(line: Any, data: Any = None) -> AllocationForm:
    current = {a.batch_id: a.quantity for a in line.allocations.all()}
    return AllocationForm(data, batches=line.batches, current=current, prefix=f"line{line.pk}")


def _detail(request: HttpRequest, seller: Seller, fulfilment: Fulfilment, **forms: Any) -> Any:
    lines = _lines(fulfilment)
    for line in lines:
        line.form = forms.get(f"line{line.pk}") or _allocation_form(line)
    status_form = forms.get("status") or FulfilmentForm(
        current=fulfilment.status, to_pickup_point=fulfilment.order.pickup_point_id is not None
    )
    context = {
        "seller": seller,
        "fulfilment": fulfilment,
        "lines": lines,
        "status_form": status_form,
    }
    bad = any(getattr(form, "errors", None) for form in forms.values())
    return render(request, "workbench/fulfilment.html", context, status=400 if bad else 200)


@never_cache
@login_required
def fulfilment(request: HttpRequest, seller_id: int, fulfilment_id: int) -> HttpResponse:
    seller = managed_seller(request, seller_id)
    return _detail(request, seller, _fulfilment(seller, fulfilment_id))


@never_cache
@login_required
def packing_list(request: HttpRequest, seller_id: int, fulfilment_id: int) -> HttpResponse:
    seller = managed_seller(request, seller_id)
    found = _fulfilment(seller, fulfilment_id)
    context = {"seller": seller, "fulfilment": found, "lines": _lines(found)}
    return render(request, "workbench/packing_list.html", context)


@never_cache
@login_required
def fulfilment_update(request: HttpRequest, seller_id: int, fulfilment_id: int) -> HttpResponse:
    seller = managed_seller(request, seller_id)
    found = _fulfilment(seller, fulfilment_id)
    form = FulfilmentForm(
        posted(request),
        current=found.status,
        to_pickup_point=found.order.pickup_point_id is not None,
    )
    write = partial(order_services.update_fulfilment, actor=request.user, fulfilment=found)
    if saved(form, request, write):
        messages.success(request, _("The parcel's status was saved."))
        return redirect("storefront:workbench_fulfilment", seller.pk, found.pk)
    return _detail(request, seller, found, status=form)


@never_cache
@login_required
def line_allocate(
    request: HttpRequest, seller_id: int, fulfilment_id: int, line_id: int
) -> HttpResponse:
    seller = managed_seller(request, seller_id)
    found = _fulfilment(seller, fulfilment_id)
    line = next((line for line in _lines(found) if line.pk == line_id), None)
    if line is None:
        return redirect("storefront:workbench_fulfilment", seller.pk, found.pk)
    form = _allocation_form(line, posted(request))

    def write(**_data: Any) -> Any:
        return order_services.set_allocations(
            actor=request.user, line=line, allocations=form.allocations()
        )

    if saved(form, request, write):
        messages.success(request, _("The batches were saved."))
        return redirect("storefront:workbench_fulfilment", seller.pk, found.pk)
    return _detail(request, seller, found, **{f"line{line.pk}": form})


urlpatterns = [
    path("shop/<int:seller_id>/orders/", orders, name="workbench_orders"),
    path(
        "shop/<int:seller_id>/orders/<int:fulfilment_id>/",
        fulfilment,
        name="workbench_fulfilment",
    ),
    path(
        "shop/<int:seller_id>/orders/<int:fulfilment_id>/packing-list/",
        packing_list,
        name="workbench_packing_list",
    ),
    path(
        "shop/<int:seller_id>/orders/<int:fulfilment_id>/status/",
        fulfilment_update,
        name="workbench_fulfilment_update",
    ),
    path(
        "shop/<int:seller_id>/orders/<int:fulfilment_id>/lines/<int:line_id>/batches/",
        line_allocate,
        name="workbench_line_allocate",
    ),
]
