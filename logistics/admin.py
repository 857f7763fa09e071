"""The operators' admin of pickup points: every write goes through
logistics.services as the signed-in operator, and the form shows the same
rules' errors next to the field."""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from logistics import rules, services
from logistics.models import PickupPoint
from shop.core.admin import ServiceAdmin
from shop.core.errors import DomainError

FIELDS = (
    "name",
    "kind",
    "address",
    "division_code",
    "latitude",
    "longitude",
    "opening_hours",
    "phone",
    "parcel_capacity",
    "cold_storage",
    "instructions",
    "staff",
    "is_active",
)


def _apply(rule: Any, *args: Any) -> Any:
    try:
        return rule(*args)
    except DomainError as error:
        raise forms.ValidationError(str(error.message), code=error.code.value) from error


class PickupPointForm(forms.ModelForm):
    class Meta:
        model = PickupPoint
        fields = FIELDS

    def clean_division_code(self) -> Any:
        return _apply(rules.clean_division_code, self.cleaned_data["division_code"])

    def clean_opening_hours(self) -> Any:
        return _apply(rules.clean_opening_hours, self.cleaned_data["opening_hours"])

    def clean_phone(self) -> Any:
        return _apply(rules.clean_phone, self.cleaned_data["phone"])

    def clean_parcel_capacity(self) -> Any:
        return _apply(rules.clean_capacity, self.cleaned_data["parcel_capacity"])


@admin.register(PickupPoint)
class PickupPointAdmin(ServiceAdmin):
    form = PickupPointForm
    list_display = ["name", "kind", "division_code", "parcel_capacity", "cold_storage", "is_active"]
    list_filter = ["kind", "cold_storage", "is_active"]
    search_fields = ["name", "address", "division_code"]
    filter_horizontal = ["staff"]

    def save_model(
        self, request: HttpRequest, obj: PickupPoint, form: forms.ModelForm, change: bool
    ) -> None:
        if change:
            services.update_point(actor=request.user, point=obj, **self.changes(form, FIELDS))
            return
        saved = services.create_point(
            actor=request.user, **{f: form.cleaned_data[f] for f in FIELDS}
        )
        obj.pk = saved.pk
        obj._state.adding = False

    def save_related(
        self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool
    ) -> None:
        """The staff were written by the service: nothing is left to save."""
