"""The buyer's orders: the confirmation and status page, reached by the order's
unguessable token (a guest's only link to it), and "my orders".

An order placed by a signed-in buyer shows only to those who may view it
(`shop.orders.policies.can_view_order`); anyone else gets a 404, as for a
token that names nothing. Pages are private (`never_cache`).
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from shop.core.errors import DomainError
from shop.orders.models import Order, OrderEvent
from shop.orders.policies import can_cancel_as_buyer, can_view_order
from shop.orders.states import BUYER_MAY_CANCEL, FulfilmentStatus, OrderStatus
from shop.payments import services as payments
from shop.payments.models import Payment
from storefront.forms.buying import RetryPaymentForm
from storefront.paging import page_or_400

PAGE_SIZE = 20


def order_for(request: HttpRequest, token: Any) -> Order:
    order = get_object_or_404(Order.objects.select_related("pickup_point"), token=token)
    if order.buyer_id is not None and not can_view_order(request.user, order):
        raise Http404
    return order


def history_of(events: list[OrderEvent]) -> list[tuple[Any, str]]:
    """(when, what) of each event, in words."""
    shown = []
    for event in events:
        text = str(event.get_kind_display())
        if event.kind == OrderEvent.Kind.STATUS and event.data.get("to") in OrderStatus.values:
            text = f"{text}: {OrderStatus(event.data['to']).label}"
        elif event.kind == OrderEvent.Kind.FULFILMENT:
            status = event.data.get("status")
            if status in FulfilmentStatus.values:
                text = f"{text}: {FulfilmentStatus(status).label}"
        shown.append((event.created_at, text))
    return shown


def _may_retry(order: Order, last: Payment | None) -> bool:
    return (
        order.status == OrderStatus.UNCONFIRMED
        and order.gateway == "test"
        and last is not None
        and last.status == Payment.Status.FAILED
    )


@never_cache
def order(request: HttpRequest, token: Any) -> HttpResponse:
    found = order_for(request, token)
    fulfilments = list(
        found.fulfilments.select_related("seller").prefetch_related("lines").order_by("pk")
    )
    last = found.payments.order_by("-pk").first()
    context = {
        "order": found,
        "fulfilments": fulfilments,
        "history": history_of(list(found.events.order_by("pk"))),
        "may_cancel": found.status in BUYER_MAY_CANCEL
        and can_cancel_as_buyer(request.user, found, token),
        "may_retry": _may_retry(found, last),
        "retry_form": RetryPaymentForm(),
        "last_payment": last,
    }
    return render(request, "storefront/order.html", context)


@never_cache
@require_POST
def order_cancel(request: HttpRequest, token: Any) -> HttpResponse:
    found = order_for(request, token)
    try:
        payments.cancel(actor=request.user, order=found, reason="buyer", token=token)
    except DomainError as exc:
        messages.error(request, str(exc.errors[0].message))
    else:
        messages.success(request, _("Your order was cancelled."))
    return redirect("storefront:order", token=found.token)


@never_cache
@require_POST
def order_pay(request: HttpRequest, token: Any) -> HttpResponse:
    """Try the payment again; a guest shows the order's token from the link."""
    found = order_for(request, token)
    form = RetryPaymentForm(request.POST)
    if not _may_retry(found, found.payments.order_by("-pk").first()) or not form.is_valid():
        messages.error(request, _("This order is not waiting for a new payment."))
        return redirect("storefront:order", token=found.token)
    try:
        started = payments.pay(
            actor=request.user,
            order=found,
            gateway=found.gateway,
            scenario=form.cleaned_data["scenario"],
            token=token,
        )
    except DomainError as exc:
        messages.error(request, str(exc.errors[0].message))
    else:
        if started.payment.status == Payment.Status.SUCCEEDED:
            messages.success(request, _("Thank you, your order is paid."))
        else:
            messages.error(request, _("The payment did not succeed. You can try again."))
    return redirect("storefront:order", token=found.token)


@never_cache
@login_required
def my_orders(request: HttpRequest) -> HttpResponse:
    mine = Order.objects.filter(buyer_id=request.user.pk)
    listed = page_or_400(request, mine, keys=["id"], first=PAGE_SIZE, descending=True)
    return render(request, "storefront/my_orders.html", {"page": listed})


urlpatterns = [
    path("orders/<uuid:token>/", order, name="order"),
    path("orders/<uuid:token>/cancel/", order_cancel, name="order_cancel"),
    path("orders/<uuid:token>/pay/", order_pay, name="order_pay"),
    path("me/orders/", my_orders, name="my_orders"),
]
