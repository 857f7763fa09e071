"""The farmer's products on the workbench: create and edit them and their
variants, set stock, upload pictures from the phone's camera, publish.

The product page shows all of its forms; each posts to its own address and,
when refused, the page comes back with that form's errors beside its fields.
"""

from functools import partial
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from catalog import services
from catalog.models import Product, ProductImageThumbnail, ProductVariant, Seller
from catalog.selectors import (
    best_thumbnail,
    images_of,
    variants_of,
    visible_products,
    visible_variants,
)
from shop.core.api.uploads import TOO_LARGE
from storefront.forms.workbench import (
    PictureForm,
    ProductCreateForm,
    ProductForm,
    PublishForm,
    StockForm,
    VariantCreateForm,
    VariantForm,
)
from storefront.views.workbench import form_page, managed_seller, posted, saved, seller_url

PICTURE_SIZE = (256, ProductImageThumbnail.Format.WEBP)


def _product(request: HttpRequest, seller: Seller, product_id: int) -> Product:
    products = visible_products(request.user).filter(seller=seller)
    return get_object_or_404(products.select_related("category", "farm"), pk=product_id)


def product_url(product: Product) -> str:
    return reverse("storefront:workbench_product", args=[product.seller_id, product.pk])


def _stock_form(variant: ProductVariant, data: QueryDict | None = None) -> StockForm:
    return StockForm(data, variant=variant, initial={"quantity": variant.stock_quantity})


def _product_page(
    request: HttpRequest, seller: Seller, product: Product, **bound: Any
) -> HttpResponse:
    """The product with every form; `bound` replaces the one that was just refused."""
    stock = bound.pop("stock", None)
    variants = [
        {
            "variant": v,
            "stock": stock if stock and stock.prefix == f"stock-{v.pk}" else _stock_form(v),
        }
        for v in variants_of(product)
    ]
    pictures = []
    for image in images_of(product):
        thumbnail = best_thumbnail(image, *PICTURE_SIZE)
        pictures.append({"url": (thumbnail.file if thumbnail else image.image).url, "image": image})
    forms = {
        "edit": ProductForm(instance=product, actor=request.user, seller=seller),
        "publish": PublishForm(),
        "picture": PictureForm(),
        **bound,
    }
    context = {"seller": seller, "product": product, "variants": variants, "pictures": pictures}
    return render(request, "workbench/product.html", {**context, **forms})


@login_required
def product_create(request: HttpRequest, seller_id: int) -> HttpResponse:
    seller = managed_seller(request, seller_id)
    form = ProductCreateForm(posted(request), actor=request.user, seller=seller)
    product = saved(
        form, request, partial(services.create_product, actor=request.user, seller=seller)
    )
    if product:
        messages.success(request, _("The product was added. Now add its variants and pictures."))
        return redirect(product_url(product))
    return form_page(
        request,
        form,
        seller=seller,
        title=_("Add a product"),
        submit=_("Add the product"),
        back=seller_url(seller),
    )


@login_required
def product_page(request: HttpRequest, seller_id: int, product_id: int) -> HttpResponse:
    seller = managed_seller(request, seller_id)
    product = _product(request, seller, product_id)
    if request.method == "POST":
        form = ProductForm(request.POST, instance=product, actor=request.user, seller=seller)
        if saved(
            form, request, partial(services.update_product, actor=request.user, product=product)
        ):
            messages.success(request, _("The product was saved."))
            return redirect(product_url(product))
        return _product_page(request, seller, product, edit=form)
    return _product_page(request, seller, product)


@login_required
@require_POST
def product_publish(request: HttpRequest, seller_id: int, product_id: int) -> HttpResponse:
    seller = managed_seller(request, seller_id)
    product = _product(request, seller, product_id)
    form = PublishForm(request.POST)
    update = partial(services.update_product, actor=request.user, product=product)
    if saved(form, request, update):
        done = (
            _("The product is published.") if product.is_published else _("The product is hidden.")
        )
        messages.success(request, done)
        return redirect(product_url(product))
    return _product_page(request, seller, product, publish=form)


@login_required
@require_POST
def picture_upload(request: HttpRequest, seller_id: int, product_id: int) -> HttpResponse:
    seller = managed_seller(request, seller_id)
    product = _product(request, seller, product_id)
    form = PictureForm(request.POST, request.FILES)
    if getattr(request, "upload_refused", None) == TOO_LARGE:
        form.is_valid()
        form.errors.pop("image", None)
        limit = filesizeformat(settings.UPLOAD_MAX_BYTES)
        form.add_error("image", _("This picture is larger than %(limit)s.") % {"limit": limit})
    else:
        add = partial(services.add_product_image, actor=request.user, product=product)
        if saved(form, request, lambda image, alt: add(upload=image, alt=alt)):
            messages.success(request, _("The picture was added."))
            return redirect(product_url(product))
    return _product_page(request, seller, product, picture=form)


@login_required
@require_POST
def stock_update(request: HttpRequest, seller_id: int, variant_id: int) -> HttpResponse:
    seller = managed_seller(request, seller_id)
    variant = get_object_or_404(visible_variants(request.user).filter(seller=seller), pk=variant_id)
    form = _stock_form(variant, request.POST)
    if saved(form, request, partial(services.update_stock, actor=request.user, variant=variant)):
        message = _("Stock of %(variant)s set to %(quantity)d.")
        messages.success(
            request, message % {"variant": variant.name, "quantity": variant.stock_quantity}
        )
        return redirect(product_url(variant.product))
    return _product_page(request, seller, variant.product, stock=form)


@login_required
def variant_create(request: HttpRequest, seller_id: int, product_id: int) -> HttpResponse:
    seller = managed_seller(request, seller_id)
    product = _product(request, seller, product_id)
    form = VariantCreateForm(posted(request))
    create = partial(services.create_variant, actor=request.user, product=product)
    if saved(form, request, create):
        messages.success(request, _("The variant was added."))
        return redirect(product_url(product))
    return form_page(
        request,
        form,
        seller=seller,
        title=_("Add a variant"),
        subject=product,
        submit=_("Add the variant"),
        back=product_url(product),
    )


@login_required
def variant_edit(request: HttpRequest, seller_id: int, variant_id: int) -> HttpResponse:
    seller = managed_seller(request, seller_id)
    variants = visible_variants(request.user).filter(seller=seller).select_related("product")
    variant = get_object_or_404(variants, pk=variant_id)
    form = VariantForm(posted(request), instance=variant)
    update = partial(services.update_variant, actor=request.user, variant=variant)
    if saved(form, request, update):
        messages.success(request, _("The variant was saved."))
        return redirect(product_url(variant.product))
    return form_page(
        request,
        form,
        seller=seller,
        title=_("Edit the variant"),
        subject=variant.product,
        submit=_("Save"),
        back=product_url(variant.product),
    )


urlpatterns = [
    path("shop/<int:seller_id>/products/new/", product_create, name="workbench_product_create"),
    path("shop/<int:seller_id>/products/<int:product_id>/", product_page, name="workbench_product"),
    path(
        "shop/<int:seller_id>/products/<int:product_id>/publish/",
        product_publish,
        name="workbench_product_publish",
    ),
    path(
        "shop/<int:seller_id>/products/<int:product_id>/pictures/",
        picture_upload,
        name="workbench_picture_upload",
    ),
    path(
        "shop/<int:seller_id>/products/<int:product_id>/variants/new/",
        variant_create,
        name="workbench_variant_create",
    ),
    path("shop/<int:seller_id>/variants/<int:variant_id>/", variant_edit, name="workbench_variant"),
    path(
        "shop/<int:seller_id>/variants/<int:variant_id>/stock/",
        stock_update,
        name="workbench_stock",
    ),
]
