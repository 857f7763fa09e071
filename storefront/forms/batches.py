"""The farmer's traceability forms: batches, the steps of their chain, serials
and label sheets. They read and type the input; `traceability` checks the rules
and saves, and its errors land beside the fields.

A farmer records steps in plain words (`traceability.steps`).
"""

from datetime import datetime
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import ProductVariant, Seller
from catalog.selectors import visible_farms, visible_variants
from shop.core.errors import DomainError
from shop.core.roles import Actor
from storefront.forms.base import PageForm, PageModelForm, SubmitOnce
from storefront.forms.workbench import LocalizedChoiceField, _bound_integers
from storefront.templatetags.storefront import localized
from traceability.models import Batch, BatchRecall, LabelJob, TraceEvent
from traceability.selectors import visible_batches
from traceability.services.batches import MAX_SERIALS_PER_CALL
from traceability.services.events import Reading, recorded_readings
from traceability.steps import FARM_STEPS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
LOCAL_TIME_FORMAT = "%Y-%m-%dT%H:%M"
DECIMAL = {"inputmode": "decimal", "step": "any"}
# The form's fields of the sensor readings `trace.record_event` takes, by their kind.
SENSOR_FIELDS = {"temperature": "temperature", "relative_humidity": "humidity"}


class VariantChoiceField(forms.ModelChoiceField):
    """Variants named with their product, in the page's language."""

    def label_from_instance(self, obj: ProductVariant) -> str:
        return f"{localized(obj.product)} · {obj.name}"


def _batch_name(batch: Batch) -> str:
    return f"{batch.lot} · {batch.harvest_date}"


class InputBatchesField(forms.ModelMultipleChoiceField):
    """The batches a processed one was made from, by lot and harvest date."""

    def label_from_instance(self, obj: Batch) -> str:
        return _batch_name(obj)


class OutputBatchField(forms.ModelChoiceField):
    """The batch a processing step made, by lot and harvest date."""

    def label_from_instance(self, obj: Batch) -> str:
        return _batch_name(obj)


def _seller_choices(form: forms.BaseForm, actor: Actor, seller: Seller) -> None:
    """Offer only the seller's variants and farms; any other id is an invalid choice."""
    if "variant" in form.fields:
        variant = cast(forms.ModelChoiceField, form.fields["variant"])
        variants = visible_variants(actor).filter(seller=seller).select_related("product")
        variant.queryset = variants.order_by("product__name", "sort_order", "id")
    farm = cast(
        forms.ModelChoiceField, form.fields["farm" if "farm" in form.fields else "read_point"]
    )
    farm.queryset = visible_farms(actor).filter(seller=seller).order_by("name")


class BatchCreateForm(SubmitOnce, PageModelForm):
    lot = forms.CharField(
        label=_("Lot"),
        help_text=_("Your code for this harvest, e.g. ZM2026-10A: Latin letters and digits."),
    )

    class Meta:
        model = Batch
        fields = ["variant", "farm", "lot", "harvest_date", "best_before", "quantity", "unit"]
        fields += ["notes"]
        field_classes = {"variant": VariantChoiceField, "farm": LocalizedChoiceField}
        labels = {"variant": _("Product")}
        help_texts = {
            "harvest_date": _("The day it was harvested or made."),
            "quantity": _("How much this harvest yielded, in the unit below."),
        }
        widgets = {
            "harvest_date": DATE,
            "best_before": DATE,
            "quantity": forms.NumberInput(attrs={**DECIMAL, "step": "0.001"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, actor: Actor, seller: Seller, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _seller_choices(self, actor, seller)


class BatchFilterForm(PageForm):
    """The list's filter, sent by GET."""

    variant = VariantChoiceField(
        label=_("Product"), queryset=ProductVariant.objects.none(), required=False
    )

    def __init__(self, *args: Any, actor: Actor, seller: Seller, **kwargs: Any) -> None:
        super().__init__(*args, auto_id="filter_%s", **kwargs)
        variant = cast(forms.ModelChoiceField, self.fields["variant"])
        variant.empty_label = _("All products")
        variants = visible_variants(actor).filter(seller=seller).select_related("product")
        variant.queryset = variants.order_by("product__name", "sort_order", "id")


class _StepFactsForm(SubmitOnce, PageForm):
    """When and where a step happened, and what was measured: what a step
    records and what its correction may change."""

    event_time = forms.DateTimeField(
        label=_("When"),
        help_text=_("Beijing time."),
        input_formats=[LOCAL_TIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_TIME_FORMAT),
    )
    read_point = LocalizedChoiceField(
        label=_("Where"), queryset=None, required=False, empty_label=_("Not on a farm")
    )
    temperature = forms.DecimalField(
        label=_("Temperature (°C)"), required=False, widget=forms.NumberInput(attrs=DECIMAL)
    )
    humidity = forms.DecimalField(
        label=_("Relative humidity (%)"), required=False, widget=forms.NumberInput(attrs=DECIMAL)
    )

    def readings(self) -> list[Reading]:
        data = self.cleaned_data
        return [
            Reading(kind, data[field])
            for kind, field in SENSOR_FIELDS.items()
            if data.get(field) is not None
        ]

    def show_domain_error(self, error: DomainError) -> None:
        """The service names `sensors` for either reading and `image` for the photo."""
        readings = [f for f in SENSOR_FIELDS.values() if self.cleaned_data.get(f) is not None]
        for item in error.errors:
            targets = {"sensors": readings, "image": ["photo"], "outputs": ["output"]}
            for field in targets.get(item.field or "", [item.field]):
                self.add_error(field if field in self.fields else None, str(item.message))


class EventForm(_StepFactsForm):
    """One step of the batch's chain, with where, when, a reading and a photo.

    Processing names the batch made (`output`, this one unless another of the
    seller's is chosen: left out, it is this one) and the batches it was made
    from (`inputs`).
    """

    field_order = [
        "step", "event_time", "read_point", "output", "inputs", "temperature", "humidity"
    ]  # fmt: skip

    step = forms.ChoiceField(
        label=_("What was done"),
        choices=[(key, step.label) for key, step in FARM_STEPS.items()],
        widget=forms.RadioSelect,
    )
    output = OutputBatchField(
        label=_("Batch made"),
        queryset=None,
        required=False,
        empty_label=None,
        help_text=_("Only for processing: this batch, unless another of yours was made."),
    )
    inputs = InputBatchesField(
        label=_("Input batches"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only for processing: the batches it was made from."),
    )
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        help_text=_("A JPEG, PNG or WebP photo of the step, if you have one."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )

    def __init__(self, *args: Any, actor: Actor, batch: Batch, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _seller_choices(self, actor, batch.seller)
        self.batch = batch
        batches = visible_batches(actor).filter(seller_id=batch.seller_id).order_by("-id")
        if batches.exclude(pk=batch.pk).exists():
            cast(OutputBatchField, self.fields["output"]).queryset = batches
            cast(InputBatchesField, self.fields["inputs"]).queryset = batches
        else:  # nothing to process this batch from: no such step, no empty list
            del self.fields["inputs"], self.fields["output"]
            choices = [(k, s.label) for k, s in FARM_STEPS.items() if k != "process"]
            cast(forms.ChoiceField, self.fields["step"]).choices = choices
        if not self.is_bound:
            now = timezone.localtime().replace(second=0, microsecond=0)
            self.initial.update(event_time=now, read_point=batch.farm_id, output=batch.pk)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        inputs, output = data.get("inputs") or [], data.get("output")
        if data.get("step") != "process":
            if inputs:
                self.add_error("inputs", _("Input batches go with a processing step only."))
            if output is not None and output != self.batch:
                self.add_error("output", _("The batch made goes with a processing step only."))
        elif "output" in self.fields and "output" not in self.errors:
            if (output or self.batch) in inputs:
                self.add_error("inputs", _("The batch made cannot also be one it was made from."))
            elif not inputs and "inputs" not in self.errors:
                self.add_error("inputs", _("Choose the batches it was made from."))
        return data

    def made(self) -> Batch:
        """The batch whose page shows the step first: the one made, when processing."""
        return self.cleaned_data.get("output") or self.batch

    def arguments(self, batch: Batch) -> dict[str, Any]:
        """What `trace.record_event` takes, from the cleaned data."""
        data = self.cleaned_data
        step = FARM_STEPS[data["step"]]
        return {
            **step.event_arguments(batch, inputs=data.get("inputs", ()), output=data.get("output")),
            "event_time": data["event_time"],
            "read_point": data.get("read_point"),
            "sensors": self.readings(),
            "photo": data.get("photo"),
        }


def _to_the_minute(moment: datetime) -> datetime:
    return timezone.localtime(moment).replace(second=0, microsecond=0)


class CorrectionForm(_StepFactsForm):
    """A recorded step's facts, to correct: only what differs from the record is
    sent, and the service records it as an EPCIS correction beside the original."""

    def __init__(self, *args: Any, actor: Actor, event: TraceEvent, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _seller_choices(self, actor, event.seller)
        if event.read_point_id is not None:  # a correction moves a step, never off its farm
            read_point = cast(forms.ModelChoiceField, self.fields["read_point"])
            read_point.required = True
            read_point.empty_label = None
        recorded = {reading.kind: reading.value for reading in recorded_readings(event)}
        self.recorded = {
            "event_time": _to_the_minute(event.event_time),
            "read_point": event.read_point,
            **{field: recorded.get(kind) for kind, field in SENSOR_FIELDS.items()},
        }
        if not self.is_bound:
            self.initial.update(self.recorded)

    def _changed(self) -> set[str]:
        data = self.cleaned_data
        given = {
            **data,
            "event_time": data.get("event_time") and _to_the_minute(data["event_time"]),
        }
        return {name for name, value in self.recorded.items() if given.get(name) != value}

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not self.errors and not self._changed():
            raise forms.ValidationError(
                _("Nothing differs from what was recorded: change the fact that was wrong.")
            )
        return data

    def arguments(self) -> dict[str, Any]:
        """What `trace.correct_event` takes: the facts that changed, nothing else."""
        changed, data = self._changed(), self.cleaned_data
        arguments: dict[str, Any] = {}
        if "event_time" in changed:
            arguments["event_time"] = data["event_time"]
        if "read_point" in changed:
            arguments["read_point"] = data["read_point"]
        if changed & set(SENSOR_FIELDS.values()):
            arguments["sensors"] = self.readings()
        return arguments


class SerialsForm(SubmitOnce, PageForm):
    count = forms.IntegerField(
        label=_("How many serials"), widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, auto_id="serials_%s", **kwargs)
        limit = {"max": MAX_SERIALS_PER_CALL}  # in the language of the request, not of the import
        self.fields["count"].help_text = _("One per bag or box, up to %(max)d at a time.") % limit
        _bound_integers(self)


class LabelJobForm(SubmitOnce, PageForm):
    kind = forms.ChoiceField(
        label=_("Labels"), choices=LabelJob.Kind.choices, widget=forms.RadioSelect
    )
    copies = forms.IntegerField(
        label=_("Number of copies"),
        required=False,
        help_text=_("Only for copies of the batch's label; 24 fit on one A4 sheet."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, auto_id="labels_%s", **kwargs)
        self.initial.setdefault("kind", LabelJob.Kind.BATCH)
        self.initial.setdefault("copies", 24)
        _bound_integers(self)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("kind") == LabelJob.Kind.SERIALS:
            data["copies"] = None  # one label per serial: the number is the serials'
        return data


class RecallForm(SubmitOnce, PageForm):
    """Withdraw a batch for safety; the reason goes to every buyer of it."""

    reason = forms.CharField(
        label=_("Reason for the recall"),
        max_length=BatchRecall._meta.get_field("reason").max_length,
        help_text=_("Every buyer of the batch receives it: say what is wrong."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, batch: Batch, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"recall-{batch.pk}-%s")
        super().__init__(*args, **kwargs)
        self.batch_id = batch.pk
