from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from catalog import models, services
from catalog.images import validate_upload
from shop.errors import DomainError


class FarmInline(admin.TabularInline):
    model = models.Farm
    extra = 0


@admin.register(models.Seller)
class SellerAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "county", "is_verified", "is_poverty_household"]
    list_filter = ["kind", "is_verified", "is_poverty_household", "province"]
    search_fields = ["name", "name_en", "division_code"]
    readonly_fields = ["is_verified", "verified_at", "verified_by"]
    filter_horizontal = ["members"]
    inlines = [FarmInline]
    actions = ["verify"]

    @admin.action(description=_("Verify the selected sellers"))
    def verify(self, request, queryset):
        for seller in queryset:
            try:
                services.verify_seller(request.user, seller)
            except DomainError as error:
                self.message_user(request, f"{seller}: {error.message}", messages.WARNING)


def _validation_error(error):
    return forms.ValidationError(str(error.message), code=error.code.value)


class VariantForm(forms.ModelForm):
    """The services' own checks of a GTIN and a price, shown on the form."""

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

    def clean_gtin(self):
        try:
            return services.clean_gtin(self.cleaned_data["gtin"])
        except DomainError as error:
            raise _validation_error(error) from error

    def clean_price(self):
        try:
            return services.clean_price(self.cleaned_data["price"])
        except DomainError as error:
            raise _validation_error(error) from error


class VariantInline(admin.TabularInline):
    model = models.ProductVariant
    form = VariantForm
    extra = 0


class ProductForm(forms.ModelForm):
    """Publishing follows the same rule as in the API: the seller must be verified."""

    class Meta:
        model = models.Product
        fields = [
            "seller",
            "category",
            "farm",
            "name",
            "name_en",
            "slug",
            "description",
            "origin",
            "storage",
            "shelf_life_days",
            "is_published",
        ]

    def clean(self):
        cleaned = super().clean()
        seller = cleaned.get("seller")
        if seller is not None:
            try:
                services.check_publishable(seller, cleaned)
            except DomainError as error:
                self.add_error("is_published", _validation_error(error))
        return cleaned


class ImageForm(forms.ModelForm):
    """The same checks as an upload through the API, shown on the form."""

    class Meta:
        model = models.ProductImage
        fields = ["image", "alt", "sort_order"]

    def clean_image(self):
        image = self.cleaned_data["image"]
        if image and "image" in self.changed_data:
            try:
                self.instance.width, self.instance.height = validate_upload(image)
            except DomainError as error:
                raise _validation_error(error) from error
        return image


class ImageInline(admin.TabularInline):
    model = models.ProductImage
    form = ImageForm
    extra = 0
    readonly_fields = ["width", "height"]


@admin.register(models.Product)
class ProductAdmin(admin.ModelAdmin):
    form = ProductForm
    list_display = ["name", "seller", "category", "is_published", "created_at"]
    list_filter = ["is_published", "category"]
    search_fields = ["name", "name_en", "slug"]
    list_select_related = ["seller", "category"]
    raw_id_fields = ["seller", "farm"]
    inlines = [VariantInline, ImageInline]

    def save_formset(self, request, form, formset, change):
        for obj in formset.save(commit=False):
            if isinstance(obj, models.ProductImage) and obj.pk is None:
                # New pictures go through the service: size as shown, thumbnails.
                services.add_product_image(form.instance, obj.image.file, obj.alt)
                continue
            if isinstance(obj, models.ProductVariant):
                obj.seller_id = form.instance.seller_id
            obj.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


@admin.register(models.Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "parent"]
    prepopulated_fields = {"slug": ["name_en"]}
