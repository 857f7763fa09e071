"""The farmer's workbench: register a seller, see whether an operator verified
it, manage its details and farms. Products are in `workbench_products`.

Views only look objects up and call the catalogue's services as the signed-in
user; the services decide who may do what (a refusal is a 403 page) and which
input is wrong (errors beside the fields). Each write is a POST answered by a
redirect and a message.
"""

from collections.abc import Callable
from copy import copy
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from catalog import services
from catalog.models import Seller
from catalog.policies import can_manage_seller
from catalog.selectors import variants_of, visible_farms, visible_products, visible_sellers
from shop.core.errors import DomainError
from shop.core.keyset import Page
from shop.core.roles import require
from storefront.forms.base import PageFormMixin, SubmitOnce
from storefront.forms.workbench import FarmCreateForm, FarmForm, SellerForm, SellerRegisterForm
from storefront.paging import page_or_400

PAGE_SIZE = 20


def managed_seller(request: HttpRequest, seller_id: int) -> Seller:
    """The seller whose workbench this is: one the user may not see is not found;
    one they may see but not manage is refused by the catalogue's policy."""
    seller = get_object_or_404(visible_sellers(request.user), pk=seller_id)
    require(
        request.user,
        can_manage_seller(request.user, seller),
        _("Only the seller's members may open its workbench."),
    )
    return seller


def seller_url(seller: Seller) -> str:
    return reverse("storefront:workbench_seller", args=[seller.pk])


def paged(
    request: HttpRequest, queryset: QuerySet[Any], keys: list[str], param: str = "after"
) -> Page:
    return page_or_400(request, queryset, keys=keys, first=PAGE_SIZE, param=param)


def saved(form: PageFormMixin, request: HttpRequest, write: Callable[..., Any]) -> Any:
    """Run `write(**cleaned_data)` for a form that was sent and is valid; None when
    it was not sent or the input, the service or a repeated submission refused
    it (the form then says why)."""
    if not form.is_bound or not form.is_valid():
        return None
    if isinstance(form, SubmitOnce) and form.submitted_before(request):
        return None
    data = {k: v for k, v in form.cleaned_data.items() if k != "submission"}
    try:
        result = write(**data)
    except DomainError as exc:
        form.show_domain_error(exc)
        return None
    if isinstance(form, SubmitOnce):
        form.remember(request)
    return result


def posted(request: HttpRequest) -> QueryDict | None:
    """The form data of a POST (even an empty one), else None for an unbound form."""
    return request.POST if request.method == "POST" else None


def form_page(request: HttpRequest, form: PageFormMixin, **context: Any) -> HttpResponse:
    """One form on its own page: `title`, `submit`, `back` (a URL), optional `intro`, `seller`."""
    return render(request, "workbench/form.html", {"form": form, **context})


@login_required
def workbench(request: HttpRequest) -> HttpResponse:
    """The sellers the user belongs to: one opens straight away, several to pick from."""
    mine = visible_sellers(request.user).filter(members=request.user.pk)
    listed = paged(request, mine, ["name", "id"])
    if len(listed.rows) == 1 and not listed.has_next and "after" not in request.GET:
        return redirect("storefront:workbench_seller", seller_id=listed.rows[0].pk)
    return render(request, "workbench/index.html", {"page": listed})


@login_required
def seller_register(request: HttpRequest) -> HttpResponse:
    form = SellerRegisterForm(posted(request))
    seller = saved(form, request, partial(services.create_seller, actor=request.user))
    if seller:
        messages.success(
            request, _("Registered. An operator will check your details before you can sell.")
        )
        return redirect("storefront:workbench_seller", seller_id=seller.pk)
    return form_page(
        request,
        form,
        title=_("Register a seller"),
        intro=_(
            "A farmer household, a cooperative or a small enterprise. You become its first "
            "member; an operator checks the details before its products can be published."
        ),
        submit=_("Register"),
        back=reverse("storefront:workbench"),
    )


@login_required
def seller_home(request: HttpRequest, seller_id: int) -> HttpResponse:
    """The seller's status, farms and products with their stock at a glance."""
    seller = managed_seller(request, seller_id)
    products = paged(request, visible_products(request.user).filter(seller=seller), ["name", "id"])
    farms = paged(
        request, visible_farms(request.user).filter(seller=seller), ["name", "id"], "farms"
    )
    rows = [{"product": p, "variants": variants_of(p)} for p in products.rows]
    return render(
        request,
        "workbench/seller.html",
        {"seller": seller, "products": products, "rows": rows, "farms": farms},
    )


@login_required
def seller_edit(request: HttpRequest, seller_id: int) -> HttpResponse:
    seller = managed_seller(request, seller_id)
    form = SellerForm(posted(request), instance=seller)
    if saved(form, request, partial(services.update_seller, actor=request.user, seller=seller)):
        messages.success(request, _("The seller's details were saved."))
        return redirect("storefront:workbench_seller", seller_id=seller.pk)
    return form_page(
        request,
        form,
        seller=seller,
        title=_("Edit the seller's details"),
        submit=_("Save"),
        back=seller_url(seller),
    )


@login_required
def farm_create(request: HttpRequest, seller_id: int) -> HttpResponse:
    seller = managed_seller(request, seller_id)
    form = FarmCreateForm(posted(request))
    if saved(form, request, partial(services.create_farm, actor=request.user, seller=seller)):
        messages.success(request, _("The farm was added."))
        return redirect("storefront:workbench_seller", seller_id=seller.pk)
    return form_page(
        request,
        form,
        seller=seller,
        title=_("Add a farm"),
        submit=_("Add the farm"),
        back=seller_url(seller),
    )


@login_required
def farm_edit(request: HttpRequest, seller_id: int, farm_id: int) -> HttpResponse:
    seller = managed_seller(request, seller_id)
    farm = get_object_or_404(visible_farms(request.user).filter(seller=seller), pk=farm_id)
    form = FarmForm(posted(request), instance=farm)
    shown = copy(farm)  # the service applies refused input to `farm` too
    if saved(form, request, partial(services.update_farm, actor=request.user, farm=farm)):
        messages.success(request, _("The farm was saved."))
        return redirect("storefront:workbench_seller", seller_id=seller.pk)
    return form_page(
        request,
        form,
        seller=seller,
        title=_("Edit the farm"),
        subject=shown,
        submit=_("Save"),
        back=seller_url(seller),
    )


urlpatterns = [
    path("shop/", workbench, name="workbench"),
    path("shop/register/", seller_register, name="seller_register"),
    path("shop/<int:seller_id>/", seller_home, name="workbench_seller"),
    path("shop/<int:seller_id>/edit/", seller_edit, name="workbench_seller_edit"),
    path("shop/<int:seller_id>/farms/new/", farm_create, name="workbench_farm_create"),
    path("shop/<int:seller_id>/farms/<int:farm_id>/", farm_edit, name="workbench_farm_edit"),
]
