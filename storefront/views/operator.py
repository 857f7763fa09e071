"""The operator's verification queue: sellers waiting, each verified or turned
back with a reason through the same services as the API and the admin."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from catalog import services
from catalog.models import Seller
from catalog.policies import can_verify_sellers
from catalog.selectors import sellers_awaiting_verification, visible_sellers
from shop.core.errors import DomainError, Message
from shop.core.roles import Actor, require
from storefront.forms.operator import RejectForm
from storefront.paging import page_or_400

QUEUE_PAGE = 20

View = Callable[..., HttpResponse]


def operators_only(policy: Callable[[Actor], bool], refusal: Message) -> Callable[[View], View]:
    """Sign in first; then those `policy(user)` admits (anyone else gets the 403
    page saying `refusal`)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            require(request.user, policy(request.user), refusal)
            return view(request, *args, **kwargs)

        return checked

    return decorate


_operators_only = operators_only(
    can_verify_sellers, _lazy("Only platform operators may open the verification queue.")
)


@_operators_only
def verification_queue(request: HttpRequest) -> HttpResponse:
    """Oldest first, so nobody waits longest by accident."""
    waiting = sellers_awaiting_verification(request.user).prefetch_related("members", "farms")
    found = page_or_400(request, waiting, keys=["created_at", "id"], first=QUEUE_PAGE)
    rows = [(seller, RejectForm(seller=seller)) for seller in found.rows]
    return render(request, "operator/queue.html", {"rows": rows, "page": found})


def _seller(request: HttpRequest, pk: int) -> Seller:
    return get_object_or_404(visible_sellers(request.user), pk=pk)


@require_POST
@_operators_only
def verify(request: HttpRequest, pk: int) -> HttpResponse:
    seller = _seller(request, pk)
    try:
        services.verify_seller(actor=request.user, seller=seller)
    except DomainError as exc:
        messages.error(request, f"{seller.name}: {exc.message}")
    else:
        messages.success(
            request,
            _("%(name)s is verified; its published products are public.") % {"name": seller.name},
        )
    return redirect("storefront:verification_queue")


@_operators_only
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    """The reject form on its own page: where it comes back with its errors."""
    seller = _seller(request, pk)
    form = RejectForm(request.POST if request.method == "POST" else None, seller=seller)
    if request.method == "POST" and form.is_valid():
        try:
            services.reject_seller(
                actor=request.user, seller=seller, reason=form.cleaned_data["rejection_reason"]
            )
        except DomainError as exc:
            form.show_domain_error(exc)
        else:
            messages.success(
                request,
                _("%(name)s was rejected; its members see the reason.") % {"name": seller.name},
            )
            return redirect("storefront:verification_queue")
    return render(request, "operator/reject.html", {"seller": seller, "form": form})


urlpatterns = [
    path("operator/sellers/", verification_queue, name="verification_queue"),
    path("operator/sellers/<int:pk>/verify/", verify, name="seller_verify"),
    path("operator/sellers/<int:pk>/reject/", reject, name="seller_reject"),
]
