"""The GET forms of the catalogue's lists: whatever a shared or hand-edited URL
carries is checked here, and a bad value is shown beside its field."""

from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlencode

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from catalog.models import Category
from catalog.selectors import category_with_descendants, division_prefix, visible_categories
from shop.core.roles import Actor
from storefront.forms.base import PageForm
from storefront.templatetags.storefront import localized

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# A cursor is a few sort-key values in base64 JSON; anything longer is not one.
CURSOR_MAX_LENGTH = 400

# Sort choice -> (model field, descending): the API's ProductSortInput.
SORTS = {
    "name": ("name", False),
    "price": ("min_price", False),
    "price_desc": ("min_price", True),
    "newest": ("created_at", True),
}
SORT_CHOICES = [
    ("name", _("Name")),
    ("price", _("Price, lowest first")),
    ("price_desc", _("Price, highest first")),
    ("newest", _("Newest first")),
]
DEFAULT_SORT = "name"


class Select(forms.Select):
    """A select whose options carry no attributes but `selected`: a template
    include fewer per option, which is most of the cost of rendering the form."""

    option_template_name = "storefront/widgets/select_option.html"


def _price_field(label: "StrOrPromise") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=Decimal(0),
        max_digits=10,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )


class ProductSearchForm(PageForm):
    """The search page's filters, the same as the API's `products(filter, sortBy)`."""

    # Typed in the header's search box; carried along when filters change.
    q = forms.CharField(label=_("Words"), max_length=100, required=False, widget=forms.HiddenInput)
    category = forms.ChoiceField(label=_("Category"), required=False, widget=Select)
    region = forms.CharField(
        label=_("Region code"),
        max_length=12,
        required=False,
        help_text=_("An administrative division code of 2 to 12 digits."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    price_min = _price_field(_("Lowest price (¥)"))
    price_max = _price_field(_("Highest price (¥)"))
    cold_chain = forms.TypedChoiceField(
        label=_("Cold chain"),
        choices=[("", _("Either")), ("yes", _("Needs cold chain")), ("no", _("No cold chain"))],
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
        widget=Select,
    )
    sort = forms.ChoiceField(
        label=_("Sort by"), choices=SORT_CHOICES, required=False, widget=Select
    )

    def __init__(self, data: QueryDict, *, actor: Actor) -> None:
        super().__init__(data)
        # One query serves both the choices shown and the check of the one chosen.
        self.categories = {category.slug: category for category in visible_categories(actor)}
        cast(forms.ChoiceField, self.fields["category"]).choices = [("", _("All categories"))] + [
            (slug, localized(category)) for slug, category in self.categories.items()
        ]

    def clean_category(self) -> Category | None:
        return self.categories.get(self.cleaned_data["category"])

    def clean_region(self) -> str:
        region = self.cleaned_data["region"].strip()
        if region:
            try:
                division_prefix(region)
            except ValueError as exc:
                raise forms.ValidationError(
                    _("Enter an administrative division code of 2 to 12 digits."), code="invalid"
                ) from exc
        return region

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        low, high = cleaned.get("price_min"), cleaned.get("price_max")
        if low is not None and high is not None and low > high:
            self.add_error("price_max", _("The highest price is below the lowest."))
        return cleaned

    def filters(self) -> dict[str, Any]:
        """Keyword arguments of `catalog.selectors.filter_products`."""
        data = self.cleaned_data
        category = data["category"]
        return {
            "search": data["q"] or None,
            "categories": category_with_descendants(category) if category else None,
            "region": data["region"] or None,
            "price_gte": data["price_min"],
            "price_lte": data["price_max"],
            "cold_chain": data["cold_chain"],
        }

    def order(self) -> tuple[str, bool]:
        return SORTS[self.cleaned_data["sort"] or DEFAULT_SORT]

    def sort_links(self) -> list[dict[str, Any]]:
        """Each sort as a link keeping the filters: one tap, no form to render."""
        current = self.cleaned_data["sort"] or DEFAULT_SORT
        query = {k: v for k, v in self.canonical_query().items() if k != "sort"}
        return [
            {
                "label": label,
                "query": urlencode({**query, **({} if key == DEFAULT_SORT else {"sort": key})}),
                "current": key == current,
            }
            for key, label in SORT_CHOICES
        ]

    def canonical_query(self) -> dict[str, str]:
        """The parameters that choose what the page shows, in a fixed order."""
        data = self.cleaned_data
        query = {
            "q": data["q"],
            "category": data["category"].slug if data["category"] else "",
            "region": data["region"],
            "price_min": "" if data["price_min"] is None else str(data["price_min"]),
            "price_max": "" if data["price_max"] is None else str(data["price_max"]),
            "cold_chain": self.data.get("cold_chain", "") if data["cold_chain"] is not None else "",
            "sort": "" if data["sort"] in ("", DEFAULT_SORT) else data["sort"],
        }
        return {key: value for key, value in query.items() if value}


class CursorForm(PageForm):
    """The cursors a list page takes: `after` (and `sellers_after` on a region's page)."""

    after = forms.CharField(max_length=CURSOR_MAX_LENGTH, required=False)
    sellers_after = forms.CharField(max_length=CURSOR_MAX_LENGTH, required=False)

    def cursor(self, name: str = "after") -> str | None:
        """The cursor `name`, None when absent; ValueError when it cannot be one."""
        if not self.is_valid() and name in self.errors:
            raise ValueError(name)
        return self.cleaned_data.get(name) or None
