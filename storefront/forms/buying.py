"""The buyer's forms: adding to the cart, changing a line, delivery and contact,
payment. They check the shape of the input; the checkout's services check the
rest (stock, zones, pickup points) and their errors land beside these fields."""

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from catalog.rules import MAX_STOCK
from logistics.models import PickupPoint
from shop.payments import gateways
from storefront.forms.base import PageForm, SubmitOnce

PICKUP, HOME = "pickup", "home"
# The gateways the pages offer; Stripe continues on its own page (storefront/views/stripe_pay.py).
PAGE_GATEWAYS = {
    "test": _("Test payment"),
    "cash": _("Cash at pickup"),
    "stripe": _("Card, Alipay or WeChat Pay"),
}
SCENARIOS = [("succeed", _("Payment succeeds")), ("fail", _("Payment fails"))]


def _quantity(min_value: int = 1) -> forms.IntegerField:
    return forms.IntegerField(
        label=_("Quantity"),
        min_value=min_value,
        max_value=MAX_STOCK,
        initial=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class AddToCartForm(PageForm):
    variant = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    quantity = _quantity()


class CartLineForm(PageForm):
    """One line's new quantity; 0 (or the remove button) takes it out."""

    variant = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    quantity = _quantity(min_value=0)


class PointChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        cold = f" · {_('Cold storage')}" if obj.cold_storage else ""
        return f"{obj.name} · {obj.get_kind_display()} · {obj.address}{cold}"


class DeliveryForm(PageForm):
    """Who to tell, and where the parcels go: a pickup point of the county shown,
    or a home address with its 12-digit division code."""

    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(label=_("Email"), required=False, max_length=254)
    delivery = forms.ChoiceField(
        label=_("Delivery"),
        choices=[(PICKUP, _("Collect at a pickup point")), (HOME, _("Deliver to my address"))],
        initial=PICKUP,
        widget=forms.RadioSelect,
    )
    pickup_point = PointChoice(
        label=_("Pickup point"),
        queryset=PickupPoint.objects.none(),
        required=False,
        widget=forms.RadioSelect,
        empty_label=None,
    )
    recipient = forms.CharField(label=_("Recipient"), max_length=60, required=False)
    address = forms.CharField(label=_("Street address"), max_length=255, required=False)
    division_code = forms.RegexField(
        label=_("Division code"),
        regex=r"^[0-9]{12}$",
        required=False,
        help_text=_("The 12-digit code of your village or neighbourhood."),
        error_messages={"invalid": _("Enter the 12 digits of the code.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(
        self, *args: Any, points: QuerySet[PickupPoint], signed_in: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.signed_in = signed_in
        self.fields["pickup_point"].queryset = points  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.signed_in and not (data.get("phone") or data.get("email")):
            self.add_error("phone", _("Give a mobile number or an email."))
        if data.get("delivery") == PICKUP and not data.get("pickup_point"):
            self.add_error("pickup_point", _("Choose a pickup point."))
        return data


class PaymentForm(SubmitOnce, PageForm):
    gateway = forms.ChoiceField(label=_("Payment method"), widget=forms.RadioSelect)
    scenario = forms.ChoiceField(
        label=_("Test payment result"), choices=SCENARIOS, required=False, initial="succeed"
    )

    def __init__(self, *args: Any, to_pickup_point: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offered = [
            (name, PAGE_GATEWAYS[name])
            for name in gateways.enabled()
            if name in PAGE_GATEWAYS and (name != "cash" or to_pickup_point)
        ]
        gateway = cast(forms.ChoiceField, self.fields["gateway"])
        gateway.choices = offered
        if offered:
            gateway.initial = offered[0][0]
        if "test" not in gateways.enabled():
            del self.fields["scenario"]


class RetryPaymentForm(PageForm):
    scenario = forms.ChoiceField(
        label=_("Test payment result"), choices=SCENARIOS, required=False, initial="succeed"
    )
