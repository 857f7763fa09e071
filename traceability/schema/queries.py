"""Batch queries: `batches` and `batch(id | code)`."""

from typing import Any

import graphene
from django.utils.translation import gettext_lazy as _

from shop.core.api import public_cache
from shop.core.api.base import pk_from_global_id
from shop.core.api.pagination import KeysetConnectionField, keyset_page
from shop.core.errors import RequestError
from shop.core.errors import RequestErrorCode as Code
from traceability import cache, models
from traceability.schema.types import Batch, BatchConnection
from traceability.selectors import filter_batches, visible_batches


class BatchFilterInput(graphene.InputObjectType):
    seller = graphene.ID()
    variant = graphene.ID()
    farm = graphene.ID()
    lot = graphene.String(description="The lot exactly.")


def _batch_filters(filter: BatchFilterInput | None) -> dict[str, Any]:
    filter_input: dict[str, Any] = filter or {}
    ids = {"seller": "Seller", "variant": "ProductVariant", "farm": "Farm"}
    found: dict[str, Any] = {
        f"{name}_id": pk_from_global_id(filter_input[name], type_name)
        for name, type_name in ids.items()
        if filter_input.get(name)
    }
    if filter_input.get("lot") is not None:
        found["lot"] = filter_input["lot"].strip()
    return found


class BatchQueries(graphene.ObjectType):
    batches = KeysetConnectionField(
        BatchConnection,
        filter=BatchFilterInput(),
        description="Batches of the sellers you belong to (operators: all), newest first.",
    )
    batch = graphene.Field(
        Batch,
        id=graphene.ID(),
        code=graphene.String(description="The batch's short code, as on its label."),
        description="A batch of a seller you belong to (operators: any).",
    )

    @staticmethod
    def resolve_batch(
        root: Any, info: graphene.ResolveInfo, id: str | None = None, code: str | None = None
    ) -> models.Batch | None:
        if bool(id) == bool(code):
            raise RequestError(Code.INVALID_ARGUMENT, _("Give either an id or a code."))
        queryset = visible_batches(info.context.user)
        if code:
            found = queryset.filter(code=code.strip().upper()).first()
        else:
            found = queryset.filter(pk=pk_from_global_id(id, "Batch")).first()
        public_cache.tag(info.context, *Batch.cache_tags(found))
        return found

    @staticmethod
    def resolve_batches(
        root: Any,
        info: graphene.ResolveInfo,
        first: int | None = None,
        after: str | None = None,
        filter: BatchFilterInput | None = None,
        **_: Any,
    ) -> BatchConnection:
        public_cache.tag(info.context, cache.BATCH_LIST)
        queryset = filter_batches(visible_batches(info.context.user), **_batch_filters(filter))
        return keyset_page(
            BatchConnection, queryset, keys=["id"], first=first, after=after, descending=True
        )
