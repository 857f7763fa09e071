from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.models import Seller
from storefront.forms.base import PageForm

REASON_LENGTH = Seller._meta.get_field("rejection_reason").max_length


class RejectForm(PageForm):
    """Why a registration goes back to the seller (its members read it). The field
    has the service's name, so the service's errors land on it."""

    rejection_reason = forms.CharField(
        label=_("Reason for rejecting"),
        max_length=REASON_LENGTH,
        help_text=_("The seller's members see this: say what to correct."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, seller: Seller, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"reject-{seller.pk}-%s")
        super().__init__(*args, **kwargs)


class ClearFlagForm(PageForm):
    """Why a flagged serial is not a copied label: the buyer's notice goes."""

    reason = forms.CharField(
        label=_("Why the flag is unfounded"),
        max_length=500,
        help_text=_("Kept with the flag: what you checked, with whom."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, flag_id: int, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"clear-{flag_id}-%s")
        super().__init__(*args, **kwargs)
