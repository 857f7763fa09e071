"""The operators' forms on orders: the list's filters, cancelling with a
reason, refunding whole or some units of one line, and the earnings' period
(recalling a batch is `storefront.forms.batches.RecallForm`). Field names
follow the services' error fields, so their coded errors land beside them."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.rules import MAX_STOCK
from shop.core.errors import DomainError
from shop.orders.states import OrderStatus
from storefront.forms.base import PageForm, SubmitOnce

CANCEL_REASON_LENGTH = 200


class OrderFilterForm(PageForm):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *OrderStatus.choices],
    )


class CancelForm(SubmitOnce, PageForm):
    reason = forms.CharField(
        label=_("Reason for cancelling"),
        max_length=CANCEL_REASON_LENGTH,
        help_text=_("Kept in the order's history."),
    )


class RefundWholeForm(SubmitOnce, PageForm):
    """Every unit not yet refunded, and the shipping: the button is the input."""


class RefundLineForm(SubmitOnce, PageForm):
    """Some units of one line; the service's `lines` errors show beside `units`."""

    line = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    units = forms.IntegerField(
        label=_("Units to refund"),
        min_value=1,
        max_value=MAX_STOCK,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, line_id: int | None = None, **kwargs: Any) -> None:
        if line_id is not None:
            kwargs.setdefault("auto_id", f"refund-{line_id}-%s")
            kwargs.setdefault("initial", {"line": line_id})
        super().__init__(*args, **kwargs)

    def show_domain_error(self, error: DomainError) -> None:
        for item in error.errors:
            field = "units" if item.field == "lines" else None
            self.add_error(field, str(item.message))


class PeriodForm(PageForm):
    period = forms.ChoiceField(
        label=_("Period"),
        required=False,
        choices=[("month", _("This month")), ("all", _("All time"))],
    )
