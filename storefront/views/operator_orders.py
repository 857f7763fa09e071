"""The operators' commerce pages: every order (newest first, by status), one
order with its parcels, money and history, where it is cancelled, refunded
whole or per line, and its batches recalled; and the earnings per seller,
county and month.

Views look orders up and call `shop.payments.services`,
`shop.orders.services` and `shop.ledger.services` as the signed-in operator;
a refused form comes back beside its fields with nothing changed.
"""

import re
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from catalog.models import Seller
from shop.core.errors import DomainError
from shop.core.roles import is_operator
from shop.ledger import services as ledger
from shop.ledger.policies import can_view_books
from shop.orders import services as order_services
from shop.orders.models import Order, OrderLine
from shop.payments import services as payments
from shop.payments.errors import PaymentErrorCode
from storefront.forms.batches import RecallForm
from storefront.forms.operator_orders import (
    CancelForm,
    OrderFilterForm,
    PeriodForm,
    RefundLineForm,
    RefundWholeForm,
)
from storefront.paging import page_or_400
from storefront.views.operator import operators_only
from storefront.views.orders import history_of
from storefront.views.workbench import saved
from storefront.views.workbench_batches import recalled_message
from traceability import regions
from traceability.models import Batch, BatchRecall

ORDERS_PAGE = 30

_operators_only = operators_only(is_operator, _lazy("Only platform operators may open orders."))
_bookkeepers_only = operators_only(
    can_view_books, _lazy("Only platform operators may see the earnings.")
)


@never_cache
@_operators_only
def order_list(request: HttpRequest) -> HttpResponse:
    """One query for the rows: everything a row shows is on the order itself."""
    form = OrderFilterForm(request.GET)
    found = Order.objects.all()
    if form.is_valid() and form.cleaned_data["status"]:
        found = found.filter(status=form.cleaned_data["status"])
    listed = page_or_400(request, found, keys=["id"], first=ORDERS_PAGE, descending=True)
    return render(request, "operator/orders.html", {"form": form, "page": listed})


def _order(pk: int) -> Order:
    return get_object_or_404(Order.objects.select_related("pickup_point", "buyer"), pk=pk)


def _batches(fulfilments: list[Any]) -> list[Any]:
    """The batches the order's units come from, each with its recall (or None)."""
    found = {
        allocation.batch.pk: allocation.batch
        for fulfilment in fulfilments
        for line in fulfilment.lines.all()
        for allocation in line.allocations.all()
    }
    recalls = {r.batch_id: r for r in BatchRecall.objects.filter(batch_id__in=found)}
    batches: list[Any] = sorted(found.values(), key=lambda batch: batch.pk)
    for batch in batches:
        batch.recalled = recalls.get(batch.pk)
    return batches


def _detail(request: HttpRequest, order: Order, **bound: Any) -> HttpResponse:
    """The order with its forms; `bound` holds the one just refused (status 400)."""
    fulfilments: list[Any] = list(
        order.fulfilments.select_related("seller").prefetch_related(
            "lines__allocations__batch__variant"
        )
    )
    refused_line = bound.get("refund_line")
    stray_refund = refused_line
    for fulfilment in fulfilments:
        for line in fulfilment.lines.all():
            mine = refused_line is not None and refused_line.data.get("line") == str(line.pk)
            line.refund_form = refused_line if mine else RefundLineForm(line_id=line.pk)
            stray_refund = None if mine else stray_refund
    batches = _batches(fulfilments)
    refused_recall = bound.get("recall")
    for batch in batches:
        mine = refused_recall is not None and refused_recall.batch_id == batch.pk
        batch.recall_form = refused_recall if mine else RecallForm(batch=batch)
    context = {
        "order": order,
        "fulfilments": fulfilments,
        "payments": list(order.payments.prefetch_related("refunds").order_by("pk")),
        "history": history_of(list(order.events.order_by("pk"))),
        "batches": batches,
        "cancel_form": bound.get("cancel") or CancelForm(),
        "refund_form": bound.get("refund") or RefundWholeForm(),
        # A refused refund of a line this order does not have: its errors show above the lines.
        "stray_refund": stray_refund,
    }
    return render(request, "operator/order.html", context, status=400 if bound else 200)


@never_cache
@_operators_only
def order_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _order(pk))


@never_cache
@require_POST
@_operators_only
def order_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    found = _order(pk)
    form = CancelForm(request.POST)

    def write(reason: str) -> Order:
        return payments.cancel(actor=request.user, order=found, reason=reason)

    if saved(form, request, write):
        messages.success(request, _("The order was cancelled; what was paid is refunded."))
        return redirect("storefront:operator_order", pk=found.pk)
    return _detail(request, found, cancel=form)


@never_cache
@require_POST
@_operators_only
def order_refund(request: HttpRequest, pk: int) -> HttpResponse:
    found = _order(pk)
    form = RefundWholeForm(request.POST)
    amount = saved(form, request, lambda: payments.refund(actor=request.user, order=found))
    if amount:
        messages.success(request, _("¥%(amount)s was refunded.") % {"amount": amount})
        return redirect("storefront:operator_order", pk=found.pk)
    return _detail(request, found, refund=form)


@never_cache
@require_POST
@_operators_only
def order_refund_line(request: HttpRequest, pk: int) -> HttpResponse:
    found = _order(pk)
    posted_line = request.POST.get("line", "")
    # The form's ids name its line, so that its errors show beside that line.
    line_id = int(posted_line) if re.fullmatch(r"[0-9]{1,12}", posted_line) else None
    form = RefundLineForm(request.POST, line_id=line_id)

    def write(line: int, units: int) -> Any:
        chosen = OrderLine.objects.filter(pk=line).first()
        if chosen is None:
            raise DomainError(
                PaymentErrorCode.NOT_FOUND, _lazy("This order has no such line."), "lines"
            )
        return payments.refund(actor=request.user, order=found, lines={chosen: units})

    amount = saved(form, request, write)
    if amount:
        messages.success(request, _("¥%(amount)s was refunded.") % {"amount": amount})
        return redirect("storefront:operator_order", pk=found.pk)
    return _detail(request, found, refund_line=form)


@never_cache
@require_POST
@_operators_only
def order_recall(request: HttpRequest, pk: int, batch_id: int) -> HttpResponse:
    """Recall a batch this order's units come from."""
    found = _order(pk)
    batch = get_object_or_404(Batch, pk=batch_id, allocations__line__order=found)
    form = RecallForm(request.POST, batch=batch)
    affected = saved(
        form,
        request,
        lambda reason: order_services.recall(actor=request.user, batch=batch, reason=reason),
    )
    if affected is not None:
        messages.success(request, recalled_message(batch, affected))
        return redirect("storefront:operator_order", pk=found.pk)
    return _detail(request, found, recall=form)


def _period_start(period: str) -> Any:
    if period == "all":
        return None
    return timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)


@never_cache
@_bookkeepers_only
def earnings(request: HttpRequest) -> HttpResponse:
    """What sellers earned and the commission, per seller, county and month."""
    form = PeriodForm(request.GET)
    period = form.cleaned_data["period"] if form.is_valid() else ""
    since = _period_start(period or "month")
    totals = {
        by: ledger.earnings_by(actor=request.user, by=by, since=since)
        for by in ("seller", "county", "month")
    }
    sellers = Seller.objects.in_bulk([row["key"] for row in totals["seller"]])
    for row in totals["seller"]:
        row["name"] = sellers.get(row["key"], row["key"])
    for row in totals["county"]:
        row["name"] = regions.region_name(row["key"]) or row["key"]
    tables = [
        (_("Per seller"), totals["seller"], "seller"),
        (_("Per county"), totals["county"], "county"),
        (_("Per month"), totals["month"], "month"),
    ]
    # Legs summing to anything but zero mean someone edited the books outside the services.
    context = {"form": form, "tables": tables, "unbalanced": ledger.check_books()}
    return render(request, "operator/earnings.html", context)


urlpatterns = [
    path("operator/orders/", order_list, name="operator_orders"),
    path("operator/orders/<int:pk>/", order_page, name="operator_order"),
    path("operator/orders/<int:pk>/cancel/", order_cancel, name="operator_order_cancel"),
    path("operator/orders/<int:pk>/refund/", order_refund, name="operator_order_refund"),
    path(
        "operator/orders/<int:pk>/refund-line/",
        order_refund_line,
        name="operator_order_refund_line",
    ),
    path(
        "operator/orders/<int:pk>/batches/<int:batch_id>/recall/",
        order_recall,
        name="operator_order_recall",
    ),
    path("operator/earnings/", earnings, name="operator_earnings"),
]
