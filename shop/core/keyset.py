"""Keyset (cursor) paging, shared by the API's connections and the pages.

A page costs one query that fetches `first + 1` rows after the cursor,
whatever the table size. A cursor is the sort-key values of the last row
shown, base64url JSON; one that does not decode, or whose values do not fit
the sort keys, raises RequestError(INVALID_CURSOR) before it reaches the
database.
"""

import base64
import json
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from shop.core.errors import RequestError
from shop.core.errors import RequestErrorCode as Code
from shop.core.loading import load_together


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    cursors: list[str]
    has_next: bool

    @property
    def next_cursor(self) -> str | None:
        return self.cursors[-1] if self.has_next and self.cursors else None


def _encode(values: list[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else str(v) for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode()


def _decode(cursor: str, count: int) -> list[Any]:
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


def _key_field(queryset: QuerySet, key: str) -> Any:
    try:
        return queryset.model._meta.get_field(key)
    except FieldDoesNotExist:
        return queryset.query.annotations[key].output_field


def _well_formed(field: Any, value: Any) -> bool:
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


def _cursor_values(queryset: QuerySet, keys: list[str], cursor: str) -> list[Any]:
    values = _decode(cursor, len(keys))
    if not all(_well_formed(_key_field(queryset, k), v) for k, v in zip(keys, values, strict=True)):
        raise RequestError(Code.INVALID_CURSOR, _("This cursor is not valid."))
    return values


def _after(keys: list[str], values: list[Any], descending: bool) -> Q:
    """Q for rows strictly after `values` in the order of `keys`."""
    lookup = "lt" if descending else "gt"
    condition = Q()
    for position in range(len(keys) - 1, -1, -1):
        step = Q(**{f"{keys[position]}__{lookup}": values[position]})
        equal = Q(**{keys[i]: values[i] for i in range(position)})
        condition = (equal & step) | condition if position < len(keys) - 1 else equal & step
    return condition


def page(
    queryset: QuerySet,
    *,
    keys: list[str],
    first: int,
    after: str | None = None,
    descending: bool = False,
) -> Page:
    """`first` rows of `queryset` ordered by `keys` (the last must be unique), after
    the cursor `after`; the rows load their relations together (`shop.core.loading`)."""
    ordered = queryset.order_by(*[f"-{k}" if descending else k for k in keys])
    if after:
        try:
            values = _cursor_values(queryset, keys, after)
            ordered = ordered.filter(_after(keys, values, descending))
        except (ValueError, TypeError, ValidationError) as exc:
            # Decoded, but its values do not fit the sort keys (e.g. from another sort).
            raise RequestError(Code.INVALID_CURSOR, _("This cursor is not valid.")) from exc
    fetched = list(ordered[: first + 1])
    rows = list(load_together(fetched[:first]))
    cursors = [_encode([_key_value(row, k) for k in keys]) for row in rows]
    return Page(rows=rows, cursors=cursors, has_next=len(fetched) > first)


def _key_value(row: Any, key: str) -> Any:
    value = row
    for part in key.split("__"):
        value = getattr(value, part)
    if isinstance(value, Decimal):
        return format(value, "f")
    return value
