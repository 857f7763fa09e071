"""The farmer's steps (`traceability.steps`): the same list the farmer's pages
offer, so an app records a step in plain words with the right EPCIS values."""

from typing import Any

import graphene

from traceability.schema.events import EventTypeEnum
from traceability.schema.types import BizStepEnum, DispositionEnum
from traceability.steps import FARM_STEPS


class FarmStep(graphene.ObjectType):
    key = graphene.String(required=True, description="Stable: `harvest`, `store`, `process`, …")
    label = graphene.String(required=True, description="In the request's language.")
    event_type = EventTypeEnum(required=True)
    biz_step = BizStepEnum(required=True)
    disposition = DispositionEnum(required=True)
    needs_inputs = graphene.Boolean(
        required=True, description="A processing step: `inputs` → this batch (`outputs`)."
    )


class StepQueries(graphene.ObjectType):
    farm_steps = graphene.List(
        graphene.NonNull(FarmStep),
        required=True,
        description="Public: the steps a farmer records, with the EPCIS event each one is.",
    )

    @staticmethod
    def resolve_farm_steps(root: Any, info: graphene.ResolveInfo) -> list[FarmStep]:
        return [
            FarmStep(
                key=key,
                label=str(step.label),
                event_type=str(step.event_type),
                biz_step=str(step.biz_step),
                disposition=str(step.disposition),
                needs_inputs=step.event_type == "TransformationEvent",
            )
            for key, step in FARM_STEPS.items()
        ]
