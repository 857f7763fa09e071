"""The seller's forms on an order: which batches a line's units come from, and
the next step of the parcel (with its tracking number when shipped)."""

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.rules import MAX_STOCK
from shop.orders.states import FULFILMENT_MOVES, FulfilmentStatus
from storefront.forms.base import PageForm, SubmitOnce
from traceability.models import Batch

# The moves a seller makes here; collection and cancellation happen elsewhere.
SELLER_MOVES = (FulfilmentStatus.PACKING, FulfilmentStatus.SHIPPED, FulfilmentStatus.AT_STATION)


class AllocationForm(SubmitOnce, PageForm):
    """One number per batch of the line's product: the units taken from it."""

    def __init__(
        self, *args: Any, batches: Iterable[Batch], current: dict[int, int], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.batches = {}
        for batch in batches:
            name = f"batch_{batch.pk}"
            self.batches[name] = batch
            self.fields[name] = forms.IntegerField(
                label=_("Lot %(lot)s, best before %(date)s")
                % {"lot": batch.lot, "date": batch.best_before or "—"},
                min_value=0,
                max_value=MAX_STOCK,
                required=False,
                initial=current.get(batch.pk, 0),
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )

    def allocations(self) -> dict[Batch, int]:
        return {
            batch: self.cleaned_data[name]
            for name, batch in self.batches.items()
            if self.cleaned_data.get(name)
        }


class FulfilmentForm(SubmitOnce, PageForm):
    status = forms.ChoiceField(label=_("Next step"), widget=forms.RadioSelect)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=40, required=False)

    def __init__(self, *args: Any, current: str, to_pickup_point: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = FULFILMENT_MOVES.get(current, frozenset())
        cast(forms.ChoiceField, self.fields["status"]).choices = [
            (move.value, move.label)
            for move in SELLER_MOVES
            if move in allowed and (move != FulfilmentStatus.AT_STATION or to_pickup_point)
        ]
