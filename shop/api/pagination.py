"""Keyset (cursor) pagination for Relay connections.

A page costs one query that fetches `first + 1` rows after the cursor,
whatever the table size; the total is counted only when a client asks for
`totalCount`.
"""

import base64
import json
import re
from datetime import datetime
from decimal import Decimal

import graphene
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from graphene import relay

from shop.api.core import page_size
from shop.errors import RequestError
from shop.errors import RequestErrorCode as Code
from shop.loading import load_together


class CountableConnection(relay.Connection):
    class Meta:
        abstract = True

    total_count = graphene.Int(description="Counted only when asked for.")

    @staticmethod
    def resolve_total_count(root, info):
        return root.queryset.count()


def _encode(values):
    plain = [v.isoformat() if isinstance(v, datetime) else str(v) for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode()


def _decode(cursor, count):
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError, RecursionError) as exc:
        raise RequestError(Code.INVALID_CURSOR, _("This cursor is not valid.")) from exc
    if not isinstance(values, list) or len(values) != count:
        raise RequestError(Code.INVALID_CURSOR, _("This cursor is not valid."))
    return values


# How each kind of sort key is written in a cursor; anything else is refused
# before it reaches the database (Python reads "١" as 1, PostgreSQL refuses NUL
# and integers past 64 bits).
INTEGER_RE = re.compile(r"-?[0-9]{1,18}")
DECIMAL_RE = re.compile(r"-?[0-9]{1,20}(\.[0-9]{1,20})?")
DATETIME_RE = re.compile(r"[0-9T:.+\- ]{10,40}")


def _key_field(queryset, key):
    try:
        return queryset.model._meta.get_field(key)
    except FieldDoesNotExist:
        return queryset.query.annotations[key].output_field


def _well_formed(field, value):
    if not isinstance(value, str):
        return False
    if isinstance(field, models.CharField | models.TextField):
        return "\x00" not in value
    if isinstance(field, models.DateTimeField):
        return bool(DATETIME_RE.fullmatch(value))
    if isinstance(field, models.DecimalField):
        return bool(DECIMAL_RE.fullmatch(value))
    if isinstance(field, models.IntegerField | models.AutoField):
        return bool(INTEGER_RE.fullmatch(value))
    return False


def _cursor_values(queryset, keys, cursor):
    values = _decode(cursor, len(keys))
    if not all(_well_formed(_key_field(queryset, k), v) for k, v in zip(keys, values, strict=True)):
        raise RequestError(Code.INVALID_CURSOR, _("This cursor is not valid."))
    return values


def _after(keys, values, descending):
    """Q for rows strictly after `values` in the order of `keys`."""
    lookup = "lt" if descending else "gt"
    condition = Q()
    for position in range(len(keys) - 1, -1, -1):
        step = Q(**{f"{keys[position]}__{lookup}": values[position]})
        equal = Q(**{keys[i]: values[i] for i in range(position)})
        condition = (equal & step) | condition if position < len(keys) - 1 else equal & step
    return condition


def keyset_page(connection_cls, queryset, *, keys, first, after=None, descending=False):
    """One page of `queryset` ordered by `keys` (the last must be unique).

    The page's rows load their relations together (`shop.loading`).
    """
    first = page_size(first)
    ordered = queryset.order_by(*[f"-{k}" if descending else k for k in keys])
    page_qs = ordered
    if after:
        try:
            values = _cursor_values(queryset, keys, after)
            page_qs = page_qs.filter(_after(keys, values, descending))
        except (ValueError, TypeError, ValidationError) as exc:
            # Decoded, but its values do not fit the sort keys (e.g. from another sort).
            raise RequestError(Code.INVALID_CURSOR, _("This cursor is not valid.")) from exc
    rows = list(page_qs[: first + 1])
    has_next = len(rows) > first
    rows = load_together(rows[:first])
    edges = [
        connection_cls.Edge(node=row, cursor=_encode([_key_value(row, k) for k in keys]))
        for row in rows
    ]
    connection = connection_cls(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=has_next,
            has_previous_page=bool(after),
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )
    connection.queryset = queryset
    return connection


def _key_value(row, key):
    value = row
    for part in key.split("__"):
        value = getattr(value, part)
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


class KeysetConnectionField(relay.ConnectionField):
    """A connection field paged forward only, by `first` and `after`."""

    def __init__(self, type_, *args, **kwargs):
        super().__init__(type_, *args, **kwargs)
        self.args.pop("before", None)
        self.args.pop("last", None)
