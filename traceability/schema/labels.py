"""Label sheet jobs through GraphQL: order one (`labelJobCreate`), poll it
(`labelJob(id)`) until its `url` appears, retry one that failed
(`labelJobRetry`). A job is read only by the members of its seller and
operators; to anyone else it does not exist."""

import uuid
from typing import Any, Self

import graphene
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shop.core.api.base import DomainMutation, error_type, errors_field, node_from_global_id
from shop.core.errors import RequestError
from shop.core.errors import RequestErrorCode as Code
from shop.core.roles import Actor, require_login
from traceability import models
from traceability.schema.types import Batch, TraceabilityErrorCodeEnum
from traceability.selectors import visible_label_jobs
from traceability.services import labels as label_jobs

LabelJobKindEnum = graphene.Enum.from_enum(models.LabelJob.Kind, name="LabelJobKind")
LabelJobStatusEnum = graphene.Enum.from_enum(models.LabelJob.Status, name="LabelJobStatus")


class LabelJob(graphene.ObjectType):
    """A PDF of A4 label sheets (24 labels a page) rendered in the background."""

    id = graphene.ID(required=True, description="A random UUID, not a Relay ID.")
    kind = LabelJobKindEnum(required=True)
    status = LabelJobStatusEnum(required=True)
    count = graphene.Int(required=True, description="How many labels the sheet has.")
    progress = graphene.Int(required=True, description="How many are drawn so far.")
    url = graphene.String(
        description="Where to download the PDF once done; it needs the same sign-in."
    )
    error = graphene.String(description="Why the job failed.")
    batch = graphene.Field(Batch, required=True)
    created_at = graphene.DateTime(required=True)
    finished_at = graphene.DateTime()

    @staticmethod
    def resolve_url(root: models.LabelJob, info: graphene.ResolveInfo) -> str | None:
        if root.status != models.LabelJob.Status.DONE:
            return None
        return f"{settings.PUBLIC_BASE_URL}{reverse('label-job-download', args=[root.pk])}"

    @staticmethod
    def resolve_error(root: models.LabelJob, info: graphene.ResolveInfo) -> str | None:
        return root.error or None


class LabelJobCreateInput(graphene.InputObjectType):
    batch = graphene.ID(required=True)
    kind = LabelJobKindEnum(required=True)
    copies = graphene.Int(description="For BATCH: how many copies of its label (1-10,000).")


class LabelJobCreate(DomainMutation):
    """Order a label sheet of a batch you manage: copies of the batch's label, or
    one label per serial. Poll `labelJob(id)` for its progress and download URL."""

    class Arguments:
        input = LabelJobCreateInput(required=True)

    job = graphene.Field(LabelJob)
    errors = errors_field(error_type("LabelJobCreateError", TraceabilityErrorCodeEnum))

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, input: LabelJobCreateInput) -> Self:
        require_login(info.context.user)  # nobody signed in learns whether the batch exists
        batch = node_from_global_id(input["batch"], "Batch", models.Batch)
        job = label_jobs.create_label_job(
            actor=info.context.user,
            batch=batch,
            kind=getattr(input["kind"], "value", input["kind"]),
            copies=input.get("copies"),
        )
        return cls(job=job, errors=[])


def _visible_job(actor: Actor, id: str) -> models.LabelJob | None:
    """The job `id` names if `actor` may see it: a coded error otherwise."""
    try:
        job_id = uuid.UUID(id)
    except ValueError as exc:
        raise RequestError(Code.INVALID_ID, _("This is not a valid ID.")) from exc
    return visible_label_jobs(actor).filter(pk=job_id).first()


class LabelJobRetry(DomainMutation):
    """Queue a failed label sheet again; it resumes after its last finished page."""

    class Arguments:
        job = graphene.ID(required=True, description="The job's UUID, as `labelJob(id)`.")

    job = graphene.Field(LabelJob)
    errors = errors_field(error_type("LabelJobRetryError", TraceabilityErrorCodeEnum))

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, job: str) -> Self:
        require_login(info.context.user)
        found = _visible_job(info.context.user, job)
        if found is None:
            raise RequestError(Code.NOT_FOUND, _("No label sheet has this ID."))
        return cls(job=label_jobs.retry_label_job(actor=info.context.user, job=found), errors=[])


class LabelQueries(graphene.ObjectType):
    label_job = graphene.Field(
        LabelJob,
        id=graphene.ID(required=True),
        description="A label sheet job of a seller you belong to (operators: any).",
    )

    @staticmethod
    def resolve_label_job(root: Any, info: graphene.ResolveInfo, id: str) -> models.LabelJob | None:
        return _visible_job(info.context.user, id)


class LabelMutations(graphene.ObjectType):
    label_job_create = LabelJobCreate.Field()
    label_job_retry = LabelJobRetry.Field()
