"""The steps a farmer records, in plain words, and what each is in EPCIS.

The farmer's pages and API clients offer the same list (`FARM_STEPS`, the
`farmSteps` query); each step says which EPCIS event type, CBV business step
and disposition it records. CBV has no "harvesting": a harvest commissions
the lot; processing such as milling transforms input batches into this one.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gs1.vocabulary import BizStep, Disposition, EventType
from traceability.models import Batch


@dataclass(frozen=True)
class FarmStep:
    label: str | Promise
    event_type: str
    biz_step: str
    disposition: str

    def event_arguments(
        self, batch: Batch, *, inputs: Iterable[Batch] = (), output: Batch | None = None
    ) -> dict[str, Any]:
        """What `services.events.record_event` takes to record this step on `batch`
        (a processing step makes `output`, by default `batch`, from `inputs`)."""
        where: dict[str, Any] = {"batch": batch}
        if self.event_type == EventType.TRANSFORMATION:
            where = {"inputs": list(inputs), "outputs": [output or batch]}
        return {
            **where,
            "event_type": self.event_type,
            "biz_step": self.biz_step,
            "disposition": self.disposition,
        }


FARM_STEPS = {
    "harvest": FarmStep(
        _("Harvest or make"), EventType.OBJECT, BizStep.COMMISSIONING, Disposition.ACTIVE
    ),
    "store": FarmStep(
        _("Dry or store"),
        EventType.OBJECT,
        BizStep.STORING,
        Disposition.SELLABLE_NOT_ACCESSIBLE,
    ),
    "inspect": FarmStep(
        _("Inspect or grade"), EventType.OBJECT, BizStep.INSPECTING, Disposition.CONFORMANT
    ),
    "process": FarmStep(
        _("Process from other batches (e.g. mill paddy into rice)"),
        EventType.TRANSFORMATION,
        BizStep.COMMISSIONING,
        Disposition.ACTIVE,
    ),
    "pack": FarmStep(_("Pack"), EventType.OBJECT, BizStep.PACKING, Disposition.CONTAINER_CLOSED),
    "ship": FarmStep(_("Ship"), EventType.OBJECT, BizStep.SHIPPING, Disposition.IN_TRANSIT),
    "receive": FarmStep(_("Receive"), EventType.OBJECT, BizStep.RECEIVING, Disposition.IN_PROGRESS),
}


def step_label(event_type: str, biz_step: str) -> str:
    """A recorded event's step in the farmer's words, else the CBV step's name."""
    for step in FARM_STEPS.values():
        if (step.event_type, step.biz_step) == (event_type, biz_step):
            return str(step.label)
    return str(BizStep(biz_step).label) if biz_step in BizStep.values else biz_step
