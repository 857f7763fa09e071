"""The farmer's workbench forms: they read and type the input; the catalogue's
services check the rules and save (their errors land beside the fields)."""

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.validators import MaxValueValidator
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from catalog.models import Farm, Product, ProductVariant, Seller
from catalog.selectors import visible_categories, visible_farms
from shop.core.roles import Actor
from storefront.forms.base import PageForm, PageModelForm, SubmitOnce
from storefront.templatetags.storefront import localized

# What an integer column holds (PostgreSQL's integer): larger input is the
# user's mistake, not a database error.
INTEGER_MAX = 2**31 - 1


def _bound_integers(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        if isinstance(field, forms.IntegerField) and field.max_value is None:
            field.max_value = INTEGER_MAX
            field.validators.append(MaxValueValidator(INTEGER_MAX))
            field.widget.attrs["max"] = INTEGER_MAX


class LocalizedChoiceField(forms.ModelChoiceField):
    """Its options named in the page's language."""

    def label_from_instance(self, obj: Model) -> str:
        return localized(obj)


class SellerForm(PageModelForm):
    class Meta:
        model = Seller
        fields = [
            "name",
            "name_en",
            "kind",
            "province",
            "city",
            "county",
            "township",
            "village",
            "division_code",
            "is_poverty_household",
            "linked_poverty_households",
            "story",
        ]
        help_texts = {
            "name": _("As registered, e.g. 武功山紫米合作社."),
            "division_code": _(
                "The 12-digit code of your village or township (统计用区划代码), e.g. 360323203201."
            ),
            "linked_poverty_households": _(
                "How many registered poverty-alleviation households you employ or buy from."
            ),
            "story": _("Who you are and how you grow or make your food."),
        }
        widgets = {
            "division_code": forms.TextInput(attrs={"inputmode": "numeric"}),
            "story": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _bound_integers(self)


class SellerRegisterForm(SubmitOnce, SellerForm):
    pass


class FarmForm(PageModelForm):
    # A reading from the phone's map: rounded to the column by the service.
    latitude = forms.FloatField(
        label=_("Latitude"),
        help_text=_("Degrees north, e.g. 27.59 (from the phone's map app)."),
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    longitude = forms.FloatField(
        label=_("Longitude"),
        help_text=_("Degrees east, e.g. 114.21."),
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )

    class Meta:
        model = Farm
        fields = ["name", "name_en", "village", "latitude", "longitude", "area_mu", "produce"]
        help_texts = {"produce": _("For example 紫米, 土鸡, 高山茶.")}
        widgets = {"area_mu": forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"})}


class FarmCreateForm(SubmitOnce, FarmForm):
    pass


class ProductForm(PageModelForm):
    """Only the seller's own farms are offered; any other id is an invalid choice."""

    class Meta:
        model = Product
        fields = [
            "name",
            "name_en",
            "category",
            "farm",
            "description",
            "origin",
            "storage",
            "shelf_life_days",
        ]
        field_classes = {"category": LocalizedChoiceField, "farm": LocalizedChoiceField}
        help_texts = {
            "origin": _("Where it comes from, e.g. 江西萍乡武功山."),
            "storage": _("For example: cool and dry."),
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, actor: Actor, seller: Seller, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category = cast(forms.ModelChoiceField, self.fields["category"])
        farm = cast(forms.ModelChoiceField, self.fields["farm"])
        category.queryset = visible_categories(actor)
        farm.queryset = visible_farms(actor).filter(seller=seller)
        farm.empty_label = _("No farm")
        _bound_integers(self)


class ProductCreateForm(SubmitOnce, ProductForm):
    pass


class VariantForm(PageModelForm):
    price = forms.DecimalField(
        label=_("Price (CNY, ¥)"),
        min_value=Decimal("0.01"),
        max_digits=10,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    gtin = forms.CharField(
        label=_("GTIN (barcode)"),
        required=False,
        max_length=20,
        help_text=_("8, 12, 13 or 14 digits, if the package has a barcode."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )

    class Meta:
        model = ProductVariant
        fields = ["name", "sku", "price", "net_weight_grams", "gtin", "cold_chain", "sort_order"]
        help_texts = {"sku": _("Your own code for this variant, e.g. ZM-5KG.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sort_order"].required = False
        _bound_integers(self)


class VariantCreateForm(SubmitOnce, VariantForm):
    stock_quantity = forms.IntegerField(label=_("Stock"), initial=0, min_value=0)

    class Meta(VariantForm.Meta):
        fields = [*VariantForm.Meta.fields, "stock_quantity"]


class StockForm(PageForm):
    """One per variant on the product page: its prefix and label name the variant."""

    quantity = forms.IntegerField(widget=forms.NumberInput(attrs={"inputmode": "numeric"}))

    def __init__(self, *args: Any, variant: ProductVariant, **kwargs: Any) -> None:
        super().__init__(*args, prefix=f"stock-{variant.pk}", **kwargs)
        self.fields["quantity"].label = _("Stock of %(variant)s") % {"variant": variant.name}
        _bound_integers(self)


class PublishForm(PageForm):
    """Sent by the Publish or the Unpublish button."""

    is_published = forms.TypedChoiceField(
        choices=[("true", _("Publish")), ("false", _("Unpublish"))],
        coerce=lambda value: value == "true",
    )


class PictureForm(SubmitOnce, PageForm):
    """Shown on the product page beside its other forms, so its ids are its own."""

    image = forms.FileField(
        label=_("Picture"),
        help_text=_("A JPEG, PNG or WebP photo; take one with the camera or pick one."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )
    alt = forms.CharField(
        label=_("What the picture shows"),
        max_length=200,
        required=False,
        help_text=_("For people who cannot see it, e.g. 紫米 in a 5 kg bag."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, auto_id="picture_%s", **kwargs)
