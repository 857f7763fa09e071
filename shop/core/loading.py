"""Related rows of a whole page in one query per relation, whatever its size.

A list marks the rows it fetched with `load_together(rows)`. The first time
one of them is asked for a relation (`related_one(product, "seller")`,
`related_many(product, "variants")`), that relation is fetched for every row
of the group at once, and the rows fetched form a group of their own, so
relations further down (a product's pictures' thumbnails) stay constant too.
An object in no group is a group of one. Nothing is fetched that nobody asks
for, so the API needs no knowledge of the query's selections, and pages use
the same calls.
"""

from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any, TypeVar

from django.core.exceptions import FieldDoesNotExist
from django.db import models

M = TypeVar("M", bound=models.Model)
INTEGER_FIELDS = (models.IntegerField, models.AutoField)


class _Group:
    __slots__ = ("rows",)

    def __init__(self, rows: Sequence[models.Model]) -> None:
        self.rows = rows


def load_together(rows: Sequence[M]) -> Sequence[M]:
    """Mark `rows` as fetched together; returns them."""
    group = _Group(rows)
    for row in rows:
        row._load_group = group  # type: ignore[attr-defined]
    return rows


def _rows_with(obj: models.Model) -> Sequence[models.Model]:
    group = getattr(obj, "_load_group", None)
    return group.rows if group is not None else load_together([obj])


def related_one(obj: models.Model, name: str) -> Any:
    """`obj.<name>` for a foreign key, fetched for the whole group the first time."""
    field: Any = obj._meta.get_field(name)
    if not field.is_cached(obj):
        group = _rows_with(obj)
        missing = [row for row in group if not field.is_cached(row)]
        ids = {getattr(row, field.attname) for row in missing} - {None}
        # A tree (a category's parent) often points into its own page.
        found = {row.pk: row for row in group if row.pk in ids and type(row) is field.related_model}
        fetched = field.related_model._base_manager.in_bulk(ids - found.keys())
        load_together(list(fetched.values()))
        found.update(fetched)
        for row in missing:
            field.set_cached_value(row, found.get(getattr(row, field.attname)))
    return getattr(obj, name)


def related_many(obj: models.Model, name: str) -> list[Any]:
    """The rows pointing to `obj` through the reverse foreign key `name`, in their
    model's order, fetched for the whole group the first time."""
    loaded = obj.__dict__.setdefault("_related_lists", {})
    if name not in loaded:
        relation: Any = obj._meta.get_field(name)
        foreign_key, model = relation.field, relation.related_model
        parents: dict[Any, list[Any]] = {}
        for row in _rows_with(obj):
            lists = row.__dict__.setdefault("_related_lists", {})
            if name not in lists:
                lists[name] = []
                parents[row.pk] = lists[name]
        rows = model._base_manager.filter(**{f"{foreign_key.attname}__in": list(parents)})
        sort_key = _python_order(model)
        rows = list(rows.order_by()) if sort_key else list(rows)
        if sort_key:
            rows.sort(key=sort_key)
        by_pk = {row.pk: row for row in _rows_with(obj)}
        for row in rows:
            parent_pk = getattr(row, foreign_key.attname)
            foreign_key.set_cached_value(row, by_pk[parent_pk])
            parents[parent_pk].append(row)
        load_together(rows)
    return loaded[name]


def _python_order(model: type[models.Model]) -> Callable[[Any], Any] | None:
    """Sort in Python (cheaper than compiling an ORDER BY) when the model is
    ordered by ascending integers only, or not at all; else None."""
    names = list(model._meta.ordering or ()) or ["pk"]
    if not all(isinstance(name, str) for name in names):
        return None
    fields = [model._meta.pk if name == "pk" else _field(model, name) for name in names]
    if not all(isinstance(field, INTEGER_FIELDS) for field in fields):
        return None
    return attrgetter(*(field.attname for field in fields))


def _field(model: type[models.Model], name: str) -> Any:
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:  # "-name", "parent__name": leave those to the database
        return None
