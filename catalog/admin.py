"""The operators' admin: every write goes through catalog.services as the signed-in
operator, and the forms show the same rules' errors next to the field."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from catalog import models, rules, services
from catalog.images import validate_upload
from shop.core.admin import ServiceAdmin
from shop.core.errors import DomainError
from shop.core.roles import Actor


def _validation_error(error: DomainError) -> forms.ValidationError:
    return forms.ValidationError(str(error.message), code=error.code.value)


def _adopt(instance: Model, saved: Model) -> None:
    """Make the admin's unsaved `instance` the row a service created."""
    instance.pk = saved.pk
    instance._state.adding = False
    instance.refresh_from_db()


class FarmInline(admin.TabularInline):
    """Farms are the seller's own records, kept by its members: shown, not edited."""

    model = models.Farm
    extra = 0
    can_delete = False
    readonly_fields = ["name", "name_en", "village", "latitude", "longitude", "area_mu", "produce"]

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


SELLER_FIELDS = (
    "name",
    "name_en",
    "kind",
    "is_poverty_household",
    "linked_poverty_households",
    "province",
    "city",
    "county",
    "township",
    "village",
    "division_code",
    "story",
)

# Changed only by the verify and reject services (the queue at /operator/sellers/).
SELLER_STATUS = ("is_verified", "verified_at", "verified_by", "rejected_at", "rejection_reason")


@admin.register(models.Seller)
class SellerAdmin(ServiceAdmin):
    list_display = ["name", "kind", "county", "is_verified", "is_poverty_household"]
    list_filter = ["kind", "is_verified", "is_poverty_household", "province"]
    search_fields = ["name", "name_en", "division_code"]
    fields = [*SELLER_FIELDS, "slug", "members", *SELLER_STATUS]
    readonly_fields = ["slug", "members", *SELLER_STATUS]
    inlines = [FarmInline]
    actions = ["verify"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a seller registers itself, with its first member

    def save_model(
        self, request: HttpRequest, obj: models.Seller, form: forms.ModelForm, change: bool
    ) -> None:
        services.update_seller(actor=request.user, seller=obj, **self.changes(form, SELLER_FIELDS))

    @admin.action(description=_("Verify the selected sellers"))
    def verify(self, request: HttpRequest, queryset: QuerySet[models.Seller]) -> None:
        for seller in queryset:
            try:
                services.verify_seller(actor=request.user, seller=seller)
            except DomainError as error:
                self.message_user(request, f"{seller}: {error.message}", messages.WARNING)


class RulesFormMixin:
    """Field rules from catalog.rules, their errors shown next to the field."""

    def apply_rule(self, rule: Callable[..., Any], *args: Any) -> Any:
        try:
            return rule(*args)
        except DomainError as error:
            raise _validation_error(error) from error


class VariantForm(RulesFormMixin, forms.ModelForm):
    gtin = forms.CharField(label=_("GTIN-14"), required=False, max_length=20)

    class Meta:
        model = models.ProductVariant
        fields = [
            "sku",
            "gtin",
            "name",
            "net_weight_grams",
            "price",
            "stock_quantity",
            "cold_chain",
            "sort_order",
        ]

    def clean_gtin(self) -> Any:
        return self.apply_rule(rules.clean_gtin, self.cleaned_data["gtin"])

    def clean_price(self) -> Any:
        return self.apply_rule(rules.clean_price, self.cleaned_data["price"])

    def clean_stock_quantity(self) -> Any:
        return self.apply_rule(rules.clean_stock, self.cleaned_data["stock_quantity"])


class VariantInline(admin.TabularInline):
    model = models.ProductVariant
    form = VariantForm
    extra = 0


class ProductForm(RulesFormMixin, forms.ModelForm):
    """Publishing follows the same rule as in the API: the seller must be verified."""

    class Meta:
        model = models.Product
        fields = [
            "seller",
            "category",
            "farm",
            "name",
            "name_en",
            "description",
            "origin",
            "storage",
            "shelf_life_days",
            "is_published",
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        seller = cleaned.get("seller") or getattr(self.instance, "seller", None)
        if seller is not None:
            try:
                rules.check_publishable(seller, cleaned.get("is_published"))
            except DomainError as error:
                self.add_error("is_published", _validation_error(error))
        return cleaned


class ImageForm(forms.ModelForm):
    """The same checks as an upload through the API, shown on the form."""

    class Meta:
        model = models.ProductImage
        fields = ["image", "alt", "sort_order"]

    def clean_image(self) -> Any:
        image = self.cleaned_data["image"]
        if image and "image" in self.changed_data:
            if self.instance.pk is not None:
                raise forms.ValidationError(_("Upload a new picture instead."), code="invalid")
            try:
                validate_upload(image)
            except DomainError as error:
                raise _validation_error(error) from error
        return image


class ImageInline(admin.TabularInline):
    model = models.ProductImage
    form = ImageForm
    extra = 0
    readonly_fields = ["width", "height"]


PRODUCT_FIELDS = tuple(f for f in ProductForm.Meta.fields if f != "seller")
VARIANT_FIELDS = tuple(f for f in VariantForm.Meta.fields if f != "stock_quantity")


@admin.register(models.Product)
class ProductAdmin(ServiceAdmin):
    form = ProductForm
    list_display = ["name", "seller", "category", "is_published", "created_at"]
    list_filter = ["is_published", "category"]
    search_fields = ["name", "name_en", "slug"]
    list_select_related = ["seller", "category"]
    raw_id_fields = ["seller", "farm"]
    inlines = [VariantInline, ImageInline]

    def get_readonly_fields(
        self, request: HttpRequest, obj: models.Product | None = None
    ) -> list[str]:
        # The variants copy their product's seller: a product never moves.
        return ["seller", "slug"] if obj is not None else ["slug"]

    def save_model(
        self, request: HttpRequest, obj: models.Product, form: forms.ModelForm, change: bool
    ) -> None:
        if change:
            services.update_product(
                actor=request.user, product=obj, **self.changes(form, PRODUCT_FIELDS)
            )
        else:
            fields: dict[str, Any] = {f: form.cleaned_data.get(f) for f in PRODUCT_FIELDS}
            saved = services.create_product(
                actor=request.user, seller=form.cleaned_data["seller"], **fields
            )
            _adopt(obj, saved)

    def save_formset(
        self, request: HttpRequest, form: forms.ModelForm, formset: Any, change: bool
    ) -> None:
        """Each row through its service; the lists the admin's history reads are kept."""
        product, actor = form.instance, request.user
        deleted = set(formset.deleted_forms)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for each in formset.forms:
            row = each.instance
            if each in deleted:
                if row.pk is not None:
                    self._delete(actor, row)
                    formset.deleted_objects.append(row)
            elif each.has_changed():
                if row.pk is None:
                    formset.new_objects.append(self._save_row(actor, product, each))
                else:
                    self._save_row(actor, product, each)
                    formset.changed_objects.append((row, each.changed_data))

    def _delete(self, actor: Actor, row: models.ProductVariant | models.ProductImage) -> None:
        if isinstance(row, models.ProductVariant):
            services.delete_variant(actor=actor, variant=row)
        else:
            services.delete_product_image(actor=actor, image=row)

    def _save_row(
        self, actor: Actor, product: models.Product, form: forms.ModelForm
    ) -> models.ProductVariant | models.ProductImage:
        row, data = form.instance, form.cleaned_data
        if isinstance(row, models.ProductImage):
            if row.pk is None:
                return services.add_product_image(
                    actor=actor, product=product, upload=data["image"], alt=data["alt"]
                )
            changes = self.changes(form, ("alt", "sort_order"))
            return services.update_product_image(actor=actor, image=row, **changes)
        if row.pk is None:
            fields: dict[str, Any] = {f: data.get(f) for f in VARIANT_FIELDS}
            return services.create_variant(
                actor=actor, product=product, stock_quantity=data["stock_quantity"], **fields
            )
        services.update_variant(actor=actor, variant=row, **self.changes(form, VARIANT_FIELDS))
        if "stock_quantity" in form.changed_data:
            services.update_stock(actor=actor, variant=row, quantity=data["stock_quantity"])
        return row


@admin.register(models.Category)
class CategoryAdmin(ServiceAdmin):
    list_display = ["name", "name_en", "parent"]
    fields = ["name", "name_en", "parent", "slug"]
    readonly_fields = ["slug"]

    def save_model(
        self, request: HttpRequest, obj: models.Category, form: forms.ModelForm, change: bool
    ) -> None:
        fields = ("name", "name_en", "parent")
        if change:
            services.update_category(actor=request.user, category=obj, **self.changes(form, fields))
        else:
            saved = services.create_category(
                actor=request.user, **{f: form.cleaned_data[f] for f in fields}
            )
            _adopt(obj, saved)
