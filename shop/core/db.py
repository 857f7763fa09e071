"""Database facts shared by the apps' services."""

from typing import cast

from django.db import IntegrityError
from django.db.models import Field, Model


def violated_constraint(error: IntegrityError, model: type[Model]) -> str | None:
    """The name of the constraint of `model` that an IntegrityError reports, or None.

    PostgreSQL names it (psycopg's `diag.constraint_name`); SQLite names a
    CHECK constraint but only the columns of a UNIQUE one, which are matched
    to the model's named unique constraints.
    """
    diag = getattr(error.__cause__, "diag", None)
    if diag is not None and diag.constraint_name:
        return diag.constraint_name
    message = str(error)
    kind, _, detail = message.partition(" constraint failed: ")
    if kind == "CHECK":
        return detail.strip()
    if kind == "UNIQUE":
        columns = {column.strip().rpartition(".")[2] for column in detail.split(",")}
        for constraint in model._meta.constraints:
            fields = getattr(constraint, "fields", ())
            if fields and {cast(Field, model._meta.get_field(f)).column for f in fields} == columns:
                return constraint.name
    return None
