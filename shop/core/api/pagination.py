"""Keyset (cursor) pagination for Relay connections.

A page costs one query that fetches `first + 1` rows after the cursor,
whatever the table size; the total is counted only when a client asks for
`totalCount`.
"""

from typing import Any

import graphene
from django.db.models import QuerySet
from graphene import relay

from shop.core import keyset
from shop.core.api.base import page_size


class CountableConnection(relay.Connection):
    class Meta:
        abstract = True

    total_count = graphene.Int(description="Counted only when asked for.")

    @staticmethod
    def resolve_total_count(root: Any, info: graphene.ResolveInfo) -> int:
        return root.queryset.count()


def keyset_page(
    connection_cls: Any,
    queryset: QuerySet[Any],
    *,
    keys: list[str],
    first: int | None,
    after: str | None = None,
    descending: bool = False,
) -> Any:
    """One connection page of `queryset` ordered by `keys` (see shop.core.keyset)."""
    page = keyset.page(
        queryset, keys=keys, first=page_size(first), after=after, descending=descending
    )
    edges = [
        connection_cls.Edge(node=row, cursor=cursor)
        for row, cursor in zip(page.rows, page.cursors, strict=True)
    ]
    connection = connection_cls(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=page.has_next,
            has_previous_page=bool(after),
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )
    connection.queryset = queryset
    return connection


class KeysetConnectionField(relay.ConnectionField):
    """A connection field paged forward only, by `first` and `after`."""

    def __init__(self, type_: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(type_, *args, **kwargs)
        self.args.pop("before", None)
        self.args.pop("last", None)
